package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.host.VfioUserClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A socket is closed only after its reader has left: a reader that reads again after the close
 * reads whatever the kernel handed the fd number to next. In a fuzz run (client and server in one
 * JVM) that was the next client's socket, and the old reader took its replies: a VERSION reply
 * or a well-framed command's reply never reached the client that waited for it.
 */
@Timeout(60)
class ReaderLifecycleTest extends ServerFixture {
  private static long liveReaders() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("vfu4j-client-")).count();
  }

  @Test
  void closeReturnsOnlyOnceItsReadersHaveEnded() throws Exception {
    for (int i = 0; i < 20; i++) {
      VfioUserClient c = VfioUserClient.connect(server.socketPath());
      c.negotiate(VfioUserClient.Options.defaults().withTwinSocket(i % 2 == 0));
      assertThat(c.read(0, 0, 4)).isEqualTo(TestDevice.ID);
      c.close();
      assertThat(liveReaders()).as("reader threads right after close %d", i).isZero();
    }
  }

  @Test
  void aClientOpenedRightAfterAnotherGetsEveryReply() throws Exception {
    for (int i = 0; i < 200; i++) {
      try (VfioUserClient c = VfioUserClient.open(server.socketPath())) { // likely the previous numbers
        for (int j = 0; j < 3; j++) {
          assertThat(c.deviceInfo().numRegions()).isEqualTo(Regions.COUNT);
        }
      }
    }
  }
}
