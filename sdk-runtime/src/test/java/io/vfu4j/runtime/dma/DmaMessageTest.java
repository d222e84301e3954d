package io.vfu4j.runtime.dma;

import static io.vfu4j.runtime.dma.DmaEngine.READ;
import static io.vfu4j.runtime.dma.DmaEngine.WRITE;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.api.DmaException;
import io.vfu4j.runtime.sys.Native;
import io.vfu4j.runtime.sys.SharedMemory;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Memory mapped without an fd, reached through DMA_READ/DMA_WRITE messages. */
@Timeout(20)
class DmaMessageTest {
  private static final int RW = READ | WRITE;

  /** A client whose guest memory is a byte array at address 0; records every message. */
  private static final class FakeClient implements DmaMessenger {
    final byte[] memory = new byte[0x10000];
    final List<String> messages = new ArrayList<>();
    CompletableFuture<byte[]> pendingRead;

    FakeClient() {
      for (int i = 0; i < memory.length; i++) {
        memory[i] = (byte) (i * 7);
      }
    }

    @Override
    public synchronized CompletableFuture<byte[]> read(long address, int length) {
      messages.add("read 0x%x+%d".formatted(address, length));
      if (pendingRead != null) {
        return pendingRead;
      }
      return CompletableFuture.completedFuture(
          Arrays.copyOfRange(memory, (int) address, (int) address + length));
    }

    @Override
    public synchronized CompletableFuture<Void> write(long address, byte[] data) {
      messages.add("write 0x%x+%d".formatted(address, data.length));
      System.arraycopy(data, 0, memory, (int) address, data.length);
      return CompletableFuture.completedFuture(null);
    }
  }

  /** A device executor that runs tasks only when the test says so. */
  private static final class ManualExecutor implements java.util.concurrent.Executor {
    final Queue<Runnable> tasks = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable task) {
      tasks.add(task);
    }

