package io.vfu4j.samples.copyengine;

import io.vfu4j.host.GuestMemory;
import io.vfu4j.runtime.cli.Descriptors;
import io.vfu4j.runtime.server.VfioUserServer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The device as the jar serves it (found by ServiceLoader) on a real socket, and a driver. */
abstract class CopyEngineFixture {
  static final int PAGE = 4096;

  @TempDir
  Path dir;
  VfioUserServer server;
  CopyEngineDriver driver;

  CopyEngineDriver start(boolean withExtension) throws IOException {
    server = VfioUserServer.start(Descriptors.discoverSingle(getClass().getClassLoader()), dir.resolve("ce.sock"));
    driver = CopyEngineDriver.connect(server.socketPath(), withExtension);
    driver.start(0);
    return driver;
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
    if (server != null) {
      server.close();
    }
  }

  static byte[] pattern(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static void put(GuestMemory memory, long address, byte[] bytes) {
    MemorySegment.copy(bytes, 0, memory.segment(), ValueLayout.JAVA_BYTE, address - memory.address(), bytes.length);
  }

  static byte[] get(GuestMemory memory, long address, int size) {
    return memory.segment().asSlice(address - memory.address(), size).toArray(ValueLayout.JAVA_BYTE);
  }
}
