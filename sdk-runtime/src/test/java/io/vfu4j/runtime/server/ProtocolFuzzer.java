package io.vfu4j.runtime.server;

import io.vfu4j.host.GuestMemory;
import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.DmaMessages;
import io.vfu4j.runtime.protocol.DmaMessages.DmaMap;
import io.vfu4j.runtime.protocol.DmaMessages.DmaUnmap;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.sys.Native;
import io.vfu4j.runtime.sys.SharedMemory;
import io.vfu4j.runtime.transport.Message;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A deterministic (per seed) protocol fuzzer against a running server. Each case is one of:
 * mutated well-framed commands on a long-lived connection (with random fds attached), framing
 * that cannot be trusted, a fuzzed negotiation, a disconnect in the middle of a message, DMA_MAP/
 * UNMAP churn while the device does DMA, a memfd shrunk under a mapping, unmap-all while a DMA
 * request is held. After each case the oracle checks: every command that expects a reply got
 * exactly one with its id and command (error replies header-only with a positive errno), no
 * reply came for anything else, no DMA wrote outside its mapping, and the server answers a valid
 * request on the same connection (when the protocol lets it live) or on a new one.
 */
final class ProtocolFuzzer implements AutoCloseable {
  private static final Duration REPLY_WAIT = Duration.ofSeconds(5);
  private static final long GUEST_A = 0x4000_0000L, GUEST_B = 0x5000_0000L;
  private static final int REG_DMA_ADDRESS = 0x10, REG_DMA_LENGTH = 0x18, REG_DMA_GO = 0x1c, REG_DMA_STATUS = 0x28;

  /**
   * The server under test.
   *
   * @param socket its socket path
   * @param vendorId what config offset 0 must read
   * @param dmaDevice the device is {@link TestDevice} (has the DMA registers)
   */
  record Target(Path socket, int vendorId, boolean dmaDevice) {}

  /** A broken oracle, naming the seed that reproduces it. */
  static final class Failure extends AssertionError {
    final long seed;

    Failure(long seed, String kind, Throwable cause) {
      super("fuzz case seed " + seed + " (" + kind + ") failed: " + cause, cause);
      this.seed = seed;
    }
  }

  private final Target target;
  private VfioUserClient session;
  private final List<Integer> recentIds = new ArrayList<>();
  long messagesSent;
  private String only;

  private org.newsclub.net.unix.AFUNIXServerSocket spareServer;
  private org.newsclub.net.unix.AFUNIXSocket spare, spareAccepted;

  ProtocolFuzzer(Target target) {
    this.target = target;
  }

  /** A connected socket of our own, attached as a "random fd" (kept for the fuzzer's life). */
  private FileDescriptor spareSocket() throws IOException {
    if (spare == null) {
      var address = org.newsclub.net.unix.AFUNIXSocketAddress.of(target.socket().resolveSibling("fuzz-spare.sock"));
      spareServer = org.newsclub.net.unix.AFUNIXServerSocket.bindOn(address);
      spare = org.newsclub.net.unix.AFUNIXSocket.connectTo(address);
      spareAccepted = spareServer.accept();
    }
    return spare.getFileDescriptor();
  }

  /** Runs the case of {@code seed}. */
  void run(long seed) {
    Random r = new Random(seed);
    int roll = r.nextInt(100);
    String kind = roll < 60 ? "mutated commands" : roll < 68 ? "broken framing" : roll < 76 ? "fuzzed negotiation"
        : roll < 86 ? "disconnect mid-message" : roll < 92 ? "DMA map churn" : roll < 96 ? "memfd shrink"
        : "unmap during held DMA";
    run(seed, r, only == null ? kind : only);
  }

  /** Restricts every case to one kind (to chase a failure); null for the normal mix. */
  void only(String kind) {
    this.only = kind;
  }

  private void run(long seed, Random r, String kind) {
    try {
      switch (kind) {
        case "mutated commands" -> mutatedCommands(r);
        case "broken framing" -> brokenFraming(r);
        case "fuzzed negotiation" -> fuzzedNegotiation(r);
        case "disconnect mid-message" -> disconnectMidMessage(r);
        default -> {
          if (target.dmaDevice()) {
            switch (kind) {
              case "DMA map churn" -> dmaChurn(r);
              case "memfd shrink" -> memfdShrink(r);
              default -> unmapDuringHeldDma(r);
            }
          } else {
            mutatedCommands(r);
          }
        }
      }
    } catch (Throwable t) {
      closeSession();
      throw new Failure(seed, kind, t);
    }
  }

  // ---- (a)+(b) well-framed mutations on the long-lived connection ------------------------------

