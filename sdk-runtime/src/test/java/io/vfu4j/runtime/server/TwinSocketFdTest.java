package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.host.VfioUserClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Twin-socket connections must not leave socket fds behind, on either side (junixsocket 2.11.1 does). */
@Timeout(30)
class TwinSocketFdTest extends ServerFixture {
  private static final int CONNECTIONS = 20;

  @Test
  void twinSocketConnectionsLeaveNoFdsBehind() throws Exception {
    roundTrip(); // warm up: class loading and lazily opened files count once
    long before = openFds();
    for (int i = 0; i < CONNECTIONS; i++) {
      roundTrip();
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    long after = openFds();
    while (after > before + 2 && System.nanoTime() < deadline) {
      Thread.sleep(50); // the server cleans up after the client's close
      after = openFds();
    }
    assertThat(after).as("fds after %d twin-socket connections", CONNECTIONS).isLessThanOrEqualTo(before + 2);
  }

  private void roundTrip() throws IOException {
    try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
      c.negotiate(VfioUserClient.Options.defaults().withTwinSocket(true));
      assertThat(c.twinSocketActive()).isTrue();
      assertThat(c.read(0, 0, 4)).isEqualTo(TestDevice.ID);
    }
  }

  private static long openFds() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }
}
