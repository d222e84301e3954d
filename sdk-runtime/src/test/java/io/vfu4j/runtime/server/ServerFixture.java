package io.vfu4j.runtime.server;

import io.vfu4j.host.VfioUserClient;
import io.vfu4j.host.VfioUserException;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.transport.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Starts a server with the test device per test; closes every client and server afterwards. */
abstract class ServerFixture {
  @TempDir
  Path dir;
  final TestDevice.Descriptor descriptor = new TestDevice.Descriptor();
  VfioUserServer server;
  final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    server = start(descriptor, ServerOptions.defaults(), "dev.sock");
  }

  VfioUserServer start(TestDevice.Descriptor d, ServerOptions options, String name) throws IOException {
    VfioUserServer s = VfioUserServer.start(d, dir.resolve(name), options);
    closeables.add(s);
    return s;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  TestDevice device() {
    return descriptor.last;
  }

  VfioUserClient client() throws IOException {
    return client(server);
  }

  VfioUserClient client(VfioUserServer s) throws IOException {
    VfioUserClient c = VfioUserClient.open(s.socketPath());
    closeables.add(c);
    return c;
  }

  VfioUserClient connect(VfioUserClient.Options options) throws IOException {
    VfioUserClient c = VfioUserClient.connect(server.socketPath());
    closeables.add(c);
    c.negotiate(options);
    return c;
  }

  /** Runs the call and returns the errno of the error reply it must get. */
  static int errno(Executable call) {
    try {
      call.execute();
    } catch (VfioUserException e) {
      return e.errno();
    } catch (Throwable t) {
      fail("expected an error reply, got " + t, t);
    }
    return fail("expected an error reply, got success");
  }

  /** A raw command message: header with {@code size} as given (may lie) and the payload. */
  static byte[] raw(int id, int command, int flags, byte[] payload, long claimedSize) {
    ByteBuffer b = ByteBuffer.allocate(Header.SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) id).putShort((short) command).putInt((int) claimedSize).putInt(flags).putInt(0).put(payload);
    return b.array();
  }

  static byte[] raw(int id, Command command, byte[] payload) {
    return raw(id, command.code(), 0, payload, Header.SIZE + payload.length);
  }

  /** Sends a raw message and returns the reply to it. */
  static Message exchange(VfioUserClient c, byte[] bytes) throws Exception {
    c.sendRaw(bytes);
    Message m = c.receiveRaw(Duration.ofSeconds(5));
    assertThat(m).as("a reply").isNotNull();
    return m;
  }

  static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }
}
