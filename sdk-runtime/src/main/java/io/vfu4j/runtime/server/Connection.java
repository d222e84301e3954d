package io.vfu4j.runtime.server;

import io.vfu4j.runtime.protocol.Capabilities;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.iommu.IommuCaps;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.protocol.IommuOffer;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.protocol.Version;
import io.vfu4j.runtime.transport.Message;
import io.vfu4j.runtime.sys.Native;
import io.vfu4j.runtime.transport.MessageChannel;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * One client from VERSION to disconnect. The calling (platform) thread is the reader: it frames
 * messages, completes pending server requests with their replies, and queues each command on
 * the device thread in arrival order. It never waits for the device or for a server request.
 */
final class Connection {
  /** Our own receive limit for fds in one message, advertised as max_msg_fds. */
  static final int MAX_MSG_FDS = 16;
  /**
   * Largest fixed part in front of data in any message (DMA_READ_EX reply, DMA_WRITE_EX: 24; region
   * access and DMA_READ/WRITE: 16). A message may carry this plus max_data_xfer_size bytes.
   */
  private static final int DATA_HEADER = 24;

  /** How long a connection we end waits for the client to close its side (see refuseOversized). */
  private static final java.time.Duration LINGER = java.time.Duration.ofSeconds(2);

  private final DeviceHost host;
  private final ServerOptions options;
  private final AFUNIXSocket socket;
  private final System.Logger log;
  private final PendingRequests pending;
  private volatile MessageChannel main;
  private volatile MessageChannel twin;
  private volatile Thread twinReader;
  private final io.vfu4j.runtime.transport.SocketFdReaper twinFds = new io.vfu4j.runtime.transport.SocketFdReaper();
  private CommandHandler handler;

  Connection(DeviceHost host, ServerOptions options, AFUNIXSocket socket) {
    this.host = host;
    this.options = options;
    this.socket = socket;
    this.log = host.log();
    this.pending = new PendingRequests(options.requestTimeout());
  }

