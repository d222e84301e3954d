package io.vfu4j.samples.copyengine;

import static io.vfu4j.samples.copyengine.CopyEngineDevice.IOMMU_STATE;

import io.vfu4j.host.GuestMemory;
import io.vfu4j.host.VirtualIommu;
import io.vfu4j.runtime.cli.DeviceExtension;
import io.vfu4j.runtime.protocol.IommuMessages;
import io.vfu4j.runtime.protocol.IommuMessages.PageRequest;
import io.vfu4j.samples.copyengine.CopyEngineDriver.Completion;
import io.vfu4j.samples.copyengine.CopyEngineDriver.Descriptor;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code --demo}: shared virtual addressing with two processes. The built-in host client offers
 * the IOMMU extension and plays the guest's IOMMU; the same virtual addresses mean different
 * memory in PASID 1 and PASID 2, and a destination page that is not present is faulted in.
 */
final class CopyEngineDemo implements DeviceExtension {
  /** The two processes' virtual addresses: the same in both. */
  static final long SOURCE = 0x7f00_0000_0000L, DESTINATION = 0x7f00_0001_0000L;
  /** Guest physical memory behind the IOMMU (the translated space) and its pages. */
  static final long PHYSICAL = 0x1_0000_0000L;
  static final long P1_SOURCE = PHYSICAL, P1_DESTINATION = PHYSICAL + 0x1000, P2_SOURCE = PHYSICAL + 0x2000,
      P2_DESTINATION = PHYSICAL + 0x3000, P1_MOVED = PHYSICAL + 0x4000;
  static final int PAGE = 4096, VECTOR = 0;
  static final int RW = IommuMessages.R | IommuMessages.W;

  @Override
  public boolean hasDemo() {
    return true;
  }

  @Override
  public void demo(Path socket, PrintStream out) throws Exception {
    try (CopyEngineDriver driver = CopyEngineDriver.connect(socket, true)) {
      run(driver, out);
    }
  }

