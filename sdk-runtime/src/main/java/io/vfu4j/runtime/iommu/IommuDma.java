package io.vfu4j.runtime.iommu;

import io.vfu4j.api.Dma;
import io.vfu4j.api.DmaException;
import io.vfu4j.api.DmaSpace;
import io.vfu4j.api.PageFaultException;
import io.vfu4j.runtime.dma.DmaEngine;
import io.vfu4j.runtime.dma.DmaMessenger;
import io.vfu4j.runtime.dma.Mapping;
import io.vfu4j.runtime.dma.Space;
import io.vfu4j.runtime.pci.ConfigSpace;
import io.vfu4j.runtime.pci.IommuEnables;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.IommuMessages;
import io.vfu4j.runtime.protocol.IommuMessages.AtsInvalidate;
import io.vfu4j.runtime.protocol.IommuMessages.AtsTranslate;
import io.vfu4j.runtime.protocol.IommuMessages.PageRequest;
import io.vfu4j.runtime.protocol.IommuMessages.Translation;
import io.vfu4j.runtime.protocol.IommuOffer;
import io.vfu4j.runtime.protocol.ProtocolException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * The IOMMU-aware DMA of one device (docs/protocol-extension.md): address spaces per PASID on top
 * of {@link DmaEngine}'s per-space mapping tables, the ATS translation cache, PRI page request
 * groups, and the two modes: <em>wire</em> (the client negotiated the extension: ATS_TRANSLATE,
 * PRI_PAGE_REQUEST, DMA_*_EX) and <em>local</em> (no extension, QEMU upstream: translations and
 * page requests answered from the no-PASID DMA_MAP table, §11, nothing on the wire).
 *
 * <p>State changes (enables, resets, client commands) run on the device thread; accesses may
 * start on any thread and continue on the device thread.
 */
public final class IommuDma implements Dma {
  /** Retranslations after a page request or a stale reply, before an access gives up. */
  private static final int MAX_RETRIES = 4;

  private final DmaEngine engine;
  private final ConfigSpace config;
  private final DeviceThread device;
  private final IommuCaps caps;
  private final Atc atc = new Atc();
  private final PageRequests pri;
  private volatile IommuOffer negotiated;
  private volatile IommuWire wire;
  private volatile DmaMessenger messenger;
  private volatile IommuEnables enables = IommuEnables.DISABLED;
  /** Memory accesses, DMA messages and translation requests started and not finished. */
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  /** Run once nothing is in flight and no invalidation is pending; device thread only. */
  private final java.util.List<Runnable> quietWaiters = new java.util.ArrayList<>();
  /** Migration has stopped the device: no new DMA (vfio migration STOP). */
  private volatile boolean quiesced;

  public IommuDma(DmaEngine engine, ConfigSpace config, Executor device, Predicate<Thread> isDeviceThread) {
    this.engine = engine;
    this.config = config;
    this.device = new DeviceThread(device, isDeviceThread);
    this.caps = IommuCaps.of(config.template());
    this.pri = new PageRequests(new PageRequests.Status() {
      @Override
      public void requestsOutstanding(boolean outstanding) {
        config.setPriRequestsOutstanding(outstanding);
      }

      @Override
      public void responseFailure() {
        config.setPriResponseFailure();
      }

      @Override
      public void unexpectedGroupIndex() {
        config.setPriUnexpectedGroupIndex();
      }
    }, caps.priCapacity());
    pri.setSender(this::localPageRequest);
    pri.setAbandonedDelivery(this.device::run);
    engine.setUnmapListener(this::unmapped);
    config.addListener(new ConfigSpace.Listener() {
      @Override
      public void priReset() {
        pri.abandon("PRI reset");
      }
    });
  }

  /** The capability facts of the device. */
  public IommuCaps caps() {
    return caps;
  }

  /** The cache (tests and diagnostics). */
  public Atc atc() {
    return atc;
  }

  // ---------------------------------------------------------------------------------------------
  // Connection and config events (device thread)

