package io.vfu4j.host;

import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.DmaMessages;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.protocol.IommuMessages;
import io.vfu4j.runtime.protocol.IommuMessages.AtsInvalidate;
import io.vfu4j.runtime.protocol.IommuMessages.AtsTranslate;
import io.vfu4j.runtime.protocol.IommuMessages.DmaEx;
import io.vfu4j.runtime.protocol.IommuMessages.PageRequest;
import io.vfu4j.runtime.protocol.IommuMessages.PageResponse;
import io.vfu4j.runtime.protocol.IommuMessages.Translation;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.transport.Message;
import io.vfu4j.runtime.transport.MessageChannel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The simulated VMM's virtual IOMMU for the IOMMU extension (docs/protocol-extension.md): page
 * tables per PASID that a test sets up, answers to ATS_TRANSLATE, service of DMA_READ_EX and
 * DMA_WRITE_EX from the translated space (and through the page tables for untranslated
 * accesses), page requests acknowledged at once and answered by a test-controlled policy, and
 * ATS_INVALIDATE. Attach it to a client that negotiated the extension.
 */
public final class VirtualIommu implements AutoCloseable {
  /** Page request handling: returns the response code, or null to leave the group unanswered. */
  public interface PagePolicy extends Function<PageRequest, Integer> {}

  private record Pte(long iova, long size, long taddr, int perm) {}

