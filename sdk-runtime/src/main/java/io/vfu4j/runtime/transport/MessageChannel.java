package io.vfu4j.runtime.transport;

import io.vfu4j.runtime.protocol.FramingException;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.sys.Native;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketExtensions;

/**
 * Framed vfio-user messages on one UNIX stream socket, with fds both ways. One thread reads;
 * any thread may send (sends are serialised by a lock so messages never interleave). fds travel
 * with the first bytes of their message.
 */
public final class MessageChannel implements Closeable {
  /** Room for far more fds than any peer may send, so excess fds arrive and can be closed. */
  private static final int ANCILLARY_BUFFER = 4096;

  private final AFUNIXSocketExtensions fdio;
  private final InputStream in;
  private final OutputStream out;
  private final Closeable socket;
  private final ReentrantLock writeLock = new ReentrantLock();
  private volatile long maxPayload;

  private MessageChannel(AFUNIXSocketExtensions fdio, InputStream in, OutputStream out, Closeable socket,
      long maxPayload) {
    this.fdio = fdio;
    this.in = in;
    this.out = out;
    this.socket = socket;
    this.maxPayload = maxPayload;
  }

  /** Wraps a connected socket; a header announcing more than {@code maxPayload} bytes ends the stream. */
  public static MessageChannel of(AFUNIXSocket socket, long maxPayload) throws IOException {
    socket.ensureAncillaryReceiveBufferSize(ANCILLARY_BUFFER);
    return new MessageChannel(socket, socket.getInputStream(), socket.getOutputStream(), socket, maxPayload);
  }

  /** Wraps a connected blocking channel (one end of a twin socket pair). */
  public static MessageChannel of(AFUNIXSocketChannel channel, long maxPayload) throws IOException {
    // Plain streams of the channel's socket: Channels.newInputStream/newOutputStream would share
    // the channel's blocking lock between the reading and the writing thread.
    channel.configureBlocking(true);
    return of((AFUNIXSocket) channel.socket(), maxPayload);
  }

  /** Changes the receive limit (after VERSION negotiated it). */
  public void maxPayload(long bytes) {
    this.maxPayload = bytes;
  }

  /**
   * Reads the next message. Returns null when the peer closed the stream between messages.
   *
   * @throws FramingException the stream broke mid-message or carried a header that cannot be trusted
   */
  public Message receive() throws IOException {
    byte[] head = new byte[Header.SIZE];
    int got = readFully(head, 0, head.length, true);
    if (got == 0) {
      return null;
    }
    FileDescriptor[] fds = takeFds();
    Header header;
    try {
      header = Header.decode(head);
    } catch (FramingException e) {
      Fds.close(fds);
      throw e;
    }
    long payloadSize = header.payloadSize();
    try {
      if (payloadSize > maxPayload) {
        // Not read, not skipped: a header may announce 4 GiB that never come, and waiting for them
        // would leave the sender without an answer. The caller replies and ends the stream.
        return new Message(header, new byte[0], fds, true);
      }
      byte[] payload = new byte[(int) payloadSize];
      readFully(payload, 0, payload.length, false);
      return new Message(header, payload, concat(fds, takeFds()), false);
    } catch (IOException e) {
      Fds.close(fds);
      throw e;
    }
  }

  /** Sends one message; {@code fds} go with its first bytes. */
  public void send(Header header, byte[] payload, FileDescriptor... fds) throws IOException {
    byte[] bytes = Arrays.copyOf(header.encode(), Header.SIZE + payload.length);
    System.arraycopy(payload, 0, bytes, Header.SIZE, payload.length);
    sendRaw(bytes, fds);
  }

  /** Sends bytes as they are (malformed-message tests use it too). */
  public void sendRaw(byte[] bytes, FileDescriptor... fds) throws IOException {
    writeLock.lock();
    try {
      if (fds != null && fds.length > 0) {
        fdio.setOutboundFileDescriptors(fds);
      }
      out.write(bytes);
      out.flush();
    } finally {
      writeLock.unlock();
    }
  }

  /** Reads raw bytes (tests: what a peer sent, without framing). Returns -1 at end of stream. */
  public int readRaw(byte[] buf) throws IOException {
    return in.read(buf);
  }

