package test;

import io.vfu4j.api.Bar;
import io.vfu4j.api.Memory;
import io.vfu4j.api.OnReset;
import io.vfu4j.api.PciDevice;
import io.vfu4j.api.Register;
import io.vfu4j.api.capability.Aer;
import io.vfu4j.api.capability.Ats;
import io.vfu4j.api.capability.Msi;
import io.vfu4j.api.capability.MsiX;
import io.vfu4j.api.capability.Pasid;
import io.vfu4j.api.capability.PciExpress;
import io.vfu4j.api.capability.PowerManagement;
import io.vfu4j.api.capability.Pri;
import io.vfu4j.api.capability.SerialNumber;
import io.vfu4j.api.capability.VendorCapability;
import java.lang.foreign.MemorySegment;

/** A PCI Express endpoint with every capability the SDK knows. */
@PciDevice(vendorId = 0x1b36, deviceId = 0x0123, subsystemVendorId = 0x1af4, subsystemId = 0x1100,
    classCode = 0x088000, revision = 0x02, bus = PciDevice.Bus.PCI_EXPRESS)
@Bar(index = 0, size = 0x4000, type = Bar.Type.MEMORY64)
@Bar(index = 2, size = 0x10000, type = Bar.Type.MEMORY64, prefetchable = true)
@Bar(index = 4, size = 0x100, type = Bar.Type.IO)
@PowerManagement(d1 = true, pmeSupport = 0x19)
@Msi(vectors = 4, perVectorMask = true)
@MsiX(vectors = 16, tableBar = 0, tableOffset = 0x2000, pbaBar = 0, pbaOffset = 0x3000)
@PciExpress(maxPayload = 512, flr = true, completionTimeoutRanges = 0xf, tag10BitCompleter = true,
    linkSpeed = 3, linkWidth = 4)
@VendorCapability(data = {0x01, 0x02, (byte) 0xfe})
@Aer(ecrcGeneration = true)
@SerialNumber(0x0011223344556677L)
@Ats(invalidateQueueDepth = 8, globalInvalidate = true)
@Pri(outstandingCapacity = 64)
@Pasid(width = 16, execute = true, privileged = true)
public class Express {
  @Register(bar = 0, offset = 0x0, width = 8, accessSizes = {4, 8})
  long control;

  @Register(bar = 0, offset = 0x8, width = 2)
  short mode;

  @Register(bar = 4, offset = 0x0, width = 1)
  byte port;

  @Memory(bar = 2, offset = 0x0, size = 0x10000, mmap = true)
  MemorySegment ram;

  @OnReset
  void clear() {
  }
}