    synchronized void runAll() {
      while (!tasks.isEmpty()) {
        tasks.poll().run();
      }
    }
  }

  private final FakeClient client = new FakeClient();
  private final ExecutorService deviceThread =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "device"));
  private final DmaEngine engine =
      new DmaEngine(() -> true, thread -> thread.getName().equals("device"), deviceThread);

  @AfterEach
  void tearDown() throws InterruptedException {
    engine.close();
    deviceThread.shutdownNow();
    deviceThread.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aBlockingReadOffTheDeviceThreadUsesMessages() throws Exception {
    engine.setMessenger(client);
    engine.map(0x1000, 0x1000, 0, RW, null);
    var dst = MemorySegment.ofArray(new byte[16]);
    engine.read(0x1010, dst);
    assertThat(dst.toArray(JAVA_BYTE)).isEqualTo(Arrays.copyOfRange(client.memory, 0x1010, 0x1020));
    assertThat(client.messages).containsExactly("read 0x1010+16");

    engine.write(0x1800, MemorySegment.ofArray(new byte[] {1, 2, 3}));
    assertThat(Arrays.copyOfRange(client.memory, 0x1800, 0x1803)).containsExactly(1, 2, 3);
  }

  @Test
  void aBlockingMessageAccessOnTheDeviceThreadFailsInsteadOfDeadlocking() throws Exception {
    engine.setMessenger(client);
    engine.map(0x1000, 0x1000, 0, RW, null);
    var failure =
        deviceThread
            .submit(
                () -> {
                  try {
                    engine.read(0x1000, MemorySegment.ofArray(new byte[4]));
                    return null;
                  } catch (DmaException e) {
                    return e;
                  }
                })
            .get();
    assertThat(failure).isNotNull().hasMessageContaining("deadlock");
    assertThat(client.messages).isEmpty();
  }

  @Test
  void readAsyncOnTheDeviceThreadCompletesThereWhenTheReplyArrives() throws Exception {
    client.pendingRead = new CompletableFuture<>();
    engine.setMessenger(client);
    engine.map(0x1000, 0x1000, 0, RW, null);
    var dst = MemorySegment.ofArray(new byte[4]);
    var completedOn =
        deviceThread
            .submit(
                () ->
                    engine
                        .readAsync(0x1004, dst)
                        .thenApply(ignored -> Thread.currentThread().getName())
                        .toCompletableFuture())
            .get();
    assertThat(completedOn).isNotDone();
    client.pendingRead.complete(new byte[] {9, 8, 7, 6});
    assertThat(completedOn.get(5, TimeUnit.SECONDS)).isEqualTo("device");
    assertThat(dst.toArray(JAVA_BYTE)).containsExactly(9, 8, 7, 6);
  }

  @Test
  void asyncAccessesToFdBackedMemoryCompleteThroughTheDeviceExecutor() throws Exception {
    var executor = new ManualExecutor();
    try (var ram = SharedMemory.create("guest", 4096);
        var local = new DmaEngine(() -> true, t -> true, executor)) {
      local.map(0, 4096, 0, RW, Native.fileDescriptor(Native.dup(ram.fd())));
      var done = local.writeAsync(8, MemorySegment.ofArray(new byte[] {42})).toCompletableFuture();
      assertThat(ram.segment().get(JAVA_BYTE, 8)).isEqualTo((byte) 42);
      assertThat(done).isNotDone();
      executor.runAll();
      assertThat(done).isCompleted();
    }
  }

  @Test
  void aRangeMaySpanFdBackedAndMessageOnlyMappings() throws Exception {
    try (var ram = SharedMemory.create("guest", 0x1000)) {
      ram.segment().fill((byte) 0x11);
      engine.setMessenger(client);
      engine.map(0x0, 0x1000, 0, RW, Native.fileDescriptor(Native.dup(ram.fd())));
      engine.map(0x1000, 0x1000, 0, RW, null);
      var dst = MemorySegment.ofArray(new byte[8]);
      engine.read(0xffc, dst);
      byte[] expected = {0x11, 0x11, 0x11, 0x11, 0, 0, 0, 0};
      System.arraycopy(client.memory, 0x1000, expected, 4, 4);
      assertThat(dst.toArray(JAVA_BYTE)).isEqualTo(expected);
      assertThat(client.messages).containsExactly("read 0x1000+4");
    }
  }

  @Test
  void messageOnlyMemoryWithoutMessengerFails() throws Exception {
    engine.map(0x1000, 0x1000, 0, RW, null);
    assertThatThrownBy(() -> engine.read(0x1000, MemorySegment.ofArray(new byte[4])))
        .isInstanceOf(DmaException.class)
        .hasMessageContaining("no DMA message channel");
    assertThatThrownBy(
            () -> engine.writeAsync(0x1000, MemorySegment.ofArray(new byte[4])).toCompletableFuture().join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(DmaException.class);
  }

  @Test
  void aReplyOfTheWrongLengthOrAnErrorFailsTheAccess() throws Exception {
    engine.setMessenger(client);
    engine.map(0x1000, 0x1000, 0, RW, null);
    client.pendingRead = CompletableFuture.completedFuture(new byte[3]);
    var dst = MemorySegment.ofArray(new byte[4]);
    assertThatThrownBy(() -> engine.read(0x1000, dst)).hasMessageContaining("reply of 3 bytes");
    assertThat(dst.toArray(JAVA_BYTE)).containsOnly(0);

    client.pendingRead = CompletableFuture.failedFuture(new IllegalStateException("EFAULT"));
    assertThatThrownBy(() -> engine.read(0x1000, dst))
        .isInstanceOf(DmaException.class)
        .hasRootCauseMessage("EFAULT");
  }

  @Test
  void aClientThatNeverRepliesTimesOut() throws Exception {
    client.pendingRead = new CompletableFuture<>();
    engine.setMessenger(client);
    engine.setMessageTimeout(Duration.ofMillis(50));
    engine.map(0x1000, 0x1000, 0, RW, null);
    assertThatThrownBy(() -> engine.read(0x1000, MemorySegment.ofArray(new byte[4])))
        .isInstanceOf(DmaException.class)
        .hasMessageContaining("no reply");
  }
}