  /** Serves the client until it goes, then resets the device for the next one. */
  void serve() {
    try {
      main = MessageChannel.of(socket, options.maxDataXferSize() + DATA_HEADER);
      if (negotiate()) {
        readLoop(main, true);
      }
    } catch (IOException e) {
      log.log(Level.INFO, "client connection ended: {0}", e.getMessage());
    } finally {
      pending.failAll();
      wake();
      closeAll(main, socket); // this thread was their reader
      awaitDevice(host::clientLost);
      // the twin socket only once its reader has left: see MessageChannel.close
      Thread t = twinReader;
      if (t != null) {
        try {
          t.join(java.time.Duration.ofSeconds(5));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (!t.isAlive()) {
          closeAll(twin);
        }
      }
      twinFds.reapAfter(twinReader, java.time.Duration.ofSeconds(5));
    }
  }

  /**
   * Wakes the readers (shutdown(2): they see end of stream and leave their loops), from any
   * thread. Nothing is closed here: a reader between two reads would otherwise read whatever the
   * kernel handed the number to next.
   */
  void wake() {
    // A client that keeps its twin end open would otherwise keep that reader (and the next
    // client's accept) waiting.
    twinFds.shutdown();
    for (MessageChannel c : new MessageChannel[] {main, twin}) {
      if (c != null) {
        c.shutdown();
      }
    }
    if (main == null) { // not wrapped yet (closing before the first read)
      try {
        Native.shutdownQuietly(Native.fdNumber(socket.getFileDescriptor()));
      } catch (IOException e) {
        // already closed
      }
    }
  }

  private static void closeAll(java.io.Closeable... closeables) {
    for (var c : closeables) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  private boolean negotiate() throws IOException {
    Message first = main.receive();
    if (first == null) {
      return false;
    }
    Header h = first.header();
    try {
      if (!h.isCommand() || h.command() != Command.VERSION.code()) {
        throw ProtocolException.invalid("first message must be VERSION, not command " + h.command());
      }
      if (first.fds().length > 0) {
        throw ProtocolException.invalid("VERSION must not carry file descriptors");
      }
      if (first.oversized()) {
        throw new ProtocolException(Errno.E2BIG, "VERSION too large");
      }
      Version proposal = Version.decode(first.payload());
      if (proposal.major() != 0) {
        throw ProtocolException.invalid("major version " + proposal.major() + " is not supported (only 0)");
      }
      if ((proposal.capabilities().pgsizes() & 4096) == 0) {
        throw ProtocolException.invalid("client pgsizes lack 4 KiB pages");
      }
      reply(proposal, h);
      return true;
    } catch (ProtocolException e) {
      first.closeFds();
      log.log(Level.WARNING, "refusing client: {0}", e.getMessage());
      if (h.isCommand() && !h.noReply()) {
        main.send(h.errorReply(e.errno()), new byte[0]);
      }
      return false;
    }
  }

  private void reply(Version proposal, Header request) throws IOException {
    Capabilities client = proposal.capabilities();
    Capabilities ours = new Capabilities(MAX_MSG_FDS, options.maxDataXferSize(), Capabilities.DEFAULT_MAX_DMA_MAPS,
        Capabilities.DEFAULT_PGSIZES, false, -1, client.writeMultiple(), client.migration(),
        client.migration() ? 4096 : 0, 0);
    FileDescriptor[] fds = new FileDescriptor[0];
    int[] pair = null;
    if (client.twinSocket() && options.twinSocket() && client.maxMsgFds() > 0) {
      // A native socketpair: junixsocket 2.11.1's AFUNIXSocketPair leaves two sockets open per call.
      pair = Native.socketPair();
      FileDescriptor ourEnd = Native.fileDescriptor(pair[0]);
      twinFds.track(ourEnd);
      twin = MessageChannel.of(FileDescriptorCast.using(ourEnd).as(AFUNIXSocket.class),
          options.maxDataXferSize() + DATA_HEADER);
      fds = new FileDescriptor[] {Native.fileDescriptor(pair[1])};
      ours = ours.withTwinSocket(true, 0);
    }
    // IOMMU extension: a subset of the offer, limited to what the device's capabilities allow (§3).
    IommuCaps caps = host.iommuDma().caps();
    IommuOffer accepted = client.iommu() == null ? null : client.iommu().accept(caps.ats(), caps.pri(),
        caps.maxPasidWidth());
    ours = ours.withIommu(accepted);
    Version answer = new Version(0, Math.min(proposal.minor(), 0), ours);
    byte[] payload = answer.encode();
    try {
      main.send(request.reply(payload.length), payload, fds);
    } finally {
      if (pair != null) {
        // The client has its own copy now; a plain close(2) (no shutdown) leaves that one working.
        Native.closeQuietly(pair[1]);
      }
    }
    if (pair != null) {
      Thread t = new Thread(() -> {
        try {
          readLoop(twin, false);
        } catch (IOException e) {
          log.log(Level.DEBUG, "twin socket ended: {0}", e.getMessage());
        }
      }, "vfu4j-twin-reader");
      t.setDaemon(true);
      twinReader = t;
      t.start();
    }
    Boolean qemu = switch (options.dmaLayout()) {
      case SPEC -> false;
      case QEMU -> true;
      case AUTO -> client.looksLikeQemu() ? null : false; // QEMU 10 or 11: probed on first use
    };
    handler = new CommandHandler(host, options.maxDataXferSize(), client.maxDataXferSize(), accepted,
        this::sendLater);
    MessageDma dma = new MessageDma(pending, twin != null ? twin : main,
        Math.min(client.maxDataXferSize(), options.maxDataXferSize()), qemu, log);
    awaitDevice(() -> {
      host.dma().setMessenger(dma);
      host.iommuDma().connected(accepted, dma, dma);
    });
  }

  /** Reads until end of stream; on the twin socket only replies are expected. */
  private void readLoop(MessageChannel channel, boolean commands) throws IOException {
    while (true) {
      Message m = channel.receive();
      if (m == null) {
        return;
      }
      Header h = m.header();
      if (m.oversized()) {
        refuseOversized(channel, m, commands);
        return;
      }
      if (h.isReply()) {
        if (!pending.complete(m)) {
          m.closeFds();
          log.log(Level.WARNING, "reply {0} matches no request of ours; dropped", h.msgId());
        }
        continue;
      }
      if (!commands) {
        m.closeFds();
        refuseNow(channel, h, new ProtocolException(Errno.EINVAL, "commands are not accepted on the twin socket"));
        continue;
      }
      dispatch(m);
    }
  }

  private void dispatch(Message m) throws IOException {
    Header h = m.header();
    Command command = Command.of(h.command());
    ProtocolException early = null;
    if (command == null) {
      early = new ProtocolException(Errno.ENOSYS, "unknown command " + h.command());
    } else if ((h.flags() & Header.RESERVED) != 0 || h.isError() || h.error() != 0) {
      early = ProtocolException.invalid("command " + command + " with reserved header bits set");
    }
    if (early != null) {
      m.closeFds();
      log.log(Level.DEBUG, "refused: {0}", early.getMessage());
      if (!h.noReply()) {
        main.send(h.errorReply(early.errno()), new byte[0]);
      }
      return;
    }
    try {
      host.executor().execute(() -> serveOnDevice(command, m));
    } catch (RejectedExecutionException e) {
      m.closeFds();
      throw new IOException("server is closing");
    }
  }

  /**
   * A header announced more than we accept: its payload is not read (it may never come), so the
   * stream cannot be followed any further. A command gets E2BIG at once, after the replies of the
   * commands before it (so it goes through the device thread), then the connection ends: our side
   * is shut for writing first, so the client reads every reply before end of stream, and what it
   * still sends is read and dropped until it closes (at most {@link #LINGER}): closing with unread
   * data would reset the client's socket before it has read our replies. A twin-socket reader ends
   * the whole connection.
   */
  private void refuseOversized(MessageChannel channel, Message m, boolean mainSocket) {
    m.closeFds();
    Header h = m.header();
    log.log(Level.WARNING, "message of {0} bytes exceeds the limit of {1}: closing the connection",
        Integer.toUnsignedString(h.size()), options.maxDataXferSize() + DATA_HEADER + Header.SIZE);
    // Through the device thread even without a refusal to send: the replies of the commands
    // queued before this message go out before our side is shut.
    Header refusal = h.isCommand() && !h.noReply() ? h.errorReply(Errno.E2BIG) : null;
    awaitDevice(() -> {
      if (refusal != null) {
        sendOn(channel, refusal);
      }
    });
    channel.shutdownOutput();
    channel.drainUntilClosed(LINGER);
    if (!mainSocket) {
      wake();
    }
  }

  private void sendOn(MessageChannel channel, Header header) {
    try {
      channel.send(header, new byte[0]);
    } catch (IOException e) {
      log.log(Level.DEBUG, "reply not sent, client gone: {0}", e.getMessage());
    }
  }

  private void serveOnDevice(Command command, Message m) {
    Header h = m.header();
    Reply reply;
    try {
      reply = handler.handle(command, m);
    } catch (ProtocolException e) {
      log.log(Level.DEBUG, "{0} refused: {1}", command, e.getMessage());
      sendOrLog(h.noReply() ? null : h.errorReply(e.errno()), new byte[0]);
      return;
    } catch (RuntimeException | InternalError | OutOfMemoryError e) {
      // Every command gets its reply, even when the handler fails in a way nobody planned for: an
      // executor swallows what escapes a task, and the client would wait for a reply forever.
      // InternalError is how HotSpot reports a SIGBUS in a copy from a memfd the client shrank.
      log.log(Level.WARNING, command + " failed in the device", e);
      int errno = e instanceof OutOfMemoryError ? Errno.ENOMEM : Errno.EIO;
      sendOrLog(h.noReply() ? null : h.errorReply(errno), new byte[0]);
      return;
    }
    if (!h.noReply() && reply != Reply.DEFERRED) {
      sendOrLog(h.reply(reply.payload().length), reply.payload(), reply.fds());
    }
  }

  /** A deferred reply (errno 0: success with {@code payload}), from any thread. */
  private void sendLater(Header h, int errno, byte[] payload) {
    if (!h.noReply()) {
      if (errno == 0) {
        sendOrLog(h.reply(payload.length), payload);
      } else {
        sendOrLog(h.errorReply(errno), new byte[0]);
      }
    }
  }

  private void sendOrLog(Header header, byte[] payload, FileDescriptor... fds) {
    if (header == null) {
      return;
    }
    try {
      main.send(header, payload, fds);
    } catch (IOException e) {
      log.log(Level.DEBUG, "reply not sent, client gone: {0}", e.getMessage());
    }
  }

  private static void refuseNow(MessageChannel channel, Header h, ProtocolException e) throws IOException {
    if (!h.noReply()) {
      channel.send(h.errorReply(e.errno()), new byte[0]);
    }
  }

  /** Runs {@code task} on the device thread and waits: only for setup and teardown, never per command. */
  private void awaitDevice(Runnable task) {
    try {
      host.executor().submit(task).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | RejectedExecutionException e) {
      log.log(Level.WARNING, "device task failed", e);
    }
  }
}
