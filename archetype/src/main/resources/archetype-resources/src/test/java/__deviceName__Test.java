package ${package};

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vfu4j.runtime.cli.HostSession;
import io.vfu4j.runtime.cli.PciIdentity;
import io.vfu4j.runtime.sys.EventFd;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The device as a guest sees it: served on a real UNIX socket by the vfu4j server and driven by
 * vfu4j's host client (vfio-user messages, config space, interrupts as eventfds), as QEMU would.
 */
@Timeout(20)
class ${deviceName}Test {
  private static final Duration WAIT = Duration.ofSeconds(3);
  /** Long enough for an interrupt that should come to have come. */
  private static final Duration QUIET = Duration.ofMillis(200);

  private HostSession host;
  private EventFd intx;

  @BeforeEach
  void start() throws IOException {
    host = HostSession.start(new ${deviceName}_Descriptor());
    host.enable(HostSession.CMD_MEMORY);
    intx = host.interrupt(HostSession.INTX);
  }

  @AfterEach
  void stop() throws IOException {
    host.close();
  }

  @Test
  void configSpaceShowsTheIdentityAndMsi() throws IOException {
    PciIdentity identity = host.identity();
    assertThat(identity.vendorId()).isEqualTo(${vendorId});
    assertThat(identity.deviceId()).isEqualTo(${deviceId});
    assertThat(identity.classCode()).isEqualTo(0xff0000);
    assertThat(identity.interruptPin()).as("INTA").isEqualTo(1);
    assertThat(identity.capabilities()).extracting(PciIdentity.Capability::id).containsExactly(0x05);
  }

  @Test
  void idIsReadOnlyAndScratchKeepsWhatIsWritten() throws IOException {
    write(0x00, 0);
    assertThat(read(0x00)).isEqualTo(0x0001_0000L);

    write(0x04, 0x1234_5678L);
    assertThat(read(0x04)).isEqualTo(0x1234_5678L);
  }

  @Test
  void offsetsWithoutARegisterReadAllOnes() throws IOException {
    assertThat(read(0x100)).isEqualTo(0xffff_ffffL);
    assertThat(host.read(0, 0x04, 2)).as("scratch takes 4-byte accesses only").isEqualTo(0xffffL);
  }

  @Test
  void expiryRaisesIntxUntilTheGuestClearsDone() throws Exception {
    write(0x08, 1);
    write(0x10, 5);

    assertThat(intx.await(WAIT)).isPositive();
    assertThat(read(0x0c)).as("done, no longer busy").isEqualTo(0x1);
    assertThat(pciInterruptStatus()).isTrue();

    write(0x0c, 0x1);
    assertThat(read(0x0c)).isZero();
    assertThat(pciInterruptStatus()).isFalse();
    assertThat(read(0x14)).as("expirations").isEqualTo(1);
    assertThat(read(0x14)).as("cleared by the read before").isZero();
  }

  @Test
  void withoutIrqEnableTheCountdownExpiresSilently() throws Exception {
    write(0x10, 1);
    awaitStatus(0x1);
    assertThat(intx.await(QUIET)).isZero();
    assertThat(pciInterruptStatus()).isFalse();
  }

  @Test
  void busyWhileCountingAndZeroStopsTheCountdown() throws Exception {
    write(0x08, 1);
    write(0x10, 60_000);
    assertThat(read(0x0c)).as("busy").isEqualTo(0x2);
    assertThat(read(0x10)).isEqualTo(60_000);

    write(0x10, 0);
    assertThat(read(0x0c)).isZero();
    assertThat(intx.await(QUIET)).isZero();
    assertThat(read(0x14)).isZero();
  }

  @Test
  void withMsiEnabledExpirySendsAMessage() throws Exception {
    EventFd msi = host.interrupt(HostSession.MSI);
    host.enableMsi(host.identity().capabilities().getFirst().offset());
    write(0x08, 1);
    write(0x10, 1);

    assertThat(msi.await(WAIT)).isPositive();
    assertThat(intx.await(QUIET)).isZero();
  }

  private long read(long offset) throws IOException {
    return host.read(0, offset, 4);
  }

  private void write(long offset, long value) throws IOException {
    host.write(0, offset, 4, value);
  }

  private boolean pciInterruptStatus() throws IOException {
    return (host.client().config16(0x06) & 0x08) != 0;
  }

  private void awaitStatus(long expected) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (read(0x0c) != expected) {
      if (System.nanoTime() > deadline) {
        fail("status never became 0x" + Long.toHexString(expected));
      }
      Thread.sleep(1);
    }
  }
}
