package io.vfu4j.runtime.server;

import io.vfu4j.runtime.dma.DmaMessenger;
import io.vfu4j.runtime.dma.Space;
import io.vfu4j.runtime.iommu.IommuWire;
import io.vfu4j.runtime.protocol.IommuMessages;
import io.vfu4j.runtime.protocol.IommuMessages.AtsTranslate;
import io.vfu4j.runtime.protocol.IommuMessages.DmaEx;
import io.vfu4j.runtime.protocol.IommuMessages.PageRequest;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.DmaMessages.DmaTransfer;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.Payload;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.transport.Message;
import io.vfu4j.runtime.transport.MessageChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * DMA by message: DMA_READ/DMA_WRITE to the client, split into chunks of the client's
 * {@code max_data_xfer_size}, all in flight at once. Requests go out, and replies are read, in
 * the layout chosen for this client: the spec's, QEMU 10's, or, for a client whose VERSION
 * proposal is QEMU's, the one a probe finds before the first transfer ({@link #probeLayout}).
 */
public final class MessageDma implements DmaMessenger, IommuWire {
  /** The probe's count field: 4 as QEMU 10's u32, 4 GiB + 4 as the spec's u64. */
  static final long PROBE_COUNT = (1L << 32) | 4;

  private final System.Logger log;
  private final PendingRequests pending;
  private final MessageChannel channel;
  private final long chunk;
  private final boolean probe;
  /** True for QEMU 10's layout; set once, by the constructor or by the probe. */
  private volatile CompletableFuture<Boolean> layout;

  /**
   * @param qemuLayout QEMU 10's layout when true, the spec's when false, probed when null
   */
  MessageDma(PendingRequests pending, MessageChannel channel, long chunk, Boolean qemuLayout, System.Logger log) {
    this.log = log;
    this.pending = pending;
    this.channel = channel;
    this.chunk = Math.max(1, chunk);
    this.probe = qemuLayout == null;
    this.layout = probe ? null : CompletableFuture.completedFuture(qemuLayout);
  }

  /**
   * The layout requests use: QEMU 10's (true) or the spec's (false); probed with one DMA_READ at
   * {@code address} on first use when it was not fixed.
   */
  CompletableFuture<Boolean> layout(long address) {
    CompletableFuture<Boolean> known = layout;
    if (known != null) {
      return known;
    }
    synchronized (this) {
      if (layout == null) {
        layout = probeLayout(address);
      }
      return layout;
    }
  }

  /**
   * Tells QEMU 10's DMA layout (count u32, data at 12; QEMU 11 follows the spec) from the spec's,
   * which both QEMUs' VERSION proposals leave open. One DMA_READ whose count field is
   * {@link #PROBE_COUNT}: QEMU 10 reads a count of 4 and serves it, or fails the memory access
   * (EFAULT, ENODEV, EPERM); a spec-layout client reads 4 GiB + 4, beyond any transfer size, and
   * refuses it (QEMU 11: E2BIG). No guest memory is written either way.
   */
  private CompletableFuture<Boolean> probeLayout(long address) {
    byte[] request = Payload.allocate(16).putLong(address).putLong(PROBE_COUNT).array();
    return pending.send(channel, Command.DMA_READ, request).handle((reply, failure) -> {
      if (reply != null) {
        reply.closeFds();
        return true;
      }
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      return cause instanceof ProtocolException e
          && (e.errno() == Errno.EFAULT || e.errno() == Errno.ENODEV || e.errno() == Errno.EPERM);
    }).thenApply(qemu10 -> {
      log.log(System.Logger.Level.DEBUG, "DMA messages in {0} layout (by probe)", qemu10 ? "QEMU 10's" : "the spec's");
      return qemu10;
    });
  }

  /** Reads {@code length} bytes of guest memory at {@code address}. */
  @Override
  public CompletableFuture<byte[]> read(long address, int length) {
    return layout(address).thenCompose(qemuLayout -> {
      List<CompletableFuture<byte[]>> parts = new ArrayList<>();
      for (long done = 0; done < length; done += chunk) {
        long at = address + done;
        int n = (int) Math.min(chunk, length - done);
        parts.add(pending.send(channel, Command.DMA_READ, DmaTransfer.header(at, n).encode(qemuLayout))
            .thenApply(reply -> readReply(reply, at, n, qemuLayout)));
      }
      return concat(parts, length);
    });
  }