  private record Expected(int id, int command) {}

  private void mutatedCommands(Random r) throws Exception {
    VfioUserClient c = session();
    FuzzMessages gen = new FuzzMessages(r);
    List<Expected> expected = new ArrayList<>();
    boolean oversized = false;
    try (FuzzFds fds = new FuzzFds(r, spareSocket())) {
      for (int i = 0, n = 1 + r.nextInt(4); i < n && !oversized; i++) {
        Command command = gen.command();
        byte[] payload = gen.valid(command);
        if (r.nextInt(4) > 0) {
          payload = gen.mutate(payload);
        }
        if (r.nextInt(150) == 0) {
          // over the limit: E2BIG at once, then the server ends the connection (nothing after it is read)
          payload = Arrays.copyOf(payload, (1 << 20) + 25 + r.nextInt(64));
          oversized = true;
        }
        int code = r.nextInt(12) == 0 ? new int[] {0, 19, 20, 99, 0xffff, r.nextInt(0x10000)}[r.nextInt(6)]
            : command.code();
        int flags = r.nextInt(12) == 0 ? Header.TYPE_REPLY : Header.TYPE_COMMAND;
        flags |= r.nextInt(10) == 0 ? Header.NO_REPLY : 0;
        flags |= r.nextInt(25) == 0 ? Header.ERROR : 0;
        flags |= r.nextInt(25) == 0 ? 1 << (6 + r.nextInt(26)) : 0;
        int error = r.nextInt(25) == 0 ? r.nextInt() : 0;
        int id = !recentIds.isEmpty() && r.nextInt(6) == 0 ? recentIds.get(r.nextInt(recentIds.size()))
            : 0x8000 + r.nextInt(0x8000);
        remember(id);
        boolean carriesFds = command == Command.DMA_MAP || command == Command.DEVICE_SET_IRQS;
        FileDescriptor[] attached = r.nextInt(carriesFds ? 2 : 5) == 0 ? fds.some(1 + r.nextInt(carriesFds ? 2 : 3))
            : new FileDescriptor[0];
        byte[] message = FuzzMessages.frame(id, code, flags, error, payload, Header.SIZE + payload.length);
        if ((flags & Header.TYPE_MASK) == Header.TYPE_COMMAND && (flags & Header.NO_REPLY) == 0) {
          expected.add(new Expected(id, code));
        }
        messagesSent++;
        try {
          c.sendRaw(message, attached);
        } catch (IOException closedByServer) {
          check(oversized, "send failed: %s", closedByServer);
        }
      }
    }
    collectReplies(c, expected);
    if (oversized) {
      closeSession(); // the server closed it after its E2BIG
      assertNewConnectionServes();
      return;
    }
    assertServes(c);
    Message extra = c.receiveRaw(Duration.ZERO);
    check(extra == null, "a reply nobody asked for: %s", extra == null ? null : extra.header());
  }

  private void remember(int id) {
    recentIds.add(id);
    if (recentIds.size() > 32) {
      recentIds.removeFirst();
    }
  }

  private static void collectReplies(VfioUserClient c, List<Expected> expected) throws Exception {
    List<Expected> open = new ArrayList<>(expected);
    while (!open.isEmpty()) {
      Message m = c.receiveRaw(REPLY_WAIT);
      check(m != null, "no reply within %s for %s", REPLY_WAIT, open);
      checkShape(m);
      Expected got = new Expected(m.header().msgId(), m.header().command());
      check(open.remove(got), "reply %s matches none of %s", m.header(), open);
    }
  }

  /** A reply, and an error reply carries nothing but its positive errno. */
  private static void checkShape(Message m) {
    m.closeFds();
    Header h = m.header();
    check(h.isReply(), "server sent a non-reply %s", h);
    check((h.flags() & ~(Header.TYPE_MASK | Header.ERROR)) == 0, "reply flags %s", h);
    if (h.isError()) {
      check(h.error() > 0 && h.error() < 4096, "error reply without a positive errno: %s", h);
      check(m.payload().length == 0, "error reply with a payload: %s", h);
    } else {
      check(h.error() == 0, "success reply with an errno: %s", h);
    }
  }

  // ---- framing the server cannot trust: the connection may end, the server must not ----------

