package io.vfu4j.host;

import io.vfu4j.runtime.protocol.Capabilities;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.DeviceMessages.DeviceInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.IndexQuery;
import io.vfu4j.runtime.protocol.DeviceMessages.IrqInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.RegionInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs;
import io.vfu4j.runtime.protocol.DmaMessages;
import io.vfu4j.runtime.protocol.DmaMessages.DmaMap;
import io.vfu4j.runtime.protocol.DmaMessages.DmaUnmap;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.FeatureMessages.DeviceFeature;
import io.vfu4j.runtime.protocol.FeatureMessages.MigData;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.protocol.IommuOffer;
import io.vfu4j.runtime.protocol.Payload;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.protocol.RegionMessages.RegionAccess;
import io.vfu4j.runtime.protocol.RegionMessages.WriteEntry;
import io.vfu4j.runtime.protocol.RegionMessages.WriteMulti;
import io.vfu4j.runtime.protocol.Version;
import io.vfu4j.runtime.sys.EventFd;
import io.vfu4j.runtime.sys.SharedMemory;
import io.vfu4j.runtime.transport.Fds;
import io.vfu4j.runtime.transport.Message;
import io.vfu4j.runtime.transport.MessageChannel;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A vfio-user client (a small simulated VMM) that drives any vfio-user server through its
 * socket: negotiation, region and config-space access, interrupts through eventfds, guest memory
 * mapped with or without fds, and the server's DMA_READ/DMA_WRITE served from that memory (both
 * the spec's layout and QEMU's). Requests may come from any thread; a reader thread matches
 * replies by id. Replies nobody waits for (sent with {@link #sendRaw}) go to {@link #receiveRaw}.
 */
public final class VfioUserClient implements AutoCloseable {
  private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);
  public static final int CONFIG_REGION = 7;

  /**
   * What the client proposes in VERSION.
   *
   * @param twinSocket offer a twin socket
   * @param writeMultiple offer REGION_WRITE_MULTI
   * @param qemuLike propose exactly what QEMU does (legacy migration key included)
   * @param maxDataXferSize what the client accepts per message
   * @param iommu the IOMMU extension offered in VERSION, null for none (as QEMU)
   * @param qemu10DmaLayout serve DMA_READ/DMA_WRITE in QEMU 10's layout (count u32, data at 12,
   *     empty DMA_WRITE reply) rather than the spec's, which QEMU 11 follows
   */
  public record Options(boolean twinSocket, boolean writeMultiple, boolean qemuLike, long maxDataXferSize,
      IommuOffer iommu, boolean qemu10DmaLayout) {
    public Options(boolean twinSocket, boolean writeMultiple, boolean qemuLike, long maxDataXferSize) {
      this(twinSocket, writeMultiple, qemuLike, maxDataXferSize, null, qemuLike);
    }

    public static Options defaults() {
      return new Options(false, true, false, 1 << 20);
    }

    /** What QEMU 10's client proposes, and its DMA message layout. */
    public static Options qemu() {
      return new Options(false, true, true, 1 << 20);
    }

    /** What QEMU 11's client proposes (the same as QEMU 10), with the spec's DMA message layout. */
    public static Options qemu11() {
      return new Options(false, true, true, 1 << 20, null, false);
    }

    public Options withTwinSocket(boolean on) {
      return new Options(on, writeMultiple, qemuLike, maxDataXferSize, iommu, qemu10DmaLayout);
    }

    public Options withMaxDataXferSize(long bytes) {
      return new Options(twinSocket, writeMultiple, qemuLike, bytes, iommu, qemu10DmaLayout);
    }

    /** Offers the IOMMU extension (docs/protocol-extension.md §3); null offers nothing. */
    public Options withIommu(IommuOffer offer) {
      return new Options(twinSocket, writeMultiple, qemuLike, maxDataXferSize, offer, qemu10DmaLayout);
    }

    Capabilities capabilities() {
      Capabilities c = qemuLike ? Capabilities.qemuProposal() : Capabilities.defaults().withMaxMsgFds(16);
      return c.withWriteMultiple(writeMultiple).withTwinSocket(twinSocket, -1).withMaxDataXferSize(maxDataXferSize)
          .withIommu(iommu);
    }
  }

  /** Serves the IOMMU extension's server commands (101, 103, 104, 105); see {@link VirtualIommu}. */
  interface ExtensionHandler {
    /** Serves one server command; replies through {@code reply}. */
    void serve(MessageChannel channel, Message m);
  }

  private final MessageChannel main;
  private volatile MessageChannel twin;
  /** Set when the main socket's reader has ended; replies can no longer arrive. */
  private volatile boolean readerGone;
  private volatile IOException readerEnd;
  private volatile Thread twinReader;
  /** junixsocket's cast socket does not close the received twin fd: that is done here. */
  private final io.vfu4j.runtime.transport.SocketFdReaper twinFd = new io.vfu4j.runtime.transport.SocketFdReaper();
  private final Map<Integer, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
  private final BlockingQueue<Message> unmatched = new LinkedBlockingQueue<>();
  private final List<GuestMemory> memory = new CopyOnWriteArrayList<>();
  private final AtomicInteger nextId = new AtomicInteger();
  private final AtomicLong dmaServed = new AtomicLong();
  private final BlockingQueue<Runnable> heldDma = new LinkedBlockingQueue<>();
  private volatile boolean holdDma;
  private volatile Capabilities server = Capabilities.defaults();
  private volatile boolean qemuLayout;
  private volatile long maxDataXferSize;
  private volatile IommuOffer negotiatedIommu;
  private volatile ExtensionHandler extension;
  private final Map<Integer, Integer> serverCommands = new ConcurrentHashMap<>();

  private final Thread mainReader;

  private VfioUserClient(MessageChannel main) {
    this.main = main;
    this.mainReader = startReader(main, "vfu4j-client-reader");
  }

  /** Connects to a server's socket (no negotiation yet). */
  public static VfioUserClient connect(Path socket) throws IOException {
    AFUNIXSocket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socket));
    return new VfioUserClient(MessageChannel.of(s, (64L << 20) + 32));
  }

  /** Connects and negotiates with {@link Options#defaults()}. */
  public static VfioUserClient open(Path socket) throws IOException {
    VfioUserClient c = connect(socket);
    try {
      c.negotiate(Options.defaults());
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  // ---------------------------------------------------------------------------------------------
  // Negotiation and device description

  /** Sends VERSION 0.0 and returns the server's answer; sets up the twin socket if it offers one. */
  public Version negotiate(Options options) throws IOException {
    qemuLayout = options.qemu10DmaLayout();
    maxDataXferSize = options.maxDataXferSize();
    Message reply = call(Command.VERSION, new Version(0, 0, options.capabilities()).encode());
    Version v;
    try {
      v = Version.decode(reply.payload());
    } catch (ProtocolException e) {
      reply.closeFds();
      throw new IOException("corrupt VERSION reply: " + e.getMessage(), e);
    }
    server = v.capabilities();
    IommuOffer accepted = v.capabilities().iommu();
    if (accepted == IommuOffer.MALFORMED) {
      reply.closeFds();
      close();
      throw new IOException("inconsistent VERSION reply: iommu without a valid revision (extension §3)");
    }
    if (accepted != null && !accepted.subsetOf(options.iommu())) {
      reply.closeFds();
      close();
      throw new IOException("inconsistent VERSION reply: iommu " + accepted + " is not a subset of " + options.iommu());
    }
    negotiatedIommu = accepted != null && accepted.enabled() ? accepted : null;
    int index = v.capabilities().twinSocketFdIndex();
    if (v.capabilities().twinSocket()) {
      if (index < 0 || index >= reply.fds().length) {
        reply.closeFds();
        throw new IOException("VERSION reply enables a twin socket without its fd");
      }
      twinFd.track(reply.fds()[index]);
      AFUNIXSocket t = FileDescriptorCast.using(reply.fds()[index]).as(AFUNIXSocket.class);
      twin = MessageChannel.of(t, (64L << 20) + 32);
      twinReader = startReader(twin, "vfu4j-client-twin-reader");
    } else {
      reply.closeFds();
    }
    return v;
  }

  /** The IOMMU extension as the server accepted it; null when off. */
  public IommuOffer negotiatedIommu() {
    return negotiatedIommu;
  }

  /** Installs the handler of extension server commands (the virtual IOMMU). */
  void extensionHandler(ExtensionHandler handler) {
    this.extension = handler;
  }

  /** Server commands seen, by command number (tests check that nothing of the extension was sent). */
  public Map<Integer, Integer> serverCommandsSeen() {
    return Map.copyOf(serverCommands);
  }

  /** The server's capabilities from VERSION. */
  public Capabilities serverCapabilities() {
    return server;
  }

  /** True when the server set up a twin socket. */
  public boolean twinSocketActive() {
    return twin != null;
  }

  public DeviceInfo deviceInfo() throws IOException {
    return decode(call(Command.DEVICE_GET_INFO, Payload.allocate(16).putInt(16).array()), DeviceInfo::decode);
  }

  /** GET_REGION_INFO with the kernel's retry: 32 bytes first, then the argsz the server asked for. */
  public RegionDescription regionInfo(int index) throws IOException {
    long argsz = RegionInfo.SIZE;
    for (int attempt = 1; ; attempt++) {
      Message m = call(Command.DEVICE_GET_REGION_INFO, IndexQuery.encode(argsz, index, RegionInfo.SIZE));
      RegionInfo info = decode(m, RegionInfo::decode);
      if (info.argsz() > argsz && attempt == 1) {
        m.closeFds();
        argsz = info.argsz();
        continue;
      }
      if (m.fds().length > 1) {
        Fds.close(java.util.Arrays.copyOfRange(m.fds(), 1, m.fds().length));
      }
      return new RegionDescription(info, m.fds().length > 0 ? m.fds()[0] : null, attempt);
    }
  }

  /** GET_REGION_INFO with an explicit argsz, no retry. */
  public RegionDescription regionInfo(int index, long argsz) throws IOException {
    Message m = call(Command.DEVICE_GET_REGION_INFO, IndexQuery.encode(argsz, index, RegionInfo.SIZE));
    return new RegionDescription(decode(m, RegionInfo::decode), m.fds().length > 0 ? m.fds()[0] : null, 1);
  }

  /** GET_REGION_IO_FDS: returns the entry count (and closes any fds). */
  public long regionIoFdCount(int index) throws IOException {
    Message m = call(Command.DEVICE_GET_REGION_IO_FDS, IndexQuery.encode(4096, index, 16));
    m.closeFds();
    return Payload.u32(Payload.wrap(m.payload()).position(12));
  }

  public IrqInfo irqInfo(int index) throws IOException {
    return decode(call(Command.DEVICE_GET_IRQ_INFO, IndexQuery.encode(16, index, 16)), IrqInfo::decode);
  }

  // ---------------------------------------------------------------------------------------------
  // Interrupts

  /** DEVICE_SET_IRQS as given. */
  public void setIrqs(int flags, int index, int start, int count, byte[] data, FileDescriptor... fds)
      throws IOException {
    call(Command.DEVICE_SET_IRQS, new SetIrqs(flags, index, start, count, data).encode(), fds);
  }

  /** Creates {@code count} eventfds and registers them as triggers of {@code index} from vector 0. */
  public List<EventFd> enableInterrupts(int index, int count) throws IOException {
    List<EventFd> fds = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      fds.add(EventFd.create());
    }
    setIrqs(SetIrqs.DATA_EVENTFD | SetIrqs.ACTION_TRIGGER, index, 0, count, new byte[0],
        fds.stream().map(EventFd::fileDescriptor).toArray(FileDescriptor[]::new));
    return fds;
  }

  // ---------------------------------------------------------------------------------------------
  // Region access

  public byte[] readRegion(int region, long offset, int count) throws IOException {
    Message m = call(Command.REGION_READ, new RegionAccess(offset, region, count, new byte[0]).encode());
    return decode(m, RegionAccess::decodeReply).data();
  }

  public void writeRegion(int region, long offset, byte[] data) throws IOException {
    call(Command.REGION_WRITE, new RegionAccess(offset, region, data.length, data).encode());
  }

  /** A posted write: No_reply, so it is never answered, not even with an error. */
  public void postWrite(int region, long offset, byte[] data) throws IOException {
    byte[] p = new RegionAccess(offset, region, data.length, data).encode();
    main.send(Header.command(nextId(), Command.REGION_WRITE, p.length, true), p);
  }

  /** REGION_WRITE_MULTI; returns the server's count of writes done. */
  public long writeMulti(List<WriteEntry> writes) throws IOException {
    return Payload.wrap(call(Command.REGION_WRITE_MULTI, new WriteMulti(writes).encode()).payload()).getLong();
  }

  /** Little-endian value of {@code size} bytes in a region. */
  public long read(int region, long offset, int size) throws IOException {
    byte[] b = readRegion(region, offset, size);
    long v = 0;
    for (int i = 0; i < size; i++) {
      v |= (b[i] & 0xffL) << (8 * i);
    }
    return v;
  }

  public void write(int region, long offset, int size, long value) throws IOException {
    writeRegion(region, offset, le(value, size));
  }

  public int config8(int offset) throws IOException {
    return (int) read(CONFIG_REGION, offset, 1);
  }

  public int config16(int offset) throws IOException {
    return (int) read(CONFIG_REGION, offset, 2);
  }

  public int config32(int offset) throws IOException {
    return (int) read(CONFIG_REGION, offset, 4);
  }

  public void writeConfig8(int offset, int value) throws IOException {
    write(CONFIG_REGION, offset, 1, value);
  }

  public void writeConfig16(int offset, int value) throws IOException {
    write(CONFIG_REGION, offset, 2, value);
  }

  public void writeConfig32(int offset, int value) throws IOException {
    write(CONFIG_REGION, offset, 4, value);
  }

  static byte[] le(long value, int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (value >>> (8 * i));
    }
    return b;
  }

  // ---------------------------------------------------------------------------------------------
  // Reset, features, migration

  public void reset() throws IOException {
    call(Command.DEVICE_RESET, new byte[0]);
  }

  /** DEVICE_FEATURE; returns the reply's feature data (after argsz and flags). */
  public byte[] deviceFeature(int flags, long argsz, byte[] data) throws IOException {
    byte[] p = call(Command.DEVICE_FEATURE, new DeviceFeature(argsz, flags, data).encode()).payload();
    return java.util.Arrays.copyOfRange(p, Math.min(8, p.length), p.length);
  }

  /** MIG_DATA_READ of at most {@code size} bytes. */
  public byte[] migrationRead(int size) throws IOException {
    return decode(call(Command.MIG_DATA_READ, new MigData(8 + size, size, new byte[0]).encode()),
        MigData::decodeReply).data();
  }

  public void migrationWrite(byte[] data) throws IOException {
    call(Command.MIG_DATA_WRITE, new MigData(8 + data.length, data.length, data).encode());
  }

  // ---------------------------------------------------------------------------------------------
  // Guest memory and DMA

  /**
   * Creates memfd-backed guest memory at DMA address {@code address} and maps it to the server,
   * readable and writable; with {@code shareFd} false the fd stays here and the server has to use
   * DMA_READ/DMA_WRITE messages.
   */
  public GuestMemory mapGuestMemory(long address, long size, boolean shareFd) throws IOException {
    return mapGuestMemory(address, size, shareFd, 0);
  }

  /**
   * Like {@link #mapGuestMemory(long, long, boolean)} with extra DMA_MAP flags: the extension's
   * space bits (PASID_VALID and the PASID in bits 12–31, or TRANSLATED). Memory of other spaces
   * than no-PASID does not serve plain DMA_READ/DMA_WRITE.
   */
  public GuestMemory mapGuestMemory(long address, long size, boolean shareFd, int spaceFlags) throws IOException {
    SharedMemory shm = SharedMemory.create("vfu4j-guest", size);
    GuestMemory g = new GuestMemory(address, shm, shareFd);
    if (spaceFlags == 0) {
      memory.add(g);
    }
    try {
      byte[] p = new DmaMap(DmaMessages.MAP_READ | DmaMessages.MAP_WRITE | spaceFlags, 0, address, size).encode();
      if (shareFd) {
        call(Command.DMA_MAP, p, shm.fileDescriptor());
      } else {
        call(Command.DMA_MAP, p);
      }
    } catch (IOException e) {
      memory.remove(g);
      g.close();
      throw e;
    }
    return g;
  }

  /** DMA_UNMAP of exactly this memory; the memory stays usable here. */
  public void unmap(GuestMemory g) throws IOException {
    call(Command.DMA_UNMAP, new DmaUnmap(24, 0, g.address(), g.size()).encode());
    memory.remove(g);
  }

  /** DMA_UNMAP with the unmap-all flag. */
  public void unmapAll() throws IOException {
    call(Command.DMA_UNMAP, new DmaUnmap(24, DmaMessages.UNMAP_ALL, 0, 0).encode());
    memory.clear();
  }

  /** Server DMA messages answered so far. */
  public long dmaRequestsServed() {
    return dmaServed.get();
  }

  /** While held, the server's DMA requests queue up unanswered (deadlock tests). */
  public void holdDmaRequests(boolean hold) {
    holdDma = hold;
    if (!hold) {
      for (Runnable r; (r = heldDma.poll()) != null; ) {
        r.run();
      }
    }
  }

  /** Number of server DMA requests waiting while held. */
  public int heldDmaRequests() {
    return heldDma.size();
  }

  // ---------------------------------------------------------------------------------------------
  // Raw access for malformed-message tests

  /** Sends bytes as they are, with fds. */
  public void sendRaw(byte[] bytes, FileDescriptor... fds) throws IOException {
    main.sendRaw(bytes, fds);
  }

  /** The next message no request waited for (a reply to {@link #sendRaw}), or null on timeout. */
  public Message receiveRaw(Duration timeout) throws InterruptedException {
    return unmatched.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Sends a command and waits for its reply; error replies become {@link VfioUserException}. */
  public Message call(Command command, byte[] payload, FileDescriptor... fds) throws IOException {
    int id = nextId();
    CompletableFuture<Message> reply = new CompletableFuture<>();
    pending.put(id, reply);
    try {
      if (readerGone) {
        throw new IOException(command + ": connection closed", readerEnd);
      }
      main.send(Header.command(id, command, payload.length, false), payload, fds);
      Message m = reply.get(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (m.header().isError()) {
        m.closeFds();
        throw new VfioUserException(command.name(), m.header().error());
      }
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for " + command, e);
    } catch (ExecutionException e) {
      throw new IOException(command + ": connection lost", e.getCause());
    } catch (TimeoutException e) {
      throw new IOException(command + ": no reply within " + REPLY_TIMEOUT, e);
    } finally {
      pending.remove(id);
    }
  }

  private int nextId() {
    return nextId.incrementAndGet() & 0xffff;
  }

  private interface Decoder<T> {
    T decode(byte[] payload) throws ProtocolException;
  }

  private static <T> T decode(Message m, Decoder<T> decoder) throws IOException {
    try {
      return decoder.decode(m.payload());
    } catch (ProtocolException e) {
      throw new IOException("bad reply: " + e.getMessage(), e);
    }
  }

  private Thread startReader(MessageChannel channel, String name) {
    Thread t = new Thread(() -> readLoop(channel), name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void readLoop(MessageChannel channel) {
    try {
      for (Message m; (m = channel.receive()) != null; ) {
        if (m.oversized()) {
          m.closeFds();
          throw new IOException("server message of " + Integer.toUnsignedString(m.header().size())
              + " bytes exceeds the receive limit");
        }
        if (m.header().isReply()) {
          CompletableFuture<Message> f = pending.remove(m.header().msgId());
          if (f == null || !f.complete(m)) {
            unmatched.add(m);
          }
        } else {
          serverCommand(channel, m);
        }
      }
    } catch (IOException e) {
      if (channel == main) {
        readerEnd = e;
      }
    } finally {
      // Flag first, then fail: a call() that registers its future after this loop has looked
      // sees the flag (see call), so no caller waits for a reply that can never come.
      if (channel == main) {
        readerGone = true;
      }
      IOException gone = new IOException("connection closed", readerEnd);
      pending.values().forEach(f -> f.completeExceptionally(gone));
    }
  }

  private void serverCommand(MessageChannel channel, Message m) {
    Header h = m.header();
    if (m.fds().length > 0) {
      m.closeFds();
      reply(channel, h.errorReply(Errno.EINVAL), new byte[0]);
      return;
    }
    serverCommands.merge(h.command(), 1, Integer::sum);
    ExtensionHandler ext = extension;
    Command command = Command.of(h.command());
    if (ext != null && negotiatedIommu != null && command != null && command.iommuExtension()) {
      Runnable serve = () -> ext.serve(channel, m);
      boolean dmaEx = command == Command.DMA_READ_EX || command == Command.DMA_WRITE_EX;
      if (holdDma && dmaEx) {
        heldDma.add(serve);
      } else {
        serve.run();
      }
      return;
    }
    if (h.command() != Command.DMA_READ.code() && h.command() != Command.DMA_WRITE.code()) {
      reply(channel, h.errorReply(Errno.ENOSYS), new byte[0]);
      return;
    }
    Runnable serve = () -> serveDma(channel, m);
    if (holdDma) {
      heldDma.add(serve);
    } else {
      serve.run();
    }
  }

  /**
   * Serves DMA_READ/DMA_WRITE from guest memory, in QEMU 10's layout (data at 12, empty DMA_WRITE
   * reply) when the options ask for it, else the spec's; a DMA_WRITE of exactly 12 + count bytes
   * is read as QEMU's either way. A count above this client's transfer size is refused with
   * E2BIG, as QEMU does.
   */
  private void serveDma(MessageChannel channel, Message m) {
    Header h = m.header();
    byte[] p = m.payload();
    boolean read = h.command() == Command.DMA_READ.code();
    boolean qemu = qemuLayout;
    if (p.length < 12) {
      reply(channel, h.errorReply(Errno.EINVAL), new byte[0]);
      return;
    }
    ByteBuffer b = Payload.wrap(p);
    long address = b.getLong(0);
    long count = qemu || p.length < 16 ? Integer.toUnsignedLong(b.getInt(8)) : b.getLong(8);
    DmaMessages.DmaTransfer t = null;
    if (!read) {
      try {
        t = DmaMessages.DmaTransfer.decode(p, Math.max(0, Math.min(count, p.length - 12)), qemu);
      } catch (ProtocolException e) {
        reply(channel, h.errorReply(Errno.EINVAL), new byte[0]);
        return;
      }
      if (t.data().length != count) {
        reply(channel, h.errorReply(Errno.E2BIG), new byte[0]);
        return;
      }
    }
    if (count > maxDataXferSize) {
      reply(channel, h.errorReply(Errno.E2BIG), new byte[0]);
      return;
    }
    GuestMemory g = memory.stream().filter(x -> x.contains(address, count)).findFirst().orElse(null);
    if (g == null || count > (1 << 26)) {
      reply(channel, h.errorReply(g == null ? Errno.ENODEV : Errno.E2BIG), new byte[0]);
      return;
    }
    MemorySegment seg = g.segment().asSlice(address - g.address(), count);
    if (read) {
      byte[] data = seg.toArray(ValueLayout.JAVA_BYTE);
      reply(channel, h.reply(0), new DmaMessages.DmaTransfer(address, count, data).encode(qemu));
    } else {
      MemorySegment.copy(t.data(), 0, seg, ValueLayout.JAVA_BYTE, 0, t.data().length);
      byte[] ack = qemu ? new byte[0] : DmaMessages.DmaTransfer.header(address, count).encode(false);
      reply(channel, h.reply(0), ack);
    }
    dmaServed.incrementAndGet();
  }

  static void reply(MessageChannel channel, Header header, byte[] payload) {
    try {
      channel.send(new Header(header.msgId(), header.command(), Header.SIZE + payload.length, header.flags(),
          header.error()), payload);
    } catch (IOException e) {
      // the server went
    }
  }

  /**
   * Closes the connection. The readers are woken with shutdown(2) and the sockets closed only once
   * they have left: a reader that reads again after the close reads the fd number's next owner
   * (in one JVM with a server, or a client opened right after, another connection's socket) and
   * steals its messages.
   */
  @Override
  public void close() {
    MessageChannel t = twin;
    main.shutdown();
    if (t != null) {
      t.shutdown();
    }
    twinFd.shutdown(); // wakes the twin reader: closing a cast socket does not
    boolean readersGone = awaitEnd(mainReader) & awaitEnd(twinReader);
    for (MessageChannel c : new MessageChannel[] {main, t}) {
      try {
        if (c != null && readersGone) {
          c.close();
        }
      } catch (IOException e) {
        // closing anyway
      }
    }
    memory.forEach(GuestMemory::close);
    memory.clear();
    twinFd.reapAfter(twinReader, java.time.Duration.ofSeconds(5));
  }

  /** Waits (bounded) for a reader to end; true when it has, or when it is the calling thread. */
  private static boolean awaitEnd(Thread reader) {
    if (reader == null || reader == Thread.currentThread()) {
      return true;
    }
    try {
      reader.join(java.time.Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !reader.isAlive();
  }
}