  /** The chunks' data in order, once every chunk has arrived. */
  private static CompletableFuture<byte[]> concat(List<CompletableFuture<byte[]>> parts, int length) {
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
      byte[] all = new byte[length];
      int off = 0;
      for (var p : parts) {
        byte[] b = p.join();
        System.arraycopy(b, 0, all, off, b.length);
        off += b.length;
      }
      return all;
    });
  }

  /** Writes {@code data} to guest memory at {@code address}. */
  @Override
  public CompletableFuture<Void> write(long address, byte[] data) {
    return layout(address).thenCompose(qemuLayout -> {
      List<CompletableFuture<Message>> parts = new ArrayList<>();
      for (long done = 0; done < data.length; done += chunk) {
        int from = (int) done;
        int to = (int) Math.min(data.length, done + chunk);
        byte[] piece = Arrays.copyOfRange(data, from, to);
        parts.add(pending.send(channel, Command.DMA_WRITE,
            new DmaTransfer(address + from, piece.length, piece).encode(qemuLayout)));
      }
      return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    });
  }

  // ---------------------------------------------------------------------------------------------
  // IOMMU extension (sent only after the client negotiated it)

  @Override
  public CompletableFuture<byte[]> translate(AtsTranslate request) {
    return pending.send(channel, Command.ATS_TRANSLATE, request.encode()).thenApply(reply -> {
      reply.closeFds();
      return reply.payload();
    });
  }

  @Override
  public CompletableFuture<Void> pageRequest(PageRequest request) {
    return pending.send(channel, Command.PRI_PAGE_REQUEST, request.encode()).thenApply(reply -> {
      reply.closeFds();
      return null;
    });
  }

  private static int exFlags(Space space) {
    return space.translated() ? IommuMessages.TRANSLATED : IommuMessages.PASID_VALID;
  }

  private static int exPasid(Space space) {
    return space.tagged() ? space.pasid() : IommuMessages.NO_PASID;
  }

  /** The no-PASID space by DMA_READ, every other space by DMA_READ_EX. */
  @Override
  public CompletableFuture<byte[]> read(Space space, long address, int length) {
    if (space.equals(Space.NONE)) {
      return read(address, length);
    }
    List<CompletableFuture<byte[]>> parts = new ArrayList<>();
    for (long done = 0; done < length; done += chunk) {
      DmaEx header = new DmaEx(address + done, Math.min(chunk, length - done), exFlags(space), exPasid(space),
          new byte[0]);
      parts.add(pending.send(channel, Command.DMA_READ_EX, header.encode()).thenApply(reply -> {
        reply.closeFds();
        return checkEcho(reply, header, header.count(), "DMA_READ_EX").data();
      }));
    }
    return concat(parts, length);
  }

  /** The no-PASID space by DMA_WRITE, every other space by DMA_WRITE_EX. */
  @Override
  public CompletableFuture<Void> write(Space space, long address, byte[] data) {
    if (space.equals(Space.NONE)) {
      return write(address, data);
    }
    List<CompletableFuture<Message>> parts = new ArrayList<>();
    for (long done = 0; done < data.length; done += chunk) {
      byte[] piece = Arrays.copyOfRange(data, (int) done, (int) Math.min(data.length, done + chunk));
      DmaEx request = new DmaEx(address + done, piece.length, exFlags(space), exPasid(space), piece);
      parts.add(pending.send(channel, Command.DMA_WRITE_EX, request.encode()).thenApply(reply -> {
        reply.closeFds();
        checkEcho(reply, request.header(), 0, "DMA_WRITE_EX");
        return reply;
      }));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
  }

  /** The reply must echo the 24-byte header unchanged (§4.3). */
  private static DmaEx checkEcho(Message reply, DmaEx header, long dataBytes, String what) {
    try {
      DmaEx echo = DmaEx.decode(reply.payload(), dataBytes, 20, what + " reply");
      if (echo.addr() != header.addr() || echo.count() != header.count() || echo.flags() != header.flags()
          || echo.pasid() != header.pasid()) {
        throw new ProtocolException(Errno.EPROTO, what + " reply does not echo the request header");
      }
      return echo;
    } catch (ProtocolException e) {
      throw new CompletionException(e);
    }
  }

  private static byte[] readReply(Message reply, long address, int count, boolean qemuLayout) {
    reply.closeFds();
    try {
      DmaTransfer t = DmaTransfer.decode(reply.payload(), count, qemuLayout);
      if (t.address() != address || t.count() != count) {
        throw new ProtocolException(Errno.EPROTO, "DMA_READ reply for " + t.count() + " bytes at 0x"
            + Long.toHexString(t.address()) + ", asked " + count + " at 0x" + Long.toHexString(address));
      }
      return t.data();
    } catch (ProtocolException e) {
      throw new CompletionException(e);
    }
  }
}
