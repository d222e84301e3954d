package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs;
import io.vfu4j.runtime.protocol.DmaMessages.DmaMap;
import io.vfu4j.runtime.protocol.DmaMessages.DmaUnmap;
import io.vfu4j.runtime.sys.EventFd;
import io.vfu4j.runtime.sys.FdInfo;
import io.vfu4j.runtime.sys.Native;
import io.vfu4j.runtime.sys.SharedMemory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An fd received from a client belongs to whoever took it (a DMA mapping, an interrupt vector),
 * and to nobody else. junixsocket 2.11.1 remembers every fd it received and closes the ones still
 * marked valid when the socket closes; an fd we own by number stays marked valid, so without care
 * the disconnect closes a number we closed long ago (and that now names someone else's file) or
 * one we still hold (and close again later). Client and server share this JVM, so the victim can
 * be any fd, the next client's socket included.
 */
@Timeout(30)
class ReceivedFdOwnershipTest extends ServerFixture {
  @Test
  void aDisconnectClosesNoNumberTheServerNoLongerOwns() throws Exception {
    List<EventFd> bystanders = new ArrayList<>();
    try (SharedMemory shm = SharedMemory.create("vfu4j-owned", 0x1000)) {
      VfioUserClient c = client();
      c.call(Command.DMA_MAP, new DmaMap(3, 0, 0x4000_0000L, 0x1000).encode(), shm.fileDescriptor());
      List<EventFd> vectors = c.enableInterrupts(0, 1);
      c.setIrqs(SetIrqs.DATA_NONE | SetIrqs.ACTION_TRIGGER, 0, 0, 0, new byte[0]); // count 0: the server closes its eventfd
      c.call(Command.DMA_UNMAP, new DmaUnmap(24, 0, 0x4000_0000L, 0x1000).encode()); // and its memfd copy
      for (int i = 0; i < 16; i++) {
        bystanders.add(EventFd.create()); // take the lowest free numbers: the ones just closed among them
      }
      c.close();
      vectors.forEach(EventFd::close);
      assertThat(client().deviceInfo().numRegions()).isEqualTo(Regions.COUNT); // the teardown is over
      for (EventFd e : bystanders) {
        assertThat(FdInfo.isEventFd(e.fd())).as("fd %d of a bystander", e.fd()).isTrue();
      }
    } finally {
      bystanders.forEach(EventFd::close);
    }
  }

  @Test
  void fdsHeldAtTheDisconnectAreClosedExactlyOnce() throws Exception {
    long before = Native.badCloses();
    try (SharedMemory shm = SharedMemory.create("vfu4j-owned", 0x1000)) {
      VfioUserClient c = client();
      c.call(Command.DMA_MAP, new DmaMap(3, 0, 0x4000_0000L, 0x1000).encode(), shm.fileDescriptor());
      List<EventFd> vectors = c.enableInterrupts(0, 1);
      c.close(); // the server still holds both
      vectors.forEach(EventFd::close);
      assertThat(client().deviceInfo().numRegions()).isEqualTo(Regions.COUNT);
    }
    assertThat(Native.badCloses() - before).as("closes of an fd number already closed").isZero();
  }
}