  private final VfioUserClient client;
  /** Page tables keyed by PASID, -1 for no PASID. */
  private final Map<Integer, TreeMap<Long, Pte>> tables = new ConcurrentHashMap<>();
  private final List<GuestMemory> translated = new CopyOnWriteArrayList<>();
  private final BlockingQueue<PageRequest> pageRequests = new LinkedBlockingQueue<>();
  private final BlockingQueue<AtsTranslate> translations = new LinkedBlockingQueue<>();
  private final AtomicInteger dmaEx = new AtomicInteger();
  private final ExecutorService responder = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "vfu4j-viommu-responder");
    t.setDaemon(true);
    return t;
  });
  private volatile PagePolicy policy = r -> null;
  private volatile int translateErrno;
  private volatile boolean holdTranslations;
  private final BlockingQueue<Runnable> heldTranslations = new LinkedBlockingQueue<>();

  /** Attaches to {@code client}, which serves extension commands through it from now on. */
  public VirtualIommu(VfioUserClient client) {
    this.client = client;
    client.extensionHandler(this::serve);
  }

  // ---------------------------------------------------------------------------------------------
  // Set-up by the test

  /**
   * Maps the translated space (DMA_MAP bit 9) at {@code address}; translations point into it.
   * With {@code shareFd} false the server reaches it only by DMA_READ_EX/DMA_WRITE_EX.
   */
  public GuestMemory mapTranslatedSpace(long address, long size, boolean shareFd) throws IOException {
    GuestMemory g = client.mapGuestMemory(address, size, shareFd, DmaMessages.FLAG_TRANSLATED);
    translated.add(g);
    return g;
  }

  /** Pushes a PASID-tagged DMA_MAP (the fork's model) of fresh memory. */
  public GuestMemory mapPasid(int pasid, long address, long size, boolean shareFd) throws IOException {
    return client.mapGuestMemory(address, size, shareFd,
        DmaMessages.FLAG_PASID_VALID | pasid << DmaMessages.PASID_SHIFT);
  }

  /** Makes {@code [iova, +size)} of PASID {@code pasid} (-1: none) present at {@code taddr} with R/W/U/G bits. */
  public void map(int pasid, long iova, long size, long taddr, int perm) {
    tables.computeIfAbsent(pasid, p -> new TreeMap<>(Long::compareUnsigned)).put(iova, new Pte(iova, size, taddr, perm));
  }

  /** Makes the pages starting at {@code iova} not present (the caller then invalidates the ATC). */
  public void unmap(int pasid, long iova) {
    TreeMap<Long, Pte> t = tables.get(pasid);
    if (t != null) {
      t.remove(iova);
    }
  }

  /** How page requests are answered (after the acknowledgement, from another thread). */
  public void pagePolicy(PagePolicy policy) {
    this.policy = policy;
  }

  /** Makes ATS_TRANSLATE fail with {@code errno} (0: answer normally). */
  public void failTranslations(int errno) {
    this.translateErrno = errno;
  }

  /**
   * While held, ATS_TRANSLATE replies are computed at once but not sent (to race them with
   * invalidations); releasing sends them in order.
   */
  public void holdTranslations(boolean hold) {
    holdTranslations = hold;
    if (!hold) {
      for (Runnable r; (r = heldTranslations.poll()) != null; ) {
        r.run();
      }
    }
  }

  /** ATS_TRANSLATE requests waiting while held. */
  public int heldTranslations() {
    return heldTranslations.size();
  }

  /** Page requests received (stop markers included), in order. */
  public BlockingQueue<PageRequest> pageRequests() {
    return pageRequests;
  }

  /** ATS_TRANSLATE requests received, in order. */
  public BlockingQueue<AtsTranslate> translations() {
    return translations;
  }

  /** DMA_READ_EX/DMA_WRITE_EX served. */
  public int dmaExServed() {
    return dmaEx.get();
  }

  // ---------------------------------------------------------------------------------------------
  // Client commands

  /** PRI_PAGE_RESPONSE; waits for the server's reply. */
  public void respond(int prgi, int pasid, int code) throws IOException {
    int flags = pasid >= 0 ? IommuMessages.PASID_VALID : 0;
    client.call(Command.PRI_PAGE_RESPONSE,
        new PageResponse(flags, pasid >= 0 ? pasid : IommuMessages.NO_PASID, prgi, code).encode());
  }

  /**
   * ATS_INVALIDATE, asynchronously: the future completes with the reply (the Invalidate
   * Completion) or fails with a {@link VfioUserException} (e.g. {@code EBUSY}).
   */
  public CompletableFuture<Void> invalidate(long addr, long size, int pasid, boolean global) {
    int flags = (pasid >= 0 ? IommuMessages.PASID_VALID : 0) | (global ? IommuMessages.GLOBAL : 0);
    byte[] p = new AtsInvalidate(addr, size, flags, pasid >= 0 ? pasid : IommuMessages.NO_PASID).encode();
    return CompletableFuture.runAsync(() -> {
      try {
        client.call(Command.ATS_INVALIDATE, p);
      } catch (IOException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Server commands (reader thread; never blocks)

  private void serve(MessageChannel channel, Message m) {
    Header h = m.header();
    try {
      switch (Command.of(h.command())) {
        case ATS_TRANSLATE -> translate(channel, h, AtsTranslate.decode(m.payload(), 20));
        case PRI_PAGE_REQUEST -> pageRequest(channel, h, PageRequest.decode(m.payload(), 20));
        case DMA_READ_EX -> dmaEx(channel, h, DmaEx.decode(m.payload(), 0, 20, "DMA_READ_EX"), true);
        case DMA_WRITE_EX -> dmaEx(channel, h, DmaEx.decode(m.payload(),
            Math.max(0, m.payload().length - DmaEx.HEADER), 20, "DMA_WRITE_EX"), false);
        default -> VfioUserClient.reply(channel, h.errorReply(Errno.ENOSYS), new byte[0]);
      }
    } catch (ProtocolException e) {
      VfioUserClient.reply(channel, h.errorReply(e.errno()), new byte[0]);
    }
  }

  private Pte lookup(int pasid, long address) {
    TreeMap<Long, Pte> t = tables.get(pasid);
    if (t == null) {
      return null;
    }
    var floor = t.floorEntry(address);
    return floor != null && Long.compareUnsigned(address - floor.getValue().iova, floor.getValue().size) < 0
        ? floor.getValue() : null;
  }

  private void translate(MessageChannel channel, Header h, AtsTranslate request) {
    translations.add(request);
    Header reply;
    byte[] payload;
    if (translateErrno != 0) {
      reply = h.errorReply(translateErrno);
      payload = new byte[0];
    } else {
      int pasid = (request.flags() & IommuMessages.PASID_VALID) != 0 ? request.pasid() : -1;
      Pte pte = lookup(pasid, request.addr());
      Translation t = pte == null ? new Translation(0, IommuMessages.PAGE, 0)
          : new Translation(pte.taddr, pte.size, pte.perm);
      reply = h.reply(Translation.SIZE);
      payload = t.encode();
    }
    // the answer reflects the page tables now, even when its sending is held back
    Runnable send = () -> VfioUserClient.reply(channel, reply, payload);
    if (holdTranslations) {
      heldTranslations.add(send);
    } else {
      send.run();
    }
  }

  private void pageRequest(MessageChannel channel, Header h, PageRequest request) {
    pageRequests.add(request);
    VfioUserClient.reply(channel, h.reply(0), new byte[0]); // acknowledge at once (§4.4)
    if (request.stopMarker()) {
      return;
    }
    responder.execute(() -> {
      Integer code = policy.apply(request);
      if (code != null) {
        try {
          respond(request.prgi(), (request.flags() & IommuMessages.PASID_VALID) != 0 ? request.pasid() : -1, code);
        } catch (IOException e) {
          // the server refused or went; the test sees it through the device
        }
      }
    });
  }

  private void dmaEx(MessageChannel channel, Header h, DmaEx request, boolean read) {
    long address = request.addr();
    if ((request.flags() & IommuMessages.TRANSLATED) == 0) {
      Pte pte = lookup((request.flags() & IommuMessages.PASID_VALID) != 0 ? request.pasid() : -1, address);
      if (pte == null || (pte.perm & (read ? IommuMessages.R : IommuMessages.W)) == 0) {
        VfioUserClient.reply(channel, h.errorReply(Errno.EFAULT), new byte[0]);
        return;
      }
      address = pte.taddr + (address - pte.iova);
    }
    long at = address;
    GuestMemory g = translated.stream().filter(x -> x.contains(at, request.count())).findFirst().orElse(null);
    if (g == null || (!read && request.data().length != request.count())) {
      VfioUserClient.reply(channel, h.errorReply(g == null ? Errno.ENODEV : Errno.EINVAL), new byte[0]);
      return;
    }
    MemorySegment seg = g.segment().asSlice(at - g.address(), request.count());
    byte[] data = new byte[0];
    if (read) {
      data = seg.toArray(ValueLayout.JAVA_BYTE);
    } else {
      MemorySegment.copy(request.data(), 0, seg, ValueLayout.JAVA_BYTE, 0, request.data().length);
    }
    byte[] reply = new DmaEx(request.addr(), request.count(), request.flags(), request.pasid(), data).encode();
    dmaEx.incrementAndGet();
    VfioUserClient.reply(channel, h.reply(reply.length), reply);
  }

  @Override
  public void close() {
    responder.shutdownNow();
  }
}