  private void brokenFraming(Random r) throws Exception {
    closeSession();
    FuzzMessages gen = new FuzzMessages(r);
    try (VfioUserClient c = VfioUserClient.open(target.socket())) {
      Command command = gen.command();
      byte[] payload = gen.valid(command);
      long claimed = switch (r.nextInt(4)) {
        case 0 -> r.nextInt(Header.SIZE + payload.length); // shorter, maybe below the header
        case 1 -> Header.SIZE + payload.length + 1 + r.nextInt(4096); // longer than sent
        case 2 -> 0xffff_ffffL - r.nextInt(16); // far longer than allowed
        default -> Header.SIZE + payload.length;
      };
      int flags = claimed == Header.SIZE + payload.length ? 2 + r.nextInt(14) : 0; // bad type when size is honest
      c.sendRaw(FuzzMessages.frame(0x8000 + r.nextInt(0x8000), command.code(), flags, 0, payload, claimed));
      messagesSent++;
      if (r.nextBoolean()) {
        try {
          c.sendRaw(FuzzMessages.frame(0x7fff, Command.DEVICE_GET_INFO.code(), 0, 0,
              io.vfu4j.runtime.protocol.DeviceMessages.IndexQuery.encode(16, 0, 16), 32));
        } catch (IOException serverClosedIt) {
          // the server may end a connection whose framing it cannot trust
        }
      }
      drain(c, Duration.ofMillis(r.nextInt(30)));
    }
    assertNewConnectionServes();
  }

  private static void drain(VfioUserClient c, Duration wait) throws InterruptedException {
    for (Message m; (m = c.receiveRaw(wait)) != null; ) {
      checkShape(m);
    }
  }

  // ---- negotiation ----------------------------------------------------------------------------

  private void fuzzedNegotiation(Random r) throws Exception {
    closeSession();
    FuzzMessages gen = new FuzzMessages(r);
    try (VfioUserClient c = VfioUserClient.connect(target.socket()); FuzzFds fds = new FuzzFds(r, spareSocket())) {
      boolean version = r.nextInt(5) > 0;
      Command command = version ? Command.VERSION : gen.command();
      byte[] payload = version ? gen.version() : gen.valid(command);
      int flags = r.nextInt(10) == 0 ? Header.NO_REPLY : 0;
      int id = r.nextInt(0x10000);
      c.sendRaw(FuzzMessages.frame(id, command.code(), flags, 0, payload, Header.SIZE + payload.length),
          r.nextInt(8) == 0 ? fds.some(1) : new FileDescriptor[0]);
      messagesSent++;
      if (flags == 0) {
        collectReplies(c, List.of(new Expected(id, command.code())));
      }
    }
    assertNewConnectionServes();
  }

  // ---- disconnects ----------------------------------------------------------------------------

  private void disconnectMidMessage(Random r) throws Exception {
    closeSession();
    FuzzMessages gen = new FuzzMessages(r);
    if (r.nextInt(3) == 0) {
      for (int i = 0; i < 5; i++) { // connect churn, some never negotiate
        (i % 2 == 0 ? VfioUserClient.connect(target.socket()) : VfioUserClient.open(target.socket())).close();
      }
    }
    try (VfioUserClient c = r.nextInt(5) == 0 ? VfioUserClient.connect(target.socket())
        : VfioUserClient.open(target.socket()); FuzzFds fds = new FuzzFds(r, spareSocket())) {
      Command command = gen.command();
      byte[] payload = gen.valid(command);
      byte[] message = FuzzMessages.frame(0x8000 + r.nextInt(0x8000), command.code(), 0, 0, payload,
          Header.SIZE + payload.length);
      int cut = 1 + r.nextInt(message.length - 1 + (payload.length == 0 ? 1 : 0));
      c.sendRaw(Arrays.copyOf(message, Math.min(cut, message.length - (payload.length == 0 ? 0 : 1))),
          r.nextInt(3) == 0 ? fds.some(1 + r.nextInt(2)) : new FileDescriptor[0]);
      messagesSent++;
      if (r.nextBoolean()) {
        Thread.sleep(r.nextInt(3));
      }
    }
    assertNewConnectionServes();
  }

  // ---- (c) DMA interleavings (TestDevice only) --------------------------------------------------

