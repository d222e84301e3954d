package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.irq.IrqFlags;
import io.vfu4j.runtime.sys.EventFd;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client with KVM irqfd acknowledges INTx only by signalling the resample eventfd; no message
 * follows. The server must notice on its own and re-fire a level that is still up.
 */
@Timeout(20)
class IntxResampleTest extends ServerFixture {
  private static final Duration SHORT = Duration.ofMillis(300);
  private static final Duration LONG = Duration.ofSeconds(5);

  @Test
  void resampleSignalUnmasksAndRefiresWithoutAnyRegionAccess() throws Exception {
    VfioUserClient c = client();
    try (EventFd intx = c.enableInterrupts(IrqFlags.INTX, 1).get(0);
        EventFd resample = EventFd.create()) {
      c.setIrqs(IrqFlags.ACTION_UNMASK | IrqFlags.DATA_EVENTFD, IrqFlags.INTX, 0, 1, new byte[0],
          resample.fileDescriptor());

      c.write(0, 0x2c, 4, 1); // raise: fires, then INTx is automasked
      assertThat(intx.await(LONG)).isEqualTo(1);
      c.write(0, 0x2c, 4, 0); // a new edge while masked must not fire yet
      c.write(0, 0x2c, 4, 1);
      assertThat(intx.await(SHORT)).isZero();

      resample.signal(); // the guest's EOI, as KVM reports it: the level is still up
      assertThat(intx.await(LONG)).as("re-fired after resample").isEqualTo(1);
    }
  }

  @Test
  void resampleWithTheLevelDownOnlyUnmasks() throws Exception {
    VfioUserClient c = client();
    try (EventFd intx = c.enableInterrupts(IrqFlags.INTX, 1).get(0);
        EventFd resample = EventFd.create()) {
      c.setIrqs(IrqFlags.ACTION_UNMASK | IrqFlags.DATA_EVENTFD, IrqFlags.INTX, 0, 1, new byte[0],
          resample.fileDescriptor());
      c.write(0, 0x2c, 4, 1);
      assertThat(intx.await(LONG)).isEqualTo(1);
      c.write(0, 0x2c, 4, 0);
      resample.signal();
      assertThat(intx.await(SHORT)).isZero();
      // unmasked now: the next edge fires at once
      c.write(0, 0x2c, 4, 1);
      assertThat(intx.await(LONG)).isEqualTo(1);
    }
  }
}
