package io.vfu4j.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edu sample against QEMU's own edu, in a real guest: the same guest checks (identity and
 * capabilities through sysfs and lspci, then guest/modules/vfu4j_edu.c with INTx and with MSI:
 * liveness, factorial polled and with its interrupt, a raised interrupt, DMA both ways through
 * guest RAM, page-crossing) run against {@code -device edu} and against the sample over
 * vfio-user, and every result must be equal. The reference run is also checked against edu's
 * specification, so that two equally broken runs cannot pass.
 */
class EduGuestIT {
  static final Duration BOOT = Duration.ofMinutes(3);

  @RegisterExtension
  static final GuestDiagnostics DIAGNOSTICS = new GuestDiagnostics();

  private static GuestEnvironment environment;
  private static GuestRun builtin;

  @BeforeAll
  static void bootQemusOwnEdu() throws Exception {
    environment = GuestEnvironment.get();
    builtin = new GuestVm(environment, "edu (QEMU's built-in -device edu)").tests("edu").device("edu").run(BOOT);
  }

  @Test
  void qemusOwnEduBehavesAsSpecified() {
    DIAGNOSTICS.add(builtin);
    assertCompleted(builtin);
    assertBehavesLikeEdu(builtin.results("edu."));
  }

  @Test
  void sampleOverVfioUserMatchesQemusEdu(@TempDir Path dir) throws Exception {
    DIAGNOSTICS.add(builtin);
    try (SampleServer server = DIAGNOSTICS.add(SampleServer.start(environment, "edu", dir))) {
      GuestRun vfu = DIAGNOSTICS.add(new GuestVm(environment, "edu sample (vfio-user, shared guest RAM)")
          .tests("edu").vfioUser(server.socket(), null).run(BOOT));
      assertCompleted(vfu);
      assertBehavesLikeEdu(vfu.results("edu."));
      assertThat(vfu.results("edu.")).as("every guest observation equals QEMU's edu's")
          .containsExactlyEntriesOf(builtin.results("edu."));
    }
  }

  @Test
  void messageDmaWhenGuestRamHasNoFd(@TempDir Path dir) throws Exception {
    DIAGNOSTICS.add(builtin);
    try (SampleServer server = DIAGNOSTICS.add(SampleServer.start(environment, "edu", dir, "--log-level", "debug"))) {
      GuestRun vfu = DIAGNOSTICS.add(new GuestVm(environment, "edu sample (vfio-user, private guest RAM)")
          .sharedMemory(false).tests("edu").vfioUser(server.socket(), null).run(BOOT));
      assertCompleted(vfu);
      assertBehavesLikeEdu(vfu.results("edu."));
      assertThat(vfu.results("edu.")).as("every guest observation equals QEMU's edu's")
          .containsExactlyEntriesOf(builtin.results("edu."));
      assertThat(server.log()).as("guest RAM came without an fd, so DMA went as messages, in QEMU 11's layout")
          .contains("without an fd: DMA there goes by message")
          .contains("DMA messages in the spec's layout (by probe)");
    }
  }

  static void assertCompleted(GuestRun run) {
    assertThat(run.completed()).as("the guest ran its tests and powered off").isTrue();
    assertThat(run.testStatus("edu")).as("guest/tests/edu.sh exit status").isZero();
  }

  /** edu's specification, as the guest driver observes it, in both interrupt modes. */
  static void assertBehavesLikeEdu(Map<String, String> edu) {
    assertThat(edu).containsEntry("found", "1").containsEntry("class", "0x00ff00")
        .containsEntry("revision", "0x10").containsEntry("irq_pin", "01")
        .containsEntry("lspci.capabilities", "40:MSI;").containsEntry("lspci.problems", "0");
    for (String mode : new String[] {"intx", "msi"}) {
      String m = mode + ".";
      assertThat(edu).as(mode)
          .containsEntry(m + "msi_enabled", mode.equals("msi") ? "1" : "0")
          .containsEntry(m + "id", "0x010000ed")
          .containsEntry(m + "liveness.0", "0xedcba987")
          .containsEntry(m + "liveness.1", "0xffffffff")
          .containsEntry(m + "liveness.2", "0x00000000")
          .containsEntry(m + "unused", "0xffffffff")
          .containsEntry(m + "factorial.poll.done", "1")
          .containsEntry(m + "factorial.poll.10", "3628800")
          .containsEntry(m + "factorial.poll.irqs", "0")
          .containsEntry(m + "factorial.irq.irq_status", "0x1")
          .containsEntry(m + "factorial.irq.12", "479001600")
          .containsEntry(m + "factorial.irq.13", "1932053504")
          .containsEntry(m + "raise.irq_status", "0x40")
          .containsEntry(m + "raise.after_ack", "0x0")
          .containsEntry(m + "dma.to_device.irq_status", "0x100")
          .containsEntry(m + "dma.to_ram.irq_status", "0x100")
          .containsEntry(m + "dma.roundtrip.mismatch", "-1")
          .containsEntry(m + "dma.page_cross.mismatch", "-1")
          .containsEntry(m + "dma.page_cross.untouched_before", "1")
          .containsEntry(m + "dma.page_cross.untouched_after", "1")
          .containsEntry(m + "irqs", "6")
          .containsEntry(m + "done", "1");
    }
  }
}