  /** Churns DMA_MAP/UNMAP of an fd-backed and a message-backed range while the device does DMA. */
  private void dmaChurn(Random r) throws Exception {
    closeSession();
    long seed = r.nextLong();
    try (VfioUserClient c = VfioUserClient.open(target.socket());
        SharedMemory shm = SharedMemory.create("vfu4j-fuzz-guest", 0x3000)) {
      fill(shm, 0, 0x3000, (byte) 0xa5);
      byte[] mapA = new DmaMap(3, 0x1000, GUEST_A, 0x1000).encode();
      c.call(Command.DMA_MAP, mapA, shm.fileDescriptor());
      GuestMemory g = c.mapGuestMemory(GUEST_B, 0x2000, false);
      c.writeConfig16(4, 0x0006);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> churnError = new AtomicReference<>();
      Thread churn = new Thread(() -> {
        Random cr = new Random(seed);
        try {
          while (!stop.get()) {
            switch (cr.nextInt(5)) {
              case 0 -> quietly(() -> c.call(Command.DMA_UNMAP, new DmaUnmap(24, 0, GUEST_A, 0x1000).encode()));
              case 1 -> quietly(() -> c.call(Command.DMA_MAP, mapA, shm.fileDescriptor()));
              case 2 -> quietly(() -> c.call(Command.DMA_UNMAP, new DmaUnmap(24, 0, GUEST_B, 0x2000).encode()));
              case 3 -> quietly(() -> c.call(Command.DMA_MAP, new DmaMap(3, 0, GUEST_B, 0x2000).encode()));
              default -> quietly(() -> c.call(Command.DMA_UNMAP,
                  new DmaUnmap(24, DmaMessages.UNMAP_ALL, 0, 0).encode()));
            }
          }
        } catch (Throwable t) {
          churnError.set(t);
        }
      }, "fuzz-dma-churn");
      churn.start();
      try {
        for (int i = 0, n = 5 + r.nextInt(10); i < n; i++) {
          int length = 1 + r.nextInt(64);
          long at = switch (r.nextInt(5)) {
            case 0 -> GUEST_A + r.nextInt(0x1000 - 2 * length);
            case 1 -> GUEST_A + 0x1000 - length - r.nextInt(2 * length); // the write crosses the end
            case 2 -> GUEST_A - r.nextInt(2 * length); // starts below
            case 3 -> GUEST_B + r.nextInt(0x2000 - 2 * length);
            default -> GUEST_B + 0x2000 - length - r.nextInt(2 * length);
          };
          int status = runDma(c, at, length);
          check(status == 1 || status == 2, "DMA status %d", status);
        }
      } finally {
        stop.set(true);
        churn.join(10_000);
      }
      check(!churn.isAlive(), "churn thread hangs");
      check(churnError.get() == null, "churn failed: %s", churnError.get());
      assertServes(c);
      checkUntouched(shm, 0, 0x1000, (byte) 0xa5, "memfd page below the mapping");
      checkUntouched(shm, 0x2000, 0x1000, (byte) 0xa5, "memfd page above the mapping");
      g.close();
    }
    assertNewConnectionServes();
  }