  static void run(CopyEngineDriver driver, PrintStream out) throws Exception {
    var client = driver.client();
    VirtualIommu iommu = driver.iommu();
    WireLog wire = new WireLog(client);
    int ids = client.config32(0);
    out.printf("device      %04x:%04x, ID register 0x%08x, negotiated %s%n", ids & 0xffff, ids >>> 16,
        driver.read32(CopyEngineDevice.ID), client.negotiatedIommu());
    var caps = driver.capabilities();
    out.printf("config      PCIe at 0x%02x (FLR), MSI-X at 0x%02x, ATS at 0x%03x, PRI at 0x%03x, PASID at 0x%03x%n",
        caps.pciExpress(), caps.msix(), caps.ats(), caps.pri(), caps.pasid());

    driver.start(VECTOR);
    out.printf("enable      bus master, MSI-X (4 vectors), engine on; device view 0x08 = 0x%08x%n",
        driver.read32(IOMMU_STATE));
    driver.enablePasid();
    out.printf("enable      PASID: device view 0x08 = 0x%08x%n", driver.read32(IOMMU_STATE));
    driver.enableAts(0);
    out.printf("enable      ATS (STU 4 KiB): device view 0x08 = 0x%08x%n", driver.read32(IOMMU_STATE));
    boolean stopped = (driver.priStatus() & CopyEngineDriver.PRI_STATUS_STOPPED) != 0;
    int allocation = driver.enablePri(CopyEngineDevice.PRI_CAPACITY);
    out.printf("enable      PRI (Stopped before: %s, %d requests allocated): device view 0x08 = 0x%08x%n",
        stopped ? "yes" : "NO", allocation, driver.read32(IOMMU_STATE));

    GuestMemory physical = iommu.mapTranslatedSpace(PHYSICAL, 0x10000, true);
    iommu.map(1, SOURCE, PAGE, P1_SOURCE, RW);
    iommu.map(2, SOURCE, PAGE, P2_SOURCE, RW);
    iommu.map(2, DESTINATION, PAGE, P2_DESTINATION, RW);
    List<PageRequest> faults = new CopyOnWriteArrayList<>(); // filled on the vIOMMU's thread
    iommu.pagePolicy(request -> {
      faults.add(request);
      boolean ours = (request.flags() & IommuMessages.PASID_VALID) != 0 && request.pasid() == 1
          && request.addr() == DESTINATION;
      if (!ours) {
        return 1; // Invalid Request
      }
      iommu.map(1, DESTINATION, PAGE, P1_DESTINATION, RW); // "the kernel allocates the page"
      return 0; // Success
    });
    put(physical, P1_SOURCE, "hello from process 1");
    put(physical, P2_SOURCE, "hello from process 2");
    out.printf("vIOMMU      PASID 1: 0x%x -> 0x%x, 0x%x not present; PASID 2: 0x%x -> 0x%x, 0x%x -> 0x%x%n",
        SOURCE, P1_SOURCE, DESTINATION, SOURCE, P2_SOURCE, DESTINATION, P2_DESTINATION);

    String text = "hello from process 1";
    Completion c = driver.copy(Descriptor.inPasid(1, SOURCE, DESTINATION, text.length()), VECTOR);
    out.printf("copy        PASID 1, %d bytes 0x%x -> 0x%x: %s, MSI-X vector %d %s%n", text.length(), SOURCE,
        DESTINATION, c.status(), VECTOR, c.interrupted() ? "fired" : "did NOT fire");
    out.printf("  wire      %s%n", wire.sinceLastLook());
    for (PageRequest r : faults) {
      out.printf("  fault     page request 0x%x PASID %d (%s), group %d: the vIOMMU mapped it to 0x%x, Success%n",
          r.addr(), r.pasid(), (r.flags() & IommuMessages.W) != 0 ? "write" : "read", r.prgi(), P1_DESTINATION);
    }
    faults.clear();
    out.printf("  memory    0x%x now holds \"%s\"%n", P1_DESTINATION, get(physical, P1_DESTINATION, text.length()));

    // The guest moves PASID 1's destination page and shoots down the device's cached translation.
    iommu.unmap(1, DESTINATION);
    iommu.map(1, DESTINATION, PAGE, P1_MOVED, RW);
    iommu.invalidate(DESTINATION, PAGE, 1, false).get(5, TimeUnit.SECONDS);
    out.printf("invalidate  PASID 1 page 0x%x moved to 0x%x: ATS_INVALIDATE completed by the device%n",
        DESTINATION, P1_MOVED);

    text = "hello from process 2";
    c = driver.copy(Descriptor.inPasid(2, SOURCE, DESTINATION, text.length()), VECTOR);
    out.printf("copy        PASID 2, the same addresses: %s, MSI-X vector %d %s; wire: %s%n", c.status(), VECTOR,
        c.interrupted() ? "fired" : "did NOT fire", wire.sinceLastLook());
    out.printf("  memory    0x%x now holds \"%s\"; PASID 1's page 0x%x still \"%s\"%n", P2_DESTINATION,
        get(physical, P2_DESTINATION, text.length()), P1_DESTINATION, get(physical, P1_DESTINATION, text.length()));

    text = "process 1 after the move";
    put(physical, P1_SOURCE, text);
    c = driver.copy(Descriptor.inPasid(1, SOURCE, DESTINATION, text.length()), VECTOR);
    out.printf("copy        PASID 1 again: %s; wire: %s (only the invalidated page)%n", c.status(),
        wire.sinceLastLook());
    out.printf("  memory    0x%x now holds \"%s\"%n", P1_MOVED, get(physical, P1_MOVED, text.length()));
    out.printf("totals      ATS_TRANSLATE: %d, page requests: %d, completions: %d%n", iommu.translations().size(),
        iommu.pageRequests().size(), driver.read32(CopyEngineDevice.COMPLETED_COUNT));
  }

  static void put(GuestMemory memory, long address, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    MemorySegment.copy(bytes, 0, memory.segment(), ValueLayout.JAVA_BYTE, address - memory.address(), bytes.length);
  }

  static String get(GuestMemory memory, long address, int length) throws IOException {
    return new String(memory.segment().asSlice(address - memory.address(), length).toArray(ValueLayout.JAVA_BYTE),
        StandardCharsets.US_ASCII);
  }
}
