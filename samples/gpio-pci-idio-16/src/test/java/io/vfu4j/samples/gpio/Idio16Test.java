package io.vfu4j.samples.gpio;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.cli.Descriptors;
import io.vfu4j.runtime.cli.HostSession;
import io.vfu4j.runtime.sys.EventFd;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The card through the socket, as Linux's gpio-pci-idio-16 driver uses it. */
@Timeout(20)
class Idio16Test {
  private static final int BAR = 2;
  private static final Duration WAIT = Duration.ofSeconds(3);
  private static final Duration QUIET = Duration.ofMillis(200);

  private final Idio16Extension extension = new Idio16Extension();
  private HostSession host;
  private EventFd intx;

  @BeforeEach
  void setUp() throws Exception {
    host = HostSession.start(Descriptors.onCreate(new Idio16Device_Descriptor(), extension::created));
    host.enable(HostSession.CMD_IO);
  }

  /** Wires INTx to an eventfd, as QEMU does when the guest's driver requests the line. */
  private void wireIntx() throws Exception {
    intx = host.interrupt(HostSession.INTX);
  }

  @AfterEach
  void tearDown() throws Exception {
    host.close();
  }

  private int reg(int offset) throws Exception {
    return (int) host.read(BAR, offset, 1);
  }

  private void reg(int offset, int value) throws Exception {
    host.write(BAR, offset, 1, value);
  }

  private String control(String command) {
    return extension.control.execute(command);
  }

  /** What the driver does at probe: filters off, interrupt off, clear; then enable on first use. */
  private void probeAndEnableInterrupt() throws Exception {
    reg(3, 0);
    reg(2, 0);
    reg(1, 0);
    reg(2);
  }

  /** Linux 6.1's test in its interrupt handler. */
  private static boolean linux61HandlesIt(int status) {
    return (status & 0x3) != 0 && (status & 0x4) != 0;
  }

  private boolean pciInterruptStatus() throws Exception {
    return (host.client().config16(0x06) & 0x08) != 0;
  }

  @Test
  void identifiesAsTheAccesCardWithAnIoBar2AndIntA() throws Exception {
    var identity = host.identity();
    assertThat(identity.vendorId()).isEqualTo(0x494f);
    assertThat(identity.deviceId()).isEqualTo(0x0dc8);
    assertThat(identity.interruptPin()).isEqualTo(1);
    assertThat(host.client().config32(0x18) & 0x1).as("BAR2 is an I/O BAR").isEqualTo(1);
    assertThat(host.client().regionInfo(BAR).info().size()).isEqualTo(8);
    assertThat(host.client().regionInfo(0).info().size()).as("BAR0 unused").isZero();
  }

  @Test
  void outputsLatchAndReadBack() throws Exception {
    reg(0, 0xa5);
    reg(4, 0x3c);
    assertThat(reg(0)).isEqualTo(0xa5);
    assertThat(reg(4)).isEqualTo(0x3c);
    reg(0, reg(0) | 0x02); // the 6.1 driver's read-modify-write of one line
    assertThat(reg(0)).isEqualTo(0xa7);
    assertThat(control("get")).startsWith("ok outputs=0x3ca7 ");
  }

  @Test
  void inputsFollowTheControlInterface() throws Exception {
    assertThat(control("set 3 1")).startsWith("ok ").contains("inputs=0x0008");
    assertThat(reg(1)).isEqualTo(0x08);
    assertThat(control("inputs 0xbeef")).startsWith("ok ");
    assertThat(reg(1)).isEqualTo(0xef);
    assertThat(reg(5)).isEqualTo(0xbe);
    assertThat(control("set 15 0")).contains("inputs=0x3eef");
    reg(1, 0x00);
    reg(5, 0x00);
    assertThat(reg(1)).as("the guest cannot write inputs").isEqualTo(0xef);
    assertThat(reg(5)).isEqualTo(0x3e);
  }

  @Test
  void inputChangeRaisesIntxWithTheStatusBitsTheDriverNeeds() throws Exception {
    wireIntx();
    probeAndEnableInterrupt();
    assertThat(intx.await(QUIET)).isZero();

    control("set 0 1");
    assertThat(intx.await(WAIT)).isPositive();
    int status = reg(6);
    assertThat(status).isEqualTo(0x05);
    assertThat(linux61HandlesIt(status)).isTrue();
    assertThat(pciInterruptStatus()).isTrue();

    reg(1, 0);
    assertThat(reg(6)).isZero();
    assertThat(pciInterruptStatus()).isFalse();

    host.unmaskIntx();
    control("set 9 1");
    assertThat(intx.await(WAIT)).isPositive();
    assertThat(reg(6)).as("a change in inputs 8-15").isEqualTo(0x06);
  }

  @Test
  void noInterruptWhileDisabledOrWithoutAChange() throws Exception {
    wireIntx();
    control("set 2 1");
    assertThat(intx.await(QUIET)).as("never enabled").isZero();
    assertThat(reg(6)).isZero();

    probeAndEnableInterrupt();
    control("set 2 1");
    assertThat(intx.await(QUIET)).as("same level: no change").isZero();

    reg(2, 0);
    control("set 2 0");
    assertThat(intx.await(QUIET)).as("disabled by writing 0 to +2").isZero();
    assertThat(reg(6)).isZero();
  }

  @Test
  void controlRejectsNonsenseWithOneLine() {
    assertThat(control("set 16 1")).startsWith("error: ");
    assertThat(control("set 1 2")).startsWith("error: ");
    assertThat(control("inputs 0x10000")).startsWith("error: ");
    assertThat(control("frobnicate")).startsWith("error: unknown command");
    assertThat(control("help")).contains("set N 0|1");
  }
}
