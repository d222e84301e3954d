package io.vfu4j.runtime.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class NativeTest {
  @Test
  void eventFdCountsSignalsAndResetsOnRead() throws IOException {
    try (var eventFd = EventFd.create()) {
      assertThat(eventFd.readCounter()).isZero();
      assertThat(eventFd.signal()).isTrue();
      assertThat(eventFd.signal()).isTrue();
      assertThat(eventFd.await(Duration.ofSeconds(1))).isEqualTo(2);
      assertThat(eventFd.readCounter()).isZero();
      assertThat(FdInfo.isEventFd(eventFd.fd())).isTrue();
    }
  }

  @Test
  void awaitTimesOutWithZero() throws IOException {
    try (var eventFd = EventFd.create()) {
      assertThat(eventFd.await(Duration.ofMillis(20))).isZero();
    }
  }

  @Test
  void closeReleasesTheFdOnce() throws IOException {
    var eventFd = EventFd.create();
    int fd = eventFd.fd();
    eventFd.close();
    assertThat(FdInfo.isOpen(fd)).isFalse();
    assertThat(eventFd.signal()).isFalse();
    assertThatThrownBy(eventFd::readCounter).isInstanceOf(IOException.class);
    eventFd.close();
  }

  @Test
  void adoptRefusesAndClosesAnFdThatIsNotAnEventFd() throws IOException {
    int memfd = Native.memfdCreate("not-an-eventfd", 0);
    assertThatThrownBy(() -> EventFd.adopt(memfd))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not an eventfd");
    assertThat(FdInfo.isOpen(memfd)).isFalse();
  }

  @Test
  void adoptedDuplicateSignalsTheSameCounter() throws IOException {
    try (var original = EventFd.create();
        var adopted = EventFd.adopt(Native.fileDescriptor(Native.dup(original.fd())))) {
      assertThat(adopted.fd()).isNotEqualTo(original.fd());
      adopted.signal();
      assertThat(original.readCounter()).isEqualTo(1);
    }
  }

  @Test
  void fileDescriptorRoundTrips() throws IOException {
    try (var eventFd = EventFd.create()) {
      assertThat(Native.fdNumber(eventFd.fileDescriptor())).isEqualTo(eventFd.fd());
    }
  }

  @Test
  void sharedMemoryIsVisibleThroughASecondMappingOfItsFd() throws IOException {
    try (var memory = SharedMemory.create("guest-ram", 2 * 4096);
        var second = MappedFd.map(memory.fd(), 4096 + 8, 16, false)) {
      memory.segment().set(ValueLayout.JAVA_LONG, 4096 + 16, 0x1122334455667788L);
      assertThat(second.segment().get(ValueLayout.JAVA_LONG, 8)).isEqualTo(0x1122334455667788L);
      assertThat(Native.fileSize(memory.fd())).isEqualTo(2 * 4096);
      assertThat(FdInfo.describe(memory.fd())).contains("memfd:guest-ram");
    }
  }

  @Test
  void ftruncateChangesTheSizeSeenByFstat() throws IOException {
    int fd = Native.memfdCreate("resize", 0);
    try {
      Native.ftruncate(fd, 12345);
      assertThat(Native.fileSize(fd)).isEqualTo(12345);
    } finally {
      Native.close(fd);
    }
  }

  @Test
  void failuresNameTheErrno() {
    assertThatThrownBy(() -> Native.fileSize(-1))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("EBADF");
    assertThatThrownBy(() -> Native.ftruncate(-5, 1)).hasMessageContaining("EBADF");
  }

  @Test
  void awaitOnAVirtualThreadSeesASignalFromAnotherThread() throws Exception {
    try (var eventFd = EventFd.create()) {
      var result = new java.util.concurrent.atomic.AtomicLong(-1);
      Thread waiter =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      result.set(eventFd.await(Duration.ofSeconds(5)));
                    } catch (IOException e) {
                      result.set(-2);
                    }
                  });
      Thread.sleep(20);
      eventFd.signal();
      waiter.join();
      assertThat(result.get()).isEqualTo(1);
    }
  }
}
