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
 * {@code max_data_xfer_size}, all in flight at once. Replies are accepted in both layouts
 * (spec and QEMU); requests go out in the layout chosen for this client.
 */
public final class MessageDma implements DmaMessenger, IommuWire {
  private final PendingRequests pending;
  private final MessageChannel channel;
  private final long chunk;
  private final boolean qemuLayout;

  MessageDma(PendingRequests pending, MessageChannel channel, long chunk, boolean qemuLayout) {
    this.pending = pending;
    this.channel = channel;
    this.chunk = Math.max(1, chunk);
    this.qemuLayout = qemuLayout;
  }

  /** True when requests go out in QEMU's layout. */
  public boolean qemuLayout() {
    return qemuLayout;
  }

  /** Reads {@code length} bytes of guest memory at {@code address}. */
  @Override
  public CompletableFuture<byte[]> read(long address, int length) {
    List<CompletableFuture<byte[]>> parts = new ArrayList<>();
    for (long done = 0; done < length; done += chunk) {
      long at = address + done;
      int n = (int) Math.min(chunk, length - done);
      parts.add(pending.send(channel, Command.DMA_READ, DmaTransfer.header(at, n).encode(qemuLayout))
          .thenApply(reply -> readReply(reply, at, n, qemuLayout)));
    }
    return concat(parts, length);
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
    List<CompletableFuture<Message>> parts = new ArrayList<>();
    for (long done = 0; done < data.length; done += chunk) {
      int from = (int) done;
      int to = (int) Math.min(data.length, done + chunk);
      byte[] piece = Arrays.copyOfRange(data, from, to);
      parts.add(pending.send(channel, Command.DMA_WRITE,
          new DmaTransfer(address + from, piece.length, piece).encode(qemuLayout)));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
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