  /**
   * A client negotiated: {@code offer} is what the server accepted (null: extension off, local
   * mode), {@code wire} and {@code messenger} reach the client.
   */
  public void connected(IommuOffer offer, IommuWire wire, DmaMessenger messenger) {
    this.negotiated = offer;
    this.wire = offer == null ? null : wire;
    this.messenger = messenger;
    engine.setReplaceProtection(offer != null);
    pri.setSender(offer != null && offer.pri() ? this::wirePageRequest : this::localPageRequest);
  }

  /** The extension as negotiated, null when off. */
  public IommuOffer negotiated() {
    return negotiated;
  }

  /** The client went: ATC emptied, groups retired (their work fails), back to local mode. */
  public void clientLost() {
    atc.flush(s -> true);
    pri.clientLost();
    connected(null, null, null);
  }

  /** FLR, PM reset, DEVICE_RESET: ATC emptied, outstanding translations stale, groups retired. */
  public void deviceReset() {
    atc.flush(s -> true);
    pri.abandon("device reset");
  }

  /** The guest changed ATS/PRI/PASID enables (resets included). */
  public void enablesChanged(IommuEnables now) {
    IommuEnables before = enables;
    enables = now;
    if (before.atsEnabled() && !now.atsEnabled()) {
      atc.flush(s -> true);
    }
    if (before.pasidEnabled() && !now.pasidEnabled()) {
      atc.flush(Space::tagged);
    }
    pri.enable(now.priEnabled() && caps.pri(), now.priAllocation());
  }