  private int readFully(byte[] buf, int off, int len, boolean eofAtStartIsClean) throws IOException {
    int done = 0;
    while (done < len) {
      int n;
      try {
        n = in.read(buf, off + done, len - done);
      } catch (EOFException e) {
        n = -1;
      }
      if (n < 0) {
        if (done == 0 && eofAtStartIsClean) {
          return 0;
        }
        throw new FramingException("peer closed the stream mid-message after " + done + " of " + len + " bytes");
      }
      done += n;
    }
    return done;
  }

  /**
   * The fds received so far, as copies that belong to the caller alone. junixsocket (2.11.1)
   * remembers each fd it hands out and closes every one still marked valid when the socket
   * closes. Our owners (DMA mappings, eventfds) hold fds by number and close them by number, which
   * leaves junixsocket's FileDescriptor marked valid: the disconnect then closed a number we had
   * closed long ago (by then naming another file, in a fuzz run the next client's socket) or one
   * we still held (closed again later). So each fd is duplicated and junixsocket's copy closed
   * through its FileDescriptor, which also makes junixsocket forget it. A copy that cannot be
   * made (EMFILE) leaves an invalid FileDescriptor in its slot, which every consumer refuses.
   */
  private FileDescriptor[] takeFds() throws IOException {
    FileDescriptor[] received = fdio.getReceivedFileDescriptors();
    if (received == null || received.length == 0) {
      return new FileDescriptor[0];
    }
    FileDescriptor[] ours = new FileDescriptor[received.length];
    for (int i = 0; i < received.length; i++) {
      try {
        ours[i] = Native.fileDescriptor(Native.dup(Native.fdNumber(received[i])));
      } catch (IOException e) {
        ours[i] = new FileDescriptor(); // invalid: refused like a bad fd
      } finally {
        Fds.close(received[i]);
      }
    }
    return ours;
  }

  private static FileDescriptor[] concat(FileDescriptor[] a, FileDescriptor[] b) {
    if (b.length == 0) {
      return a;
    }
    FileDescriptor[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /**
   * Ends our sending side (shutdown(2) SHUT_WR): the peer reads what was sent, then end of stream.
   * Used before closing a connection whose input cannot be trusted any more.
   */
  public void shutdownOutput() {
    writeLock.lock();
    try {
      if (socket instanceof AFUNIXSocket s && !s.isClosed()) {
        s.shutdownOutput();
      }
    } catch (IOException e) {
      // already gone
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Reads and drops whatever the peer still sends, until it closes or {@code patience} has
   * passed. Closing a UNIX socket with unread data makes the peer's next read fail with
   * ECONNRESET, which can cost it replies it has not read yet; after {@link #shutdownOutput()} a
   * client sees the end of our stream and closes, so this usually returns at once.
   */
  public void drainUntilClosed(java.time.Duration patience) {
    if (!(socket instanceof AFUNIXSocket s)) {
      return;
    }
    long deadline = System.nanoTime() + patience.toNanos();
    byte[] sink = new byte[64 * 1024];
    try {
      for (long left; (left = deadline - System.nanoTime()) > 0; ) {
        s.setSoTimeout((int) Math.max(1, left / 1_000_000));
        if (in.read(sink) < 0) {
          return;
        }
        Fds.close(takeFds());
      }
    } catch (IOException e) {
      // timed out, reset, or closed: nothing more to drain
    }
  }

  /**
   * shutdown(2) both ways, from any thread: a thread blocked in {@link #receive()} wakes with end
   * of stream, and the fd number stays allocated until {@link #close()}.
   */
  public void shutdown() {
    try {
      if (socket instanceof AFUNIXSocket s && !s.isClosed()) {
        Native.shutdownQuietly(Native.fdNumber(s.getFileDescriptor()));
      }
    } catch (IOException e) {
      // already closed
    }
  }

  /**
   * Closes the socket. Only once no thread can call {@link #receive()} any more (wake the reader
   * with {@link #shutdown()} and let it leave first): a reader that enters read(2) after the close
   * reads whatever file the kernel gave the number to next, e.g. the next connection's socket, and
   * steals its messages.
   */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}
