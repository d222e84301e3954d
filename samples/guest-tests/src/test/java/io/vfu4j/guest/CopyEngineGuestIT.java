package io.vfu4j.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copy-engine sample (PCIe 1234:ce01 behind a root port) under QEMU's vfio-user client, in a
 * real guest, driven by guest/modules/vfu4j_copy.c through the kernel's DMA API only: untagged
 * copies (no PASID, ATS or PRI, which QEMU's client does not offer) with MSI-X completions.
 *
 * <ul>
 *   <li>Without a vIOMMU (guest/tests/copy.sh): coherent buffers, bus address = guest-physical;
 *       small, page, 64 KiB, unaligned page-crossing, 1 MiB copies, each completion on the MSI-X
 *       vector programmed in CONTROL, a polled copy, invalid descriptors; with shared guest RAM
 *       (direct access through QEMU's fds) and with private RAM (DMA by messages).
 *   <li>Behind QEMU's intel-iommu (caching mode) and behind virtio-iommu, passthrough off, strict
 *       invalidation: the same coherent copies (now through IOVAs), then (guest/tests/copy-iommu.sh)
 *       streaming mappings of kmalloc and page memory,
 *       IOVA against guest-physical address, remapping one IOVA to other memory, copies from and
 *       to unmapped IOVAs (and to a guest-physical address used as a bus address) that complete
 *       DMA_ERROR at that address without touching memory, a copy that runs off its mapping
 *       halfway.
 * </ul>
 */
class CopyEngineGuestIT {
  static final Duration BOOT = Duration.ofMinutes(3);
  static final String ROOT_PORT = "pcie-root-port,id=rp1,chassis=1,slot=1";
  static final String IOMMU_ARGS = "iommu.passthrough=0 iommu.strict=1";

  /** The capabilities lspci finds, in config-space order. */
  static final String CAPABILITIES = "40:MSI-X;4c:Express_(v2)_Endpoint;100:Address_Translation_Service_(ATS);"
      + "108:Page_Request_Interface_(PRI);118:Process_Address_Space_ID_(PASID);";

  @RegisterExtension
  static final GuestDiagnostics DIAGNOSTICS = new GuestDiagnostics();

  @Test
  void copiesWithoutViommu(@TempDir Path dir) throws Exception {
    GuestEnvironment environment = GuestEnvironment.get();
    try (SampleServer server = DIAGNOSTICS.add(SampleServer.start(environment, "copy-engine", dir))) {
      GuestRun run = DIAGNOSTICS.add(guest(environment, "copy-engine, no vIOMMU (shared guest RAM)", server, "copy")
          .run(BOOT));
      assertCompleted(run, "copy");
      assertIdentity(run, run.results("copy."), "");
      assertPlainCopies(run.results("copy.plain."), false);
    }
  }

  @Test
  void copiesWithoutViommuByMessageDma(@TempDir Path dir) throws Exception {
    GuestEnvironment environment = GuestEnvironment.get();
    try (SampleServer server = DIAGNOSTICS.add(SampleServer.start(environment, "copy-engine", dir, "--log-level", "debug"))) {
      GuestRun run = DIAGNOSTICS.add(guest(environment, "copy-engine, no vIOMMU (private guest RAM)", server, "copy")
          .sharedMemory(false).run(BOOT));
      assertCompleted(run, "copy");
      assertPlainCopies(run.results("copy.plain."), false);
      assertThat(server.log()).as("guest RAM came without an fd, so DMA went as messages")
          .contains("without an fd: DMA there goes by message");
    }
  }

  @Test
  void copiesBehindIntelIommu(@TempDir Path dir) throws Exception {
    GuestEnvironment environment = GuestEnvironment.get();
    try (SampleServer server = DIAGNOSTICS.add(SampleServer.start(environment, "copy-engine", dir, "--log-level", "debug"))) {
      GuestRun run = DIAGNOSTICS.add(new GuestVm(environment, "copy-engine behind intel-iommu (caching mode)")
          .machine("q35,kernel-irqchip=split")
          .device("intel-iommu,caching-mode=on")
          .kernelArgs(("intel_iommu=on " + IOMMU_ARGS).split(" "))
          .device(ROOT_PORT).vfioUser(server.socket(), "rp1").tests("copy", "copy-iommu").run(BOOT));
      assertCompleted(run, "copy");
      assertCompleted(run, "copy-iommu");
      assertPlainCopies(run.results("copy.plain."), true);
      Map<String, String> copy = run.results("copy.iommu.");
      assertThat(copy).containsEntry("kind", "intel").containsEntry("devices", "dmar0");
      assertIdentity(run, run.results("copy."), "iommu.");
      assertIommuCopies(copy, server);
    }
  }

  @Test
  void copiesBehindVirtioIommu(@TempDir Path dir) throws Exception {
    GuestEnvironment environment = GuestEnvironment.get();
    try (SampleServer server = DIAGNOSTICS.add(SampleServer.start(environment, "copy-engine", dir, "--log-level", "debug"))) {
      GuestRun run = DIAGNOSTICS.add(new GuestVm(environment, "copy-engine behind virtio-iommu")
          .device("virtio-iommu-pci")
          .kernelArgs(IOMMU_ARGS.split(" "))
          .device(ROOT_PORT).vfioUser(server.socket(), "rp1").tests("copy", "copy-iommu").run(BOOT));
      assertCompleted(run, "copy");
      assertCompleted(run, "copy-iommu");
      assertPlainCopies(run.results("copy.plain."), true);
      Map<String, String> copy = run.results("copy.iommu.");
      assertThat(copy).as("virtio-iommu is a module the guest test loads before the driver binds")
          .containsEntry("kind", "virtio").doesNotContainKey("virtio_load");
      assertThat(copy.get("devices")).as("the IOMMU device in /sys/class/iommu").isNotEmpty().isNotEqualTo("dmar0");
      assertIdentity(run, run.results("copy."), "iommu.");
      assertIommuCopies(copy, server);
    }
  }

  private static GuestVm guest(GuestEnvironment environment, String name, SampleServer server, String test) {
    return new GuestVm(environment, name).device(ROOT_PORT).vfioUser(server.socket(), "rp1").tests(test);
  }

  static void assertCompleted(GuestRun run, String test) {
    assertThat(run.completed()).as("the guest ran its tests and powered off").isTrue();
    assertThat(run.testStatus(test)).as("guest/tests/" + test + ".sh exit status").isZero();
    assertThat(run.consoleLines("Oops")).as("no kernel oops").isEmpty();
  }

  /** The device as sysfs and lspci show it; {@code lspciPrefix} is the script's result prefix. */
  static void assertIdentity(GuestRun run, Map<String, String> copy, String lspciPrefix) {
    assertThat(copy).containsEntry("found", "1");
    if (lspciPrefix.isEmpty()) {
      assertThat(copy).containsEntry("class", "0x088000").containsEntry("revision", "0x01")
          .as("no INTx pin").containsEntry("irq_pin", "00");
    }
    assertThat(copy).containsEntry(lspciPrefix + "lspci.capabilities", CAPABILITIES);
    List<String> lspci = run.consoleLines("lspci: ");
    assertThat(lspci).as("lspci -vvv decodes every capability")
        .anyMatch(l -> l.contains("MSI-X: Enable- Count=4"))
        .anyMatch(l -> l.contains("Vector table: BAR=0 offset=00002000"))
        .anyMatch(l -> l.contains("PBA: BAR=0 offset=00003000"))
        .anyMatch(l -> l.contains("Express (v2) Endpoint"))
        .anyMatch(l -> l.contains("FLReset+"))
        .anyMatch(l -> l.contains("Invalidate Queue Depth: 08"))
        .anyMatch(l -> l.contains("Page Request Capacity: 00000010"))
        .anyMatch(l -> l.contains("PRISta: RF- UPRGI- Stopped+"))
        .anyMatch(l -> l.contains("Max PASID Width: 14"))
        .anyMatch(l -> l.contains("Region 0: Memory at") && l.contains("64-bit, non-prefetchable) [size=16K]"));
    assertThat(copy).as("lspci found nothing undecodable or broken (guest/tests/lib.sh)")
        .containsEntry(lspciPrefix + "lspci.problems", "0");
  }

  /** The driver's view of the device right after probe, in either mode. */
  static void assertProbe(SoftAssertions soft, Map<String, String> copy) {
    soft.assertThat(copy).as("lspci while the driver is bound")
        .containsEntry("bound.bus_master", "BusMaster+").containsEntry("bound.msix", "Enable+");
    soft.assertThat(copy).containsEntry("id", "0xce010100").containsEntry("capabilities", "0x00141404")
        .as("nothing of ATS, PRI, PASID enabled").containsEntry("iommu_state", "0x00000000")
        .containsEntry("unused", "0xffffffff").containsEntry("status.idle", "0x00000000")
        .containsEntry("msix_enabled", "1").containsEntry("vectors", "4");
  }

  /** A submission that completed with {@code status} after {@code bytes} on MSI-X {@code vector}. */
  static void assertSubmission(SoftAssertions soft, Map<String, String> copy, String name, int status, long bytes,
      int vector) {
    soft.assertThat(copy).as(name)
        .containsEntry(name + ".completed", "1")
        .containsEntry(name + ".status", Integer.toString(status))
        .containsEntry(name + ".bytes", Long.toString(bytes))
        .containsEntry(name + ".tag_matches", "1")
        .containsEntry(name + ".count_matches", "1")
        .containsEntry(name + ".busy", "0")
        .containsEntry(name + ".vector", Integer.toString(vector));
  }

  /** A successful copy whose destination holds the data and nothing around it changed. */
  static void assertCopied(SoftAssertions soft, Map<String, String> copy, String name, long bytes, int vector) {
    assertSubmission(soft, copy, name, SUCCESS, bytes, vector);
    soft.assertThat(copy).as(name)
        .containsEntry(name + ".mismatch", "-1")
        .containsEntry(name + ".untouched_before", "1")
        .containsEntry(name + ".untouched_after", "1");
  }

  static final int SUCCESS = 1, DMA_ERROR = 4, INVALID_DESCRIPTOR = 5;

  /**
   * The plain copies between coherent buffers; behind a vIOMMU ({@code translated}) those are
   * pages remapped in vmalloc space, contiguous only in IOVA (the 1 MiB copies cross them all).
   */
  static void assertPlainCopies(Map<String, String> copy, boolean translated) {
    SoftAssertions soft = new SoftAssertions();
    assertProbe(soft, copy);
    soft.assertThat(copy).as("the first driver after the device's reset")
        .containsEntry("completion.reset", "0").containsEntry("completed_count.reset", "0");
    soft.assertThat(copy).as(translated ? "behind a vIOMMU the bus address is an IOVA"
            : "without a vIOMMU the bus address is the guest-physical address")
        .containsEntry("coherent.iova_differs", translated ? "1" : "0")
        .containsEntry("coherent.vmapped", translated ? "1" : "0");
    assertCopied(soft, copy, "small", 64, 0);
    assertCopied(soft, copy, "page", 4096, 1);
    assertCopied(soft, copy, "multipage", 65536, 0);
    assertCopied(soft, copy, "unaligned", 3 * 4096 + 77, 1);
    assertCopied(soft, copy, "straddle", 2, 2);
    assertCopied(soft, copy, "large", 1 << 20, 3);
    assertCopied(soft, copy, "large_unaligned", 1 << 20, 2);
    assertCopied(soft, copy, "polled", 256, -1);
    soft.assertThat(copy).as("a copy without the interrupt flag raises nothing")
        .containsEntry("polled.irqs", "0").containsEntry("polled.interrupt_status", "0x0");
    assertSubmission(soft, copy, "zero_length", INVALID_DESCRIPTOR, 0, 1);
    assertSubmission(soft, copy, "too_long", INVALID_DESCRIPTOR, 0, 0);
    soft.assertThat(copy).containsEntry("zero_length.untouched", "1").containsEntry("too_long.untouched", "1")
        .containsEntry("interrupt_status.after", "0x0");
    soft.assertThat(copy).as("interrupts per MSI-X vector: each completion on the vector CONTROL named")
        .containsEntry("irqs.0", "3").containsEntry("irqs.1", "3")
        .containsEntry("irqs.2", "2").containsEntry("irqs.3", "1")
        .containsEntry("completed_count", "10")
        .containsEntry("failures", "0").containsEntry("done", "1")
        .containsEntry("driver", "vfu4j_copy");
    soft.assertAll();
  }

  static void assertIommuCopies(Map<String, String> copy, SampleServer server) {
    SoftAssertions soft = new SoftAssertions();
    assertProbe(soft, copy);
    soft.assertThat(copy).as("the device is in an IOMMU group with a translating DMA domain")
        .containsEntry("iommu.domain", "dma").containsEntry("iommu.translated", "1")
        .containsEntry("group_type", "DMA").containsEntry("driver", "vfu4j_copy");
    soft.assertThat(copy.get("iommu.group")).isNotEqualTo("-1").isEqualTo(copy.get("group"));
    copy.forEach((key, value) -> {
      if (key.endsWith(".iova_differs")) {
        soft.assertThat(value).as(key + " (" + copy.get(key.replace("iova_differs", "iova")) + " vs phys "
            + copy.get(key.replace("iova_differs", "phys")) + ")").isEqualTo("1");
      }
    });
    assertCopied(soft, copy, "small", 200, 0);
    assertCopied(soft, copy, "multipage", 65536, 1);
    assertCopied(soft, copy, "crossing", 5 * 4096 + 333, 2);

    // One IOVA, two pages: after the remap the copy lands in the new page, the old one keeps its data.
    assertSubmission(soft, copy, "remap.first", SUCCESS, 4096, 3);
    assertSubmission(soft, copy, "remap.second", SUCCESS, 4096, 0);
    soft.assertThat(copy).as("remapping")
        .containsEntry("remap.first.mismatch", "-1")
        .as("the IOVA allocator handed out the freed IOVA again").containsEntry("remap.same_iova", "1")
        .containsEntry("remap.same_phys", "0")
        .containsEntry("remap.second.mismatch", "-1")
        .containsEntry("remap.old_kept", "1");

    // Unmapped IOVAs: DMA_ERROR at that address, nothing written anywhere.
    String gone = copy.get("unmapped.iova");
    soft.assertThat(copy).containsEntry("unmapped.translates", "0");
    assertSubmission(soft, copy, "unmapped_dst", DMA_ERROR, 0, 1);
    soft.assertThat(copy).as("copy to an unmapped IOVA")
        .containsEntry("unmapped_dst.fault", gone)
        .containsEntry("unmapped_dst.fault_is_iova", "1")
        .containsEntry("unmapped_dst.guards_untouched", "1");
    assertSubmission(soft, copy, "unmapped_src", DMA_ERROR, 0, 2);
    soft.assertThat(copy).as("copy from an unmapped IOVA")
        .containsEntry("unmapped_src.fault_is_iova", "1")
        .containsEntry("unmapped_src.dst_untouched", "1");
    assertSubmission(soft, copy, "phys_as_iova", DMA_ERROR, 0, 3);
    soft.assertThat(copy).as("a guest-physical address is no bus address behind the IOMMU")
        .containsEntry("phys_as_iova.fault_is_phys", "1")
        .containsEntry("phys_as_iova.guards_untouched", "1");
    soft.assertThat(copy).as("two pages mapped one after the other got adjacent IOVAs")
        .containsEntry("partial.adjacent", "1");
    assertSubmission(soft, copy, "partial", DMA_ERROR, 4096, 0);
    soft.assertThat(copy).as("a copy running off its mapping stops at the unmapped page")
        .containsEntry("partial.fault_is_upper", "1")
        .containsEntry("partial.lower_mismatch", "-1")
        .containsEntry("partial.upper_untouched", "1")
        .containsEntry("partial.guards_untouched", "1");
    assertCopied(soft, copy, "after_faults", 200, 1);

    soft.assertThat(copy).as("interrupts per MSI-X vector")
        .containsEntry("irqs.0", "3").containsEntry("irqs.1", "3")
        .containsEntry("irqs.2", "2").containsEntry("irqs.3", "2")
        .containsEntry("failures", "0").containsEntry("done", "1");
    soft.assertThat(server.log()).as("the device saw the faults at the guest's IOVAs")
        .contains("ended DMA_ERROR at " + gone + " after 0 bytes")
        .contains("ended DMA_ERROR at " + copy.get("partial.fault") + " after "); // (the count is locale-formatted)
    soft.assertAll();
  }
}