  /** Shrinks a mapped memfd, then has the device DMA into the part that is gone. */
  private void memfdShrink(Random r) throws Exception {
    closeSession();
    try (VfioUserClient c = VfioUserClient.open(target.socket());
        SharedMemory shm = SharedMemory.create("vfu4j-fuzz-shrink", 0x4000)) {
      c.call(Command.DMA_MAP, new DmaMap(3, 0, GUEST_A, 0x4000).encode(), shm.fileDescriptor());
      c.writeConfig16(4, 0x0006);
      check(runDma(c, GUEST_A + 0x2000, 16) == 1, "DMA before the shrink failed");
      long kept = r.nextBoolean() ? 0 : 0x1000;
      Native.ftruncate(shm.fd(), kept);
      for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
        check(runDma(c, GUEST_A + 0x1000 + r.nextInt(0x2f00), 1 + r.nextInt(128)) == 2,
            "DMA into a truncated memfd did not fail");
      }
      if (kept > 0) {
        check(runDma(c, GUEST_A + 0x10, 16) == 1, "DMA into the part still there failed");
      }
      assertServes(c);
    }
    assertNewConnectionServes();
  }

  /** Holds the server's DMA_READ, unmaps everything (or forges replies, or disconnects), then releases. */
  private void unmapDuringHeldDma(Random r) throws Exception {
    closeSession();
    VfioUserClient c = VfioUserClient.open(target.socket());
    try {
      GuestMemory g = c.mapGuestMemory(GUEST_B, 0x2000, false);
      fill(g.segment(), 0x100, 0x40, (byte) 0x11);
      c.writeConfig16(4, 0x0006);
      c.holdDmaRequests(true);
      c.write(0, REG_DMA_ADDRESS, 8, GUEST_B + 0x100);
      c.write(0, REG_DMA_LENGTH, 4, 0x20);
      c.write(0, REG_DMA_GO, 4, 1);
      long deadline = System.nanoTime() + REPLY_WAIT.toNanos();
      while (c.heldDmaRequests() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      check(c.heldDmaRequests() > 0, "the device's DMA_READ never came");
      switch (r.nextInt(3)) {
        case 0 -> {
          c.call(Command.DMA_UNMAP, new DmaUnmap(24, DmaMessages.UNMAP_ALL, 0, 0).encode());
          c.holdDmaRequests(false);
          check(awaitDmaStatus(c) == 2, "DMA wrote after unmap-all");
          checkUntouched(g.segment(), 0x120, 0x20, (byte) 0x11, "memory behind an unmapped range");
        }
        case 1 -> {
          for (int id = 0; id < 4 + r.nextInt(8); id++) { // forged replies to whatever is pending
            byte[] junk = new byte[r.nextInt(3) == 0 ? 0 : 16 + r.nextInt(64)];
            r.nextBytes(junk);
            c.sendRaw(FuzzMessages.frame(id, Command.DMA_READ.code(), Header.TYPE_REPLY, 0, junk,
                Header.SIZE + junk.length));
          }
          c.holdDmaRequests(false);
          int status = awaitDmaStatus(c);
          check(status == 1 || status == 2, "DMA status %d", status);
        }
        default -> {
          c.close(); // disconnect with the request in flight
          c = null;
        }
      }
      if (c != null) {
        assertServes(c);
      }
      g.close();
    } finally {
      if (c != null) {
        c.close();
      }
    }
    assertNewConnectionServes();
  }

  private int runDma(VfioUserClient c, long at, int length) throws Exception {
    c.write(0, REG_DMA_ADDRESS, 8, at);
    c.write(0, REG_DMA_LENGTH, 4, length);
    c.write(0, REG_DMA_GO, 4, 1);
    return awaitDmaStatus(c);
  }

  private static int awaitDmaStatus(VfioUserClient c) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    long status;
    while ((status = c.read(0, REG_DMA_STATUS, 4)) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(0, 200_000);
    }
    return (int) status;
  }

  // ---- oracle helpers -------------------------------------------------------------------------

  private interface IoCall {
    void run() throws IOException;
  }

  /** Churn calls may be refused (ENOENT, EEXIST): only a lost connection or a hang is a failure. */
  private static void quietly(IoCall call) throws IOException {
    try {
      call.run();
    } catch (io.vfu4j.host.VfioUserException refused) {
      // an error reply is a fine answer
    }
  }

  private void assertServes(VfioUserClient c) throws IOException {
    check(c.deviceInfo().numRegions() == Regions.COUNT, "DEVICE_GET_INFO answer");
    check(c.config16(0) == target.vendorId(), "vendor id");
  }

  private void assertNewConnectionServes() throws IOException {
    try (VfioUserClient c = VfioUserClient.open(target.socket())) {
      assertServes(c);
    }
  }

  private VfioUserClient session() throws IOException {
    if (session == null) {
      session = VfioUserClient.open(target.socket());
    }
    return session;
  }

  private void closeSession() {
    if (session != null) {
      session.close();
      session = null;
    }
  }

  private static void fill(SharedMemory shm, long at, long size, byte value) {
    fill(shm.segment(), at, size, value);
  }

  private static void fill(java.lang.foreign.MemorySegment s, long at, long size, byte value) {
    s.asSlice(at, size).fill(value);
  }

  private static void checkUntouched(SharedMemory shm, long at, long size, byte value, String what) {
    checkUntouched(shm.segment(), at, size, value, what);
  }

  private static void checkUntouched(java.lang.foreign.MemorySegment s, long at, long size, byte value, String what) {
    for (long i = 0; i < size; i++) {
      byte b = s.get(ValueLayout.JAVA_BYTE, at + i);
      check(b == value, "%s changed at 0x%x: 0x%x", what, at + i, b);
    }
  }

  private static void check(boolean ok, String format, Object... args) {
    if (!ok) {
      throw new AssertionError(format.formatted(args));
    }
  }

  /** Open fds of this JVM (client and server both live here). */
  static long openFds() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  /** Open fds of this JVM by kind (eventfd, memfd, socket, pipe, file), for leak messages. */
  static java.util.Map<String, Long> fdKinds() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.map(p -> {
        try {
          String target = Files.readSymbolicLink(p).toString();
          return target.replaceAll("[:\\[].*", "").replaceAll("^/memfd.*", "memfd");
        } catch (IOException gone) {
          return "gone";
        }
      }).collect(java.util.stream.Collectors.groupingBy(k -> k, java.util.TreeMap::new,
          java.util.stream.Collectors.counting()));
    }
  }

  /** Ends the long-lived connection and waits until the server served a fresh one (clientLost done). */
  void settle() throws IOException {
    spareSocket();
    closeSession();
    assertNewConnectionServes();
  }

  @Override
  public void close() {
    closeSession();
    for (AutoCloseable c : new AutoCloseable[] {spare, spareAccepted, spareServer}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing anyway
      }
    }
  }
}
