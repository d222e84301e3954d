package io.vfu4j.samples.edu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.cli.HostSession;
import io.vfu4j.runtime.sys.EventFd;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** edu's interrupt status, raise and acknowledge, as INTx level and as MSI. */
@Timeout(20)
class EduInterruptsTest extends EduTestSupport {
  /** Long enough for a signal that should come to have come. */
  private static final Duration QUIET = Duration.ofMillis(200);

  private EventFd intx;

  @BeforeEach
  void setUp() throws Exception {
    start();
    intx = host.interrupt(HostSession.INTX);
  }

  @AfterEach
  void tearDown() throws Exception {
    host.close();
  }

  @Test
  void intxIsALevelWhileAnyStatusBitIsSet() throws Exception {
    write32(0x60, 0x5);
    assertThat(intx.await(WAIT)).isPositive();
    assertThat(read32(0x24)).isEqualTo(0x5);
    assertThat(pciInterruptStatus()).isTrue();

    write32(0x64, 0x1);
    assertThat(read32(0x24)).isEqualTo(0x4);
    assertThat(pciInterruptStatus()).as("one bit still pending").isTrue();

    write32(0x64, 0x4);
    assertThat(read32(0x24)).isZero();
    assertThat(pciInterruptStatus()).isFalse();
  }

  @Test
  void raiseOrsIntoTheStatus() throws Exception {
    write32(0x60, 0x100);
    write32(0x60, 0x2);
    assertThat(read32(0x24)).isEqualTo(0x102);
  }

  @Test
  void aLevelStillUpIsSignalledAgainOnUnmask() throws Exception {
    write32(0x60, 0x3);
    assertThat(intx.await(WAIT)).isPositive();
    write32(0x64, 0x1); // a partial acknowledge: the level stays up

    host.unmaskIntx();
    assertThat(intx.await(WAIT)).as("re-trigger of the level that is still up").isPositive();

    write32(0x64, 0x2);
    host.unmaskIntx();
    assertThat(intx.await(QUIET)).as("no re-trigger once the level dropped").isZero();
  }

  @Test
  void intxDisableHoldsTheSignalBackUntilCleared() throws Exception {
    host.enable(HostSession.CMD_INTX_DISABLE);
    write32(0x60, 0x1);
    assertThat(intx.await(QUIET)).isZero();
    assertThat(pciInterruptStatus()).as("Interrupt Status shows the level regardless").isTrue();

    host.disable(HostSession.CMD_INTX_DISABLE);
    assertThat(intx.await(WAIT)).isPositive();
  }

  @Test
  void factorialRaisesOnlyWhenAsked() throws Exception {
    write32(0x08, 4);
    awaitFactorialDone();
    assertThat(read32(0x24)).isZero();
    assertThat(intx.await(QUIET)).isZero();

    write32(0x20, EduDevice.STATUS_IRQ_ON_FACTORIAL);
    write32(0x08, 5);
    assertThat(intx.await(WAIT)).isPositive();
    assertThat(read32(0x08)).isEqualTo(120);
    assertThat(read32(0x24)).isEqualTo(EduDevice.FACTORIAL_IRQ);
    assertThat(read32(0x20)).as("the interrupt-enable bit stays set").isEqualTo(0x80);
  }

  @Test
  void withMsiEveryRaiseSendsAMessageAndIntxStaysLow() throws Exception {
    EventFd msi = host.interrupt(HostSession.MSI);
    host.enableMsi(0x40);

    write32(0x60, 0x1);
    assertThat(msi.await(WAIT)).isPositive();
    write32(0x60, 0x1);
    assertThat(msi.await(WAIT)).as("a second raise with the bit still set").isPositive();

    assertThat(read32(0x24)).isEqualTo(0x1);
    assertThat(intx.await(QUIET)).isZero();
    assertThat(pciInterruptStatus()).isFalse();
    write32(0x64, 0x1);
    assertThat(read32(0x24)).isZero();
  }
}
