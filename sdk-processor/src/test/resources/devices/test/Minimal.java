package test;

import io.vfu4j.api.Bar;
import io.vfu4j.api.PciDevice;
import io.vfu4j.api.Register;

/** The smallest useful device: one BAR, one register. */
@PciDevice(vendorId = 0x1af4, deviceId = 0x10f0)
@Bar(index = 0, size = 0x1000)
public class Minimal {
  @Register(bar = 0, offset = 0x0, reset = 0x12345678)
  int scratch;
}