  private void unmapped(Space space, long first, long last) {
    if (space.translated()) {
      atc.dropTranslated(first, last);
    } else if (negotiated == null && space.equals(Space.NONE)) {
      // local mode: DMA_UNMAP is the invalidation (§11)
      atc.invalidate(-1, false, first, last, Integer.MAX_VALUE, thenCheckQuiet(() -> {}));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Client commands (device thread)

  /** ATS_INVALIDATE: removal now; {@code completion} runs when the removed entries drained. */
  public Atc.InvalidateOutcome invalidate(AtsInvalidate inv, Runnable completion) {
    return atc.invalidate(inv.pasidValid() ? inv.pasid() : -1, inv.global() && caps.globalInvalidate(),
        inv.addr(), inv.last(), caps.invalidateQueueDepth(), thenCheckQuiet(completion));
  }

  // ---------------------------------------------------------------------------------------------
  // Quiescence: migration STOP, DEVICE_RESET and FLR report done only when nothing is in flight

  /**
   * Runs {@code done} on the device thread once no access, DMA message or translation request of
   * the device is in flight and no invalidation completion is pending (their completions are sent
   * before {@code done} runs). Call on the device thread after whatever stops new DMA (Bus Master
   * Enable cleared by a reset, {@link #quiesce}); message DMA ends at the latest with the request
   * timeout. Page request groups waiting for the client do not count (§8: they stay outstanding).
   */
  public void whenQuiet(Runnable done) {
    quietWaiters.add(done);
    checkQuiet();
  }

  /** Migration left RUNNING ({@code true}) or came back: no new DMA while stopped. */
  public void quiesce(boolean stopped) {
    this.quiesced = stopped;
  }

  /** Accesses in flight (tests, diagnostics). */
  public int inFlight() {
    return inFlight.get();
  }

  private void checkQuiet() {
    if (!device.isCurrent()) {
      device.run(this::checkQuiet);
      return;
    }
    if (quietWaiters.isEmpty() || inFlight.get() > 0 || atc.outstandingInvalidations() > 0) {
      return;
    }
    var ready = java.util.List.copyOf(quietWaiters);
    quietWaiters.clear();
    ready.forEach(Runnable::run);
  }

  private Runnable thenCheckQuiet(Runnable completion) {
    return () -> {
      completion.run();
      checkQuiet();
    };
  }

  /** Counts {@code operation} as in flight until its future completes; refused while quiesced. */
  private <T> CompletableFuture<T> tracked(long address, java.util.function.Supplier<CompletableFuture<T>> operation) {
    if (quiesced) {
      return CompletableFuture.failedFuture(new DmaException(address, "device stopped for migration: no DMA"));
    }
    inFlight.incrementAndGet();
    CompletableFuture<T> f;
    try {
      f = operation.get();
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((v, e) -> {
      if (inFlight.decrementAndGet() == 0) {
        checkQuiet();
      }
    });
    return f;
  }

  /** A blocking plain access, counted while it runs. */
  private interface Blocking {
    void run() throws DmaException;
  }

  private void trackedNow(long address, Blocking access) throws DmaException {
    if (quiesced) {
      throw new DmaException(address, "device stopped for migration: no DMA");
    }
    inFlight.incrementAndGet();
    try {
      access.run();
    } finally {
      if (inFlight.decrementAndGet() == 0) {
        checkQuiet();
      }
    }
  }

  /** PRI_PAGE_RESPONSE. @throws ProtocolException ENOENT for no such group (UPRGI is set) */
  public void pageResponse(IommuMessages.PageResponse r) throws ProtocolException {
    if (!pri.respond(r.prgi(), r.pasidValid() ? r.pasid() : -1, r.code())) {
      throw new ProtocolException(Errno.ENOENT, "PRI_PAGE_RESPONSE: no outstanding group " + r.prgi());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Dma: plain accesses of pushed no-PASID mappings, unchanged

  @Override
  public void read(long address, MemorySegment dst) throws DmaException {
    trackedNow(address, () -> engine.read(address, dst));
  }

  @Override
  public void write(long address, MemorySegment src) throws DmaException {
    trackedNow(address, () -> engine.write(address, src));
  }

  @Override
  public CompletionStage<Void> readAsync(long address, MemorySegment dst) {
    return tracked(address, () -> engine.readAsync(address, dst).toCompletableFuture());
  }

  @Override
  public CompletionStage<Void> writeAsync(long address, MemorySegment src) {
    return tracked(address, () -> engine.writeAsync(address, src).toCompletableFuture());
  }

  @Override
  public DmaSpace untagged() {
    return new SpaceDma(Space.NONE);
  }

  @Override
  public DmaSpace space(int pasid) {
    return new SpaceDma(Space.pasid(pasid));
  }

  // ---------------------------------------------------------------------------------------------
  // Resolution: pushed mapping → ATC → ATS_TRANSLATE (→ PRI) → message DMA

  private final class SpaceDma implements DmaSpace {
    private final Space space;

    SpaceDma(Space space) {
      this.space = space;
    }

    @Override
    public int pasid() {
      return space.pasid();
    }

    @Override
    public void read(long address, MemorySegment dst) throws DmaException {
      sync(address, dst, false);
    }

    @Override
    public void write(long address, MemorySegment src) throws DmaException {
      sync(address, src, true);
    }

    private void sync(long address, MemorySegment buffer, boolean write) throws DmaException {
      checkAllowed(space, address);
      if (engine.covers(space, address, buffer.byteSize(), write)) {
        trackedNow(address, () -> {
          if (write) {
            engine.write(space, address, buffer);
          } else {
            engine.read(space, address, buffer);
          }
        });
        return;
      }
      if (device.isCurrent()) {
        if (!syncAtcHit(space, address, buffer, write)) {
          throw new DmaException(address, "no pushed mapping or cached translation in the " + space
              + " space; on the device thread use the asynchronous methods");
        }
        return;
      }
      DeviceThread.await(address, access(space, address, buffer, write));
    }

    @Override
    public CompletionStage<Void> readAsync(long address, MemorySegment dst) {
      return device.start(() -> access(space, address, dst, false));
    }

    @Override
    public CompletionStage<Void> writeAsync(long address, MemorySegment src) {
      return device.start(() -> access(space, address, src, true));
    }

    @Override
    public CompletionStage<PageResponse> pageRequest(long address, long length, int access) {
      return device.start(() -> {
        try {
          checkAllowed(space, address);
          if (!enables.atsEnabled()) {
            throw new DmaException(address, "page requests need ATS enabled");
          }
          if (length <= 0 || (access & (READ | WRITE)) == 0 || (access & ~(READ | WRITE)) != 0) {
            throw new IllegalArgumentException("bad page request: length " + length + ", access " + access);
          }
        } catch (DmaException e) {
          return CompletableFuture.failedFuture(e);
        }
        return pri.request(space, address, length, access);
      });
    }

    @Override
    public CompletionStage<Void> stopPageRequests() {
      return device.start(() -> pri.stopMarker(space));
    }

    @Override
    public String toString() {
      return "DmaSpace[" + space + "]";
    }
  }

  /** BME and PASID rules a device request must pass before anything is sent (§3, §11). */
  private void checkAllowed(Space space, long address) throws DmaException {
    if (quiesced) {
      throw new DmaException(address, "device stopped for migration: no DMA");
    }
    if (!config.busMasterEnabled()) {
      throw new DmaException(address, "bus mastering is disabled");
    }
    if (space.tagged()) {
      IommuOffer n = negotiated;
      if (n == null || !n.pasid()) {
        throw new DmaException(address, "PASID-tagged DMA without PASID support in the client (Unsupported Request)");
      }
      if (!enables.pasidEnabled()) {
        throw new DmaException(address, "PASID-tagged DMA while PASID is disabled");
      }
      if (space.pasid() >= 1 << n.pasidWidth()) {
        throw new DmaException(address, "PASID " + space.pasid() + " beyond the negotiated width");
      }
    }
  }

  private boolean atsUsable() {
    IommuOffer n = negotiated;
    return enables.atsEnabled() && caps.ats() && (n == null || n.ats());
  }

  private boolean local() {
    return negotiated == null;
  }

  /** The space translated addresses live in: the translated space, or (local mode) the identity. */
  private Space translatedSpace() {
    return local() ? Space.NONE : Space.TRANSLATED;
  }

  private CompletableFuture<Void> access(Space space, long address, MemorySegment buffer, boolean write) {
    try {
      checkAllowed(space, address);
      if (buffer.byteSize() == 0 || engine.covers(space, address, buffer.byteSize(), write)) {
        return transfer(space, address, buffer, write);
      }
      if (atsUsable() && (!local() || !space.tagged())) {
        return ats(space, address, buffer, 0, write, 0);
      }
      return message(space, address, buffer, write);
    } catch (DmaException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletableFuture<Void> transfer(Space space, long address, MemorySegment buffer, boolean write) {
    return tracked(address, () -> (write ? engine.writeAsync(space, address, buffer)
        : engine.readAsync(space, address, buffer)).toCompletableFuture());
  }

  /** Untranslated DMA by DMA_READ_EX/DMA_WRITE_EX: the client's IOMMU translates (§4.3). */
  private CompletableFuture<Void> message(Space space, long address, MemorySegment buffer, boolean write) {
    IommuOffer n = negotiated;
    DmaMessenger m = messenger;
    if (n == null || m == null || (space.equals(Space.NONE) && !n.ats())) {
      return CompletableFuture.failedFuture(new DmaException(address, "DMA " + (write ? "write" : "read")
          + " of memory not mapped in the " + space + " space"));
    }
    int length = (int) buffer.byteSize();
    return tracked(address, () -> {
      CompletableFuture<Void> sent = write
          ? m.write(space, address, buffer.toArray(ValueLayout.JAVA_BYTE))
          : m.read(space, address, length).thenAccept(data -> MemorySegment.copy(data, 0, buffer,
              ValueLayout.JAVA_BYTE, 0, Math.min(length, data.length)));
      return device.completeThere(sent, address);
    });
  }

  /** One chunk per ATC entry: hit → translated access; miss → translate, maybe page in, retry. */
  private CompletableFuture<Void> ats(Space space, long address, MemorySegment buffer, long offset, boolean write,
      int tries) {
    if (offset == buffer.byteSize()) {
      return CompletableFuture.completedFuture(null);
    }
    long at = address + offset;
    Atc.Entry e = atc.acquire(space, at);
    if (e != null && e.permits(write)) {
      long n = Math.min(e.remaining(at), buffer.byteSize() - offset);
      CompletableFuture<Void> copy;
      try {
        copy = transfer(translatedSpace(), e.translate(at), buffer.asSlice(offset, n), write);
      } catch (RuntimeException ex) {
        copy = CompletableFuture.failedFuture(ex);
      }
      return copy.whenComplete((v, ex) -> atc.release(e))
          .thenCompose(v -> ats(space, address, buffer, offset + n, write, 0));
    }
    if (e != null) {
      atc.release(e); // cached without the needed permission: ask again (e.g. for write)
    }
    if (tries >= MAX_RETRIES) {
      return CompletableFuture.failedFuture(new DmaException(at, "no usable translation after " + tries + " tries"));
    }
    return translate(space, at, write).thenCompose(t -> switch (t.kind) {
      case CACHED, STALE -> ats(space, address, buffer, offset, write, tries + 1);
      case UNTRANSLATED -> {
        long n = Math.min(t.size - (at & (t.size - 1)), buffer.byteSize() - offset);
        yield message(space, at, buffer.asSlice(offset, n), write)
            .thenCompose(v -> ats(space, address, buffer, offset + n, write, 0));
      }
      case NOT_PRESENT -> {
        if (!pri.usable() || !enables.atsEnabled()) {
          yield CompletableFuture.<Void>failedFuture(new DmaException(at, "page not present and PRI unusable"));
        }
        long end = Math.min(address + buffer.byteSize(), (at & -t.size) + t.size);
        yield pri.request(space, at, end - at, write ? DmaSpace.WRITE : DmaSpace.READ)
            .thenCompose(r -> r == DmaSpace.PageResponse.SUCCESS
                ? ats(space, address, buffer, offset, write, tries + 1)
                : CompletableFuture.<Void>failedFuture(new PageFaultException(at, r)));
      }
    });
  }

  private enum Kind { CACHED, STALE, UNTRANSLATED, NOT_PRESENT }

  private record Outcome(Kind kind, long size) {}

  /** Asks for a translation (ATS_TRANSLATE, or locally) and caches it unless overlapped; on the device thread. */
  private CompletableFuture<Outcome> translate(Space space, long address, boolean write) {
    long page = address & -IommuMessages.PAGE;
    long stu = enables.stuBytes();
    Atc.PendingTranslation pending = atc.startTranslation(space, page);
    CompletableFuture<Translation> reply;
    IommuWire w = wire;
    if (local()) {
      reply = CompletableFuture.completedFuture(localTranslation(page, stu));
    } else if (w == null) {
      reply = CompletableFuture.failedFuture(new DmaException(address, "client gone"));
    } else {
      int flags = (write ? IommuMessages.W : 0) | (space.tagged() ? IommuMessages.PASID_VALID : 0);
      reply = tracked(address, () -> w.translate(new AtsTranslate(page, flags, space.tagged() ? space.pasid()
          : IommuMessages.NO_PASID)))
          .thenApply(bytes -> {
            try {
              return Translation.decode(bytes, stu);
            } catch (ProtocolException e) {
              throw new CompletionException(new DmaException(address, "malformed translation (Completer Abort): "
                  + e.getMessage()));
            }
          });
    }
    var result = new CompletableFuture<Outcome>();
    reply.whenComplete((t, error) -> device.run(() -> {
      if (error != null) {
        atc.finishTranslation(pending, null);
        config.recordStatusErrors(ConfigStatus.masterAbortOrTargetAbort(DeviceThread.unwrap(error)));
        result.completeExceptionally(DeviceThread.asDma(address, DeviceThread.unwrap(error)));
        return;
      }
      if (t.untranslatedOnly()) {
        result.complete(new Outcome(atc.finishTranslation(pending, null) ? Kind.UNTRANSLATED : Kind.STALE, t.size()));
        return;
      }
      if (!t.present()) {
        result.complete(new Outcome(atc.finishTranslation(pending, null) ? Kind.NOT_PRESENT : Kind.STALE, t.size()));
        return;
      }
      boolean global = (t.perm() & IommuMessages.PERM_G) != 0 && space.tagged() && caps.globalInvalidate();
      Atc.Entry entry = atc.entry(space, page & -t.size(), t.size(), t.taddr(), t.perm(), global);
      boolean cached = atc.finishTranslation(pending, entry);
      // present without the access asked for (e.g. read-only for a write): ask for the page with it
      Kind kind = !cached ? Kind.STALE : entry.permits(write) ? Kind.CACHED : Kind.NOT_PRESENT;
      result.complete(new Outcome(kind, t.size()));
    }));
    return result;
  }

  /** §11: identity translation from the no-PASID DMA_MAP table. */
  private Translation localTranslation(long page, long stu) {
    Mapping m = engine.mappingAt(Space.NONE, page);
    if (m == null) {
      return new Translation(0, stu, 0);
    }
    for (long size = Long.highestOneBit(m.size()); Long.compareUnsigned(size, stu) >= 0 && size > 0; size >>>= 1) {
      long block = page & -size;
      if (Long.compareUnsigned(block, m.address()) >= 0
          && Long.compareUnsigned(block + size - 1, m.lastAddress()) <= 0) {
        int perm = (m.readable() ? IommuMessages.R : 0) | (m.writable() ? IommuMessages.W : 0);
        return new Translation(block, size, perm);
      }
    }
    return new Translation(0, stu, IommuMessages.PERM_U);
  }

  private boolean syncAtcHit(Space space, long address, MemorySegment buffer, boolean write) throws DmaException {
    if (!atsUsable()) {
      return false;
    }
    Atc.Entry e = atc.acquire(space, address);
    if (e == null) {
      return false;
    }
    try {
      long t = e.translate(address);
      if (!e.permits(write) || e.remaining(address) < buffer.byteSize()
          || !engine.covers(translatedSpace(), t, buffer.byteSize(), write)) {
        return false;
      }
      if (write) {
        engine.write(translatedSpace(), t, buffer);
      } else {
        engine.read(translatedSpace(), t, buffer);
      }
      return true;
    } finally {
      atc.release(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Page request senders

  private CompletableFuture<Void> wirePageRequest(PageRequest request) {
    IommuWire w = wire;
    CompletableFuture<Void> ack = w == null
        ? CompletableFuture.failedFuture(new DmaException(request.addr(), "client gone"))
        : w.pageRequest(request);
    var onDevice = new CompletableFuture<Void>();
    ack.whenComplete((v, e) -> device.run(() -> {
      if (e != null) {
        onDevice.completeExceptionally(e);
      } else {
        onDevice.complete(null);
      }
    }));
    return onDevice;
  }

  /** §11: answered on the device thread from the no-PASID table (Success if mapped as asked now). */
  private CompletableFuture<Void> localPageRequest(PageRequest request) {
    if (request.stopMarker()) {
      return CompletableFuture.completedFuture(null);
    }
    device.run(() -> {
      boolean write = (request.flags() & IommuMessages.W) != 0;
      boolean read = (request.flags() & IommuMessages.R) != 0;
      boolean ok = (request.flags() & IommuMessages.PASID_VALID) == 0
          && (!read || engine.covers(Space.NONE, request.addr(), request.count(), false))
          && (!write || engine.covers(Space.NONE, request.addr(), request.count(), true));
      pri.respond(request.prgi(), -1, ok ? 0 : 1);
    });
    return CompletableFuture.completedFuture(null);
  }

  /** Which Status error bit a failed translation records (§4.1): UR for EPERM, CA otherwise. */
  private static final class ConfigStatus {
    static final int RECEIVED_TARGET_ABORT = 1 << 12, RECEIVED_MASTER_ABORT = 1 << 13;

    static int masterAbortOrTargetAbort(Throwable error) {
      if (error instanceof ProtocolException p && p.errno() == Errno.EPERM) {
        return RECEIVED_MASTER_ABORT;
      }
      return error instanceof ProtocolException || error instanceof DmaException ? RECEIVED_TARGET_ABORT : 0;
    }
  }
}
