package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.api.ResetReason;
import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.sys.EventFd;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connection lifecycle: disconnect, reconnect, several servers, close. */
@Timeout(20)
class LifecycleTest extends ServerFixture {

  @Test
  void disconnectDropsMappingsAndEventfdsAndResetsWithClientLost() throws Exception {
    VfioUserClient c = client();
    c.mapGuestMemory(0x1000_0000L, 1 << 16, true);
    c.mapGuestMemory(0x2000_0000L, 1 << 12, false);
    var fds = c.enableInterrupts(0, 1);
    c.write(0, 4, 4, 0x1234);
    assertThat(server.host().dma().mappings()).hasSize(2);
    c.close();

    VfioUserClient next = client();
    assertThat(device().resets).containsExactly(ResetReason.CLIENT_LOST);
    assertThat(server.host().dma().mappings()).isEmpty();
    assertThat(next.read(0, 4, 4)).isZero();
    // the old eventfd no longer fires: the server closed its copy
    next.writeConfig16(4, 0);
    next.write(0, 0x2c, 4, 1);
    try (EventFd old = fds.get(0)) {
      assertThat(old.await(Duration.ofMillis(200))).isZero();
    }
    assertThat(server.host().irq().triggerAssigned(0, 0)).isFalse();
  }

  @Test
  void secondClientWaitsUntilTheFirstLeaves() throws Exception {
    VfioUserClient first = client();
    CompletableFuture<VfioUserClient> second = CompletableFuture.supplyAsync(() -> {
      try {
        return client();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    Thread.sleep(200);
    assertThat(second).isNotDone();
    assertThat(first.read(0, 0, 4)).isEqualTo(TestDevice.ID);
    first.close();
    assertThat(second.get(5, TimeUnit.SECONDS).read(0, 0, 4)).isEqualTo(TestDevice.ID);
  }

  @Test
  void twoServersInOneJvmAreIndependent() throws Exception {
    TestDevice.Descriptor other = new TestDevice.Descriptor();
    VfioUserServer s2 = start(other, ServerOptions.defaults(), "other.sock");
    VfioUserClient a = client();
    VfioUserClient b = client(s2);
    a.write(0, 4, 4, 1);
    b.write(0, 4, 4, 2);
    assertThat(a.read(0, 4, 4)).isEqualTo(1);
    assertThat(b.read(0, 4, 4)).isEqualTo(2);
    assertThat(device()).isNotSameAs(other.last);
  }

  @Test
  void closeRemovesTheSocketDropsTheClientAndEndsAwait() throws Exception {
    VfioUserClient c = client();
    CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
      try {
        server.awaitTermination();
      } catch (InterruptedException e) {
        throw new RuntimeException(e);
      }
    });
    assertThat(Files.exists(server.socketPath())).isTrue();
    server.close();
    waiting.get(5, TimeUnit.SECONDS);
    assertThat(Files.exists(server.socketPath())).isFalse();
    assertThatThrownBy(() -> c.read(0, 0, 4)).isInstanceOf(IOException.class);
    server.close(); // idempotent
  }

  @Test
  void startRefusesAnExistingPath() throws Exception {
    assertThatThrownBy(() -> VfioUserServer.start(new TestDevice.Descriptor(), server.socketPath()))
        .isInstanceOf(FileAlreadyExistsException.class);
    Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> VfioUserServer.start(new TestDevice.Descriptor(), dir.resolve("file")))
        .isInstanceOf(FileAlreadyExistsException.class);
  }

  @Test
  void aNewServerCanBindThePathAfterClose() throws Exception {
    server.close();
    VfioUserServer again = start(new TestDevice.Descriptor(), ServerOptions.defaults(), "dev.sock");
    assertThat(client(again).read(0, 0, 4)).isEqualTo(TestDevice.ID);
  }
}
