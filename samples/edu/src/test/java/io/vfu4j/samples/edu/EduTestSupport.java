package io.vfu4j.samples.edu;

import static org.assertj.core.api.Assertions.fail;

import io.vfu4j.runtime.cli.Descriptors;
import io.vfu4j.runtime.cli.HostSession;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import java.io.IOException;
import java.time.Duration;

/** Shared steps of the edu tests: register shorthands and waiting the way a driver polls. */
abstract class EduTestSupport {
  static final Duration WAIT = Duration.ofSeconds(3);

  HostSession host;

  /** The device as any runtime finds it: the one descriptor ServiceLoader lists. */
  static DeviceDescriptor discovered() {
    return Descriptors.discoverSingle(EduTestSupport.class.getClassLoader());
  }

  void start() throws IOException {
    host = HostSession.start(discovered());
    host.enable(HostSession.CMD_MEMORY | HostSession.CMD_BUS_MASTER);
  }

  long read32(long offset) throws IOException {
    return host.read(0, offset, 4);
  }

  void write32(long offset, long value) throws IOException {
    host.write(0, offset, 4, value);
  }

  long read64(long offset) throws IOException {
    return host.read(0, offset, 8);
  }

  void write64(long offset, long value) throws IOException {
    host.write(0, offset, 8, value);
  }

  boolean pciInterruptStatus() throws IOException {
    return (host.client().config16(0x06) & 0x08) != 0;
  }

  interface Condition {
    boolean holds() throws IOException;
  }

  static void await(String what, Condition condition) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        fail(what + " within " + WAIT);
      }
      Thread.sleep(1);
    }
  }

  void awaitFactorialDone() throws IOException, InterruptedException {
    await("factorial done", () -> (read32(0x20) & 0x01) == 0);
  }

  void awaitDmaDone() throws IOException, InterruptedException {
    await("DMA done", () -> (read64(0x98) & 0x01) == 0);
  }
}
