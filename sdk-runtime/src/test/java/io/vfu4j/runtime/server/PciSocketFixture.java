package io.vfu4j.runtime.server;

import io.vfu4j.api.Bar;
import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import io.vfu4j.runtime.spi.BarLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server with a {@link PciTestDevice} built from {@link #builder()} and a connected host
 * client. Offsets of capabilities come from walking the chains over the socket, as a guest does.
 */
abstract class PciSocketFixture {
  static final int CONFIG = VfioUserClient.CONFIG_REGION;
  static final BarLayout MEM32_1M = new BarLayout(0, 1 << 20, Bar.Type.MEMORY32, false);
  static final BarLayout MEM64_PREF_64K = new BarLayout(2, 1 << 16, Bar.Type.MEMORY64, true);
  static final BarLayout IO_32 = new BarLayout(4, 32, Bar.Type.IO, false);

  @TempDir
  Path dir;
  PciTestDevice.Descriptor descriptor;
  VfioUserServer server;
  VfioUserClient c;

  abstract ConfigSpaceBuilder builder();

  @BeforeEach
  void startServer() throws IOException {
    descriptor = new PciTestDevice.Descriptor(builder());
    server = VfioUserServer.start(descriptor, dir.resolve("pci.sock"));
    c = VfioUserClient.open(server.socketPath());
  }

  @AfterEach
  void stopServer() {
    if (c != null) {
      c.close();
    }
    server.close();
  }

  PciTestDevice device() {
    return descriptor.last;
  }

  /** Standard capabilities by ID → offset, in chain order, read over the socket. */
  Map<Integer, Integer> standardCapabilities() throws IOException {
    Map<Integer, Integer> caps = new LinkedHashMap<>();
    if ((c.config16(0x06) & 0x10) == 0) {
      return caps;
    }
    for (int at = c.config8(0x34) & 0xfc; at != 0 && caps.size() < 48; at = c.config8(at + 1) & 0xfc) {
      caps.put(c.config8(at), at);
    }
    return caps;
  }

  /** Extended capabilities by ID → offset, in chain order, read over the socket. */
  Map<Integer, Integer> extendedCapabilities() throws IOException {
    Map<Integer, Integer> caps = new LinkedHashMap<>();
    int at = 0x100;
    while (at != 0 && caps.size() < 64) {
      int header = c.config32(at);
      if (header == 0) {
        break;
      }
      caps.put(header & 0xffff, at);
      at = (header >>> 20) & 0xffc;
    }
    return caps;
  }

  /** Runs {@code task} on the device thread (as device-side code would) and waits for it. */
  <T> T onDeviceThread(Callable<T> task) throws Exception {
    return server.host().executor().submit(task).get(5, TimeUnit.SECONDS);
  }

  void raise(int vector) throws IOException {
    c.write(0, PciTestDevice.RAISE, 4, vector);
  }

  void lower(int vector) throws IOException {
    c.write(0, PciTestDevice.LOWER, 4, vector);
  }
}
