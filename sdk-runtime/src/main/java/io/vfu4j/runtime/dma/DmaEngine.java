package io.vfu4j.runtime.dma;

import io.vfu4j.api.Dma;
import io.vfu4j.api.DmaException;
import io.vfu4j.runtime.pci.IommuEnables;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.sys.MappedFd;
import io.vfu4j.runtime.sys.Native;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The DMA engine of one device: the table of DMA_MAP'ed guest memory and the accesses a device
 * makes to it.
 *
 * <p>Robust against the client: every access is checked against the table before anything is
 * copied; fd-backed memory is copied under a read lock that {@link #unmap} takes for writing, so
 * an unmap waits for copies in progress and no copy touches memory after its unmap. A client that
 * shrinks its file after mapping it makes the copy fault (SIGBUS); the JVM reports that as an
 * {@link InternalError}, which fails the access with a {@link DmaException}.
 *
 * <p>Thread-safe: called from the device thread and from worker threads.
 */
public final class DmaEngine implements Dma, AutoCloseable {
  /** DMA_MAP flag: the device may read the range. */
  public static final int READ = 1;
  /** DMA_MAP flag: the device may write the range. */
  public static final int WRITE = 1 << 1;
  /** Default limit on the number of mappings. */
  public static final int DEFAULT_MAX_MAPPINGS = 65535;
  /** Default time a blocking access waits for the client's reply to a DMA message. */
  public static final Duration DEFAULT_MESSAGE_TIMEOUT = Duration.ofSeconds(10);
  /** Largest piece sent in one messenger call (the messenger splits further). */
  private static final int MAX_MESSAGE_PIECE = 1 << 30;

  private static final String DEVICE_THREAD_DEADLOCK =
      "message DMA from the device thread would deadlock with the client; use readAsync";

  private final BooleanSupplier busMaster;
  private final Predicate<Thread> isDeviceThread;
  private final Executor deviceExecutor;
  private final int maxMappings;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  /** One table per address space, keyed by DMA address as unsigned numbers. Guarded by {@link #lock}. */
  private final Map<Space, TreeMap<Long, Region>> tables = new HashMap<>();
  private volatile UnmapListener unmapListener = (space, first, last) -> {};
  private volatile boolean replaceProtection;

  private volatile DmaMessenger messenger;
  private volatile Duration messageTimeout = DEFAULT_MESSAGE_TIMEOUT;
  private volatile IommuEnables iommuEnables = IommuEnables.DISABLED;

  /**
   * Creates an engine with at most {@value #DEFAULT_MAX_MAPPINGS} mappings.
   *
   * @param busMaster whether the guest enabled bus mastering (Command register bit 2)
   * @param isDeviceThread recognises the device thread, on which message DMA must not block
   * @param deviceExecutor runs work on the device thread; asynchronous accesses complete there
   */
  public DmaEngine(
      BooleanSupplier busMaster, Predicate<Thread> isDeviceThread, Executor deviceExecutor) {
    this(busMaster, isDeviceThread, deviceExecutor, DEFAULT_MAX_MAPPINGS);
  }

  /** Creates an engine with at most {@code maxMappings} mappings; see the other constructor. */
  public DmaEngine(
      BooleanSupplier busMaster,
      Predicate<Thread> isDeviceThread,
      Executor deviceExecutor,
      int maxMappings) {
    if (maxMappings <= 0) {
      throw new IllegalArgumentException("maxMappings must be positive: " + maxMappings);
    }
    this.busMaster = Objects.requireNonNull(busMaster);
    this.isDeviceThread = Objects.requireNonNull(isDeviceThread);
    this.deviceExecutor = Objects.requireNonNull(deviceExecutor);
    this.maxMappings = maxMappings;
  }

  /** Sets how memory without an fd is reached; null makes such accesses fail. */
  public void setMessenger(DmaMessenger messenger) {
    this.messenger = messenger;
  }

  /** Sets how long a blocking access waits for the client's reply to a DMA message. */
  public void setMessageTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.messageTimeout = timeout;
  }

  /**
   * Tells the engine what the guest enabled of ATS, PRI and PASID (the runtime calls this when
   * the config space changes them, resets included). Recorded only, for now: translation
   * caching, page requests and PASID-tagged accesses come with the IOMMU extension.
   */
  public void setIommuEnables(IommuEnables enables) {
    this.iommuEnables = Objects.requireNonNull(enables);
  }

  /** The ATS/PRI/PASID state last set with {@link #setIommuEnables}. */
  public IommuEnables iommuEnables() {
    return iommuEnables;
  }

  // ---------------------------------------------------------------------------------------------
  // DMA_MAP / DMA_UNMAP

  /**
   * Adds a mapping (DMA_MAP). The engine owns {@code fdOrNull} from the moment of the call and
   * closes it on unmap, on {@link #close()}, or at once if the mapping is refused or duplicates an
   * existing one.
   *
   * @param flags {@link #READ} and/or {@link #WRITE}; any other bit is refused
   * @param fdOrNull the client's file, or null for memory reachable only by messages
   * @throws ProtocolException EINVAL (bad flags, size 0, overflow, file too short, mmap failed),
   *     EEXIST (overlaps a different mapping), ENOSPC (too many mappings), EBADF (unusable fd)
   */
  public void map(long address, long size, long fileOffset, int flags, FileDescriptor fdOrNull)
      throws ProtocolException {
    map(Space.NONE, address, size, fileOffset, flags, fdOrNull);
  }

  /** Hears about removed mappings (the IOMMU layer drops ATC entries that point into them). */
  @FunctionalInterface
  public interface UnmapListener {
    /** Called on the unmapping thread, after the mapping is gone, with its first and last address. */
    void unmapped(Space space, long first, long last);
  }

  /**
   * With the IOMMU extension negotiated, a DMA_MAP of an identical range with other permissions
   * replaces the protection (extension §6); without it, that is an overlap (EEXIST) as in the
   * base protocol. Reset to off by {@link #close()}.
   */
  public void setReplaceProtection(boolean on) {
    this.replaceProtection = on;
  }

  /** Sets who hears about removed mappings. */
  public void setUnmapListener(UnmapListener listener) {
    this.unmapListener = Objects.requireNonNull(listener);
  }

  private TreeMap<Long, Region> table(Space space) {
    return tables.computeIfAbsent(space, s -> new TreeMap<>(Long::compareUnsigned));
  }

  private TreeMap<Long, Region> tableOrEmpty(Space space) {
    TreeMap<Long, Region> t = tables.get(space);
    return t == null ? EMPTY : t;
  }

  private static final TreeMap<Long, Region> EMPTY = new TreeMap<>(Long::compareUnsigned);

  private int mappingCount() {
    return tables.values().stream().mapToInt(TreeMap::size).sum();
  }

  /** Adds a mapping to the table of {@code space}; see {@link #map(long, long, long, int, FileDescriptor)}. */
  public void map(Space space, long address, long size, long fileOffset, int flags, FileDescriptor fdOrNull)
      throws ProtocolException {
    int fd = -1;
    MappedFd memory = null;
    boolean changedProtection = false;
    try {
      if (fdOrNull != null) {
        fd = fdNumber(fdOrNull);
      } else if (replaceProtection) {
        fd = backingToKeep(space, address, size, fileOffset, flags);
      }
      validateMap(address, size, fileOffset, flags);
      var mapping = new Mapping(address, size, fileOffset, flags, fd >= 0);
      if (fd >= 0) {
        memory = mapFile(fd, mapping);
      }
      lock.writeLock().lock();
      try {
        TreeMap<Long, Region> regions = table(space);
        Region replaced = replaceProtection ? sameRangeOtherProtection(regions, mapping) : null;
        if (replaced == null) {
          if (isDuplicate(regions, mapping)) {
            return; // idempotent, as libvfio-user: the surplus fd and mapping are released below
          }
          checkRoom(mapping);
        }
        regions.put(address, new Region(mapping, memory, fd));
        fd = -1; // owned by the region now
        memory = null;
        if (replaced != null) {
          // a protection change (extension §6): the old region goes once copies under the lock ended
          replaced.close();
          changedProtection = true;
        }
      } finally {
        lock.writeLock().unlock();
      }
      if (changedProtection) {
        unmapListener.unmapped(space, address, address + size - 1);
      }
    } finally {
      if (memory != null) {
        memory.close();
      }
      Native.closeQuietly(fd);
    }
  }

  private static int fdNumber(FileDescriptor descriptor) throws ProtocolException {
    try {
      return Native.fdNumber(descriptor);
    } catch (IOException e) {
      throw new ProtocolException(Errno.EBADF, "DMA_MAP: unusable fd: " + e.getMessage());
    }
  }

  private static void validateMap(long address, long size, long fileOffset, int flags)
      throws ProtocolException {
    if ((flags & ~(READ | WRITE)) != 0) {
      throw ProtocolException.invalid("DMA_MAP: unsupported flags 0x" + Integer.toHexString(flags));
    }
    if (size <= 0) { // 0, or 2^63 and more: no file or guest is that large
      throw ProtocolException.invalid("DMA_MAP: bad size 0x" + Long.toHexString(size));
    }
    if (Long.compareUnsigned(address + size - 1, address) < 0) {
      throw ProtocolException.invalid(
          "DMA_MAP: 0x%x+0x%x wraps around the address space".formatted(address, size));
    }
    if (fileOffset < 0 || fileOffset + size < 0) {
      throw ProtocolException.invalid(
          "DMA_MAP: bad file offset 0x%x for size 0x%x".formatted(fileOffset, size));
    }
  }

  private static MappedFd mapFile(int fd, Mapping mapping) throws ProtocolException {
    long end = mapping.fileOffset() + mapping.size();
    try {
      long fileSize = Native.fileSize(fd);
      if (fileSize < end) {
        throw ProtocolException.invalid(
            "DMA_MAP: file of 0x%x bytes is shorter than offset+size 0x%x".formatted(fileSize, end));
      }
      return MappedFd.map(fd, mapping.fileOffset(), mapping.size(), mapping.writable());
    } catch (IOException | RuntimeException e) {
      throw ProtocolException.invalid("DMA_MAP: cannot map the fd: " + e.getMessage());
    }
  }

  /**
   * A protection change without an fd keeps the existing region's file: a duplicate of its fd,
   * or -1 when there is nothing to keep.
   */
  private int backingToKeep(Space space, long address, long size, long fileOffset, int flags)
      throws ProtocolException {
    lock.readLock().lock();
    try {
      Region existing = tableOrEmpty(space).get(address);
      if (existing == null || existing.fd() < 0 || existing.mapping().size() != size
          || existing.mapping().fileOffset() != fileOffset || existing.mapping().flags() == flags) {
        return -1;
      }
      return Native.dup(existing.fd());
    } catch (IOException e) {
      throw new ProtocolException(Errno.ENOMEM, "DMA_MAP: cannot keep the backing: " + e.getMessage());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The existing region with the same address, size, file offset and backing but other
   * permissions: DMA_MAP then replaces the protection atomically (vIOMMU permission change).
   */
  private static Region sameRangeOtherProtection(TreeMap<Long, Region> regions, Mapping mapping) {
    Region existing = regions.get(mapping.address());
    if (existing == null) {
      return null;
    }
    Mapping old = existing.mapping();
    return old.size() == mapping.size() && old.fileOffset() == mapping.fileOffset()
        && old.fdBacked() == mapping.fdBacked() && old.flags() != mapping.flags() ? existing : null;
  }

  /** True for an exact repeat of an existing mapping; EEXIST for any other overlap. */
  private static boolean isDuplicate(TreeMap<Long, Region> regions, Mapping mapping) throws ProtocolException {
    Region existing = regions.get(mapping.address());
    if (existing != null && existing.mapping().equals(mapping)) {
      return true;
    }
    long last = mapping.lastAddress();
    var below = regions.floorEntry(last);
    if (below != null && below.getValue().mapping().overlaps(mapping.address(), last)) {
      throw new ProtocolException(
          Errno.EEXIST, "DMA_MAP: " + mapping + " overlaps " + below.getValue().mapping());
    }
    return false;
  }

  private void checkRoom(Mapping mapping) throws ProtocolException {
    if (mappingCount() >= maxMappings) {
      throw new ProtocolException(
          Errno.ENOSPC, "DMA_MAP: " + mapping + " exceeds the limit of " + maxMappings + " mappings");
    }
  }

  /**
   * Removes the mapping with exactly this address and size (DMA_UNMAP), or every mapping inside
   * the range when it covers only whole mappings; waits for copies still using them, unmaps them
   * and closes their fds before returning.
   *
   * @throws ProtocolException ENOENT if no mapping matches exactly and the range splits a mapping
   *     or covers none; nothing is removed then
   */
  public void unmap(long address, long size) throws ProtocolException {
    unmap(Space.NONE, address, size);
  }

  /** Removes mappings of {@code space}; see {@link #unmap(long, long)}. */
  public void unmap(Space space, long address, long size) throws ProtocolException {
    lock.writeLock().lock();
    try {
      TreeMap<Long, Region> regions = tableOrEmpty(space);
      // QEMU unmaps a virtio-mem section (or a vIOMMU invalidation) in one call that covers
      // several mappings (hw/vfio/listener.c): allowed when it splits none of them.
      List<Long> covered = coveredMappings(regions, address, size);
      if (covered.isEmpty()) {
        throw new ProtocolException(
            Errno.ENOENT,
            "DMA_UNMAP: no mapping at exactly 0x%x+0x%x, nor whole mappings covering it".formatted(address, size));
      }
      covered.forEach(start -> regions.remove(start).close());
    } finally {
      lock.writeLock().unlock();
    }
    unmapListener.unmapped(space, address, address + size - 1);
  }

  /**
   * Starts of the mappings inside [address, address + size) (an exact match is the common case),
   * or none if the range splits one.
   */
  private static List<Long> coveredMappings(TreeMap<Long, Region> regions, long address, long size) {
    if (size == 0 || Long.compareUnsigned(address + size - 1, address) < 0) {
      return List.of();
    }
    long last = address + size - 1;
    var below = regions.lowerEntry(address);
    if (below != null && Long.compareUnsigned(below.getKey() + below.getValue().mapping().size() - 1, address) >= 0) {
      return List.of(); // a mapping starting below reaches into the range
    }
    List<Long> starts = new ArrayList<>();
    for (var e : regions.subMap(address, true, last, true).entrySet()) {
      if (Long.compareUnsigned(e.getKey() + e.getValue().mapping().size() - 1, last) > 0) {
        return List.of(); // reaches beyond the range
      }
      starts.add(e.getKey());
    }
    return starts;
  }

  /** Removes every mapping (DMA_UNMAP with the "all" flag, or a disconnect). */
  public void unmapAll() {
    List<Space> spaces;
    lock.writeLock().lock();
    try {
      spaces = List.copyOf(tables.keySet());
    } finally {
      lock.writeLock().unlock();
    }
    spaces.forEach(this::unmapAll);
  }

  /** Removes every mapping of one space (DMA_UNMAP "all" scoped by the extension's bits 8/9). */
  public void unmapAll(Space space) {
    lock.writeLock().lock();
    try {
      TreeMap<Long, Region> regions = tables.remove(space);
      if (regions == null) {
        return;
      }
      regions.values().forEach(Region::close);
    } finally {
      lock.writeLock().unlock();
    }
    unmapListener.unmapped(space, 0, -1L);
  }

  /** The mapping of {@code space} that contains {@code address}, or null. */
  public Mapping mappingAt(Space space, long address) {
    lock.readLock().lock();
    try {
      var entry = tableOrEmpty(space).floorEntry(address);
      Mapping m = entry == null ? null : entry.getValue().mapping();
      return m != null && Long.compareUnsigned(address, m.lastAddress()) <= 0 ? m : null;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** True when {@code [address, +length)} lies in mappings of {@code space} that permit the access. */
  public boolean covers(Space space, long address, long length, boolean write) {
    // The same walk as resolveIn, without building pieces or exceptions: behind an IOMMU this
    // runs on every access and usually answers false.
    if (length == 0) {
      return true;
    }
    if (Long.compareUnsigned(address + length - 1, address) < 0) {
      return false;
    }
    int permission = (write ? Direction.WRITE : Direction.READ).permission;
    lock.readLock().lock();
    try {
      TreeMap<Long, Region> regions = tableOrEmpty(space);
      long cursor = address;
      long remaining = length;
      while (remaining > 0) {
        var entry = regions.floorEntry(cursor);
        Mapping mapping = entry == null ? null : entry.getValue().mapping();
        if (mapping == null || Long.compareUnsigned(cursor, mapping.lastAddress()) > 0
            || (mapping.flags() & permission) == 0) {
          return false;
        }
        long piece = Math.min(remaining, mapping.size() - (cursor - mapping.address()));
        remaining -= piece;
        cursor += piece;
      }
      return true;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A snapshot of the current mappings, in address order. */
  public List<Mapping> mappings() {
    lock.readLock().lock();
    try {
      return tableOrEmpty(Space.NONE).values().stream().map(Region::mapping).toList();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Drops every mapping and the messenger (client gone). The engine stays usable for the next
   * connection.
   */
  @Override
  public void close() {
    messenger = null;
    replaceProtection = false;
    unmapAll();
  }

  // ---------------------------------------------------------------------------------------------
  // Accesses

  /** Direction of an access, seen from the device. */
  private enum Direction {
    READ(DmaEngine.READ, "read"),
    WRITE(DmaEngine.WRITE, "write");

    final int permission;
    final String word;

    Direction(int permission, String word) {
      this.permission = permission;
      this.word = word;
    }
  }

  /** The part of an access that falls into one region. */
  private record Piece(Region region, long address, long regionOffset, long bufferOffset, long length) {
    boolean fdBacked() {
      return region.memory() != null;
    }
  }

  @Override
  public void read(long address, MemorySegment dst) throws DmaException {
    requireWritableBuffer(dst);
    transfer(address, dst, Direction.READ);
  }

  @Override
  public void write(long address, MemorySegment src) throws DmaException {
    transfer(address, src, Direction.WRITE);
  }

  /** Reads from the mappings of {@code space} (pushed mappings only; no translation). */
  public void read(Space space, long address, MemorySegment dst) throws DmaException {
    requireWritableBuffer(dst);
    transfer(space, address, dst, Direction.READ);
  }

  /** Writes to the mappings of {@code space} (pushed mappings only; no translation). */
  public void write(Space space, long address, MemorySegment src) throws DmaException {
    transfer(space, address, src, Direction.WRITE);
  }

  /** Asynchronous {@link #read(Space, long, MemorySegment)}; completes on the device thread. */
  public CompletionStage<Void> readAsync(Space space, long address, MemorySegment dst) {
    return transferAsync(space, address, dst, Direction.READ);
  }

  /** Asynchronous {@link #write(Space, long, MemorySegment)}; completes on the device thread. */
  public CompletionStage<Void> writeAsync(Space space, long address, MemorySegment src) {
    return transferAsync(space, address, src, Direction.WRITE);
  }

  private void transfer(long address, MemorySegment buffer, Direction direction)
      throws DmaException {
    transfer(Space.NONE, address, buffer, direction);
  }

  private void transfer(Space space, long address, MemorySegment buffer, Direction direction)
      throws DmaException {
    try {
      transferChecked(space, address, buffer, direction);
    } catch (InternalError e) {
      // second line of defence for a late-delivered memory fault, see rawCopyHandle
      throw new DmaException(address, "guest memory fault (file shrunk?)", e);
    }
  }

  private void transferChecked(Space space, long address, MemorySegment buffer, Direction direction)
      throws DmaException {
    List<Piece> pieces = resolve(space, address, buffer.byteSize(), direction);
    if (pieces.stream().allMatch(Piece::fdBacked)) {
      copyAll(pieces, buffer, direction);
      return;
    }
    // QEMU serves our DMA_READ/DMA_WRITE on its main loop under the big QEMU lock. A vCPU that
    // is waiting for our reply to a region access holds that lock too, so QEMU cannot answer
    // while the device thread waits: a blocking message DMA there would hang both sides.
    if (isDeviceThread.test(Thread.currentThread())) {
      throw new DmaException(address, DEVICE_THREAD_DEADLOCK);
    }
    DmaMessenger current = requireMessenger(address);
    for (Piece piece : pieces) {
      if (piece.fdBacked()) {
        copyAll(List.of(piece), buffer, direction);
      } else {
        await(piece.address(), sendMessages(current, space, piece, buffer, direction));
      }
    }
  }

  @Override
  public CompletionStage<Void> readAsync(long address, MemorySegment dst) {
    return transferAsync(Space.NONE, address, dst, Direction.READ);
  }

  @Override
  public CompletionStage<Void> writeAsync(long address, MemorySegment src) {
    return transferAsync(Space.NONE, address, src, Direction.WRITE);
  }

  /**
   * Copies fd-backed pieces at once on the calling thread, sends messages for the others, and
   * completes the result on the device thread. Data read by message is copied into {@code buffer}
   * on the thread that receives the reply, so {@code buffer} must not be confined to one thread
   * (heap, global, automatic and shared segments are fine).
   */
  private CompletionStage<Void> transferAsync(
      Space space, long address, MemorySegment buffer, Direction direction) {
    var result = new CompletableFuture<Void>();
    CompletableFuture<?> done;
    try {
      if (direction == Direction.READ) {
        requireWritableBuffer(buffer);
      }
      List<Piece> pieces = resolve(space, address, buffer.byteSize(), direction);
      var fdPieces = pieces.stream().filter(Piece::fdBacked).toList();
      copyAll(fdPieces, buffer, direction);
      var messagePieces = pieces.stream().filter(p -> !p.fdBacked()).toList();
      DmaMessenger current = messagePieces.isEmpty() ? null : requireMessenger(address);
      var sent = new ArrayList<CompletableFuture<Void>>();
      for (Piece piece : messagePieces) {
        sent.add(sendMessages(current, space, piece, buffer, direction));
      }
      done = CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    } catch (DmaException | RuntimeException | InternalError e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete(
        (ignored, error) -> completeOnDeviceThread(result, address, unwrap(error)));
    return result;
  }

  private void completeOnDeviceThread(
      CompletableFuture<Void> result, long address, Throwable error) {
    Runnable completion =
        () -> {
          if (error == null) {
            result.complete(null);
          } else {
            result.completeExceptionally(asDmaException(address, error));
          }
        };
    try {
      deviceExecutor.execute(completion);
    } catch (RejectedExecutionException e) {
      completion.run(); // device shutting down: complete here rather than never
    }
  }

  private static Throwable unwrap(Throwable error) {
    while (error instanceof java.util.concurrent.CompletionException
        || error instanceof ExecutionException) {
      if (error.getCause() == null) {
        break;
      }
      error = error.getCause();
    }
    return error;
  }

  private static DmaException asDmaException(long address, Throwable error) {
    return error instanceof DmaException dma
        ? dma
        : new DmaException(address, "DMA failed: " + error, error);
  }

  private static void requireWritableBuffer(MemorySegment dst) {
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("DMA read into a read-only segment");
    }
  }

  private void checkBusMaster(long address) throws DmaException {
    if (!busMaster.getAsBoolean()) {
      throw new DmaException(address, "bus mastering is disabled");
    }
  }

  private DmaMessenger requireMessenger(long address) throws DmaException {
    DmaMessenger current = messenger;
    if (current == null) {
      throw new DmaException(address, "memory mapped without fd and no DMA message channel");
    }
    return current;
  }

  /**
   * Splits an access into per-region pieces; fails unless bus mastering is on and the whole
   * range lies in adjacent mappings that permit the access.
   */
  private List<Piece> resolve(Space space, long address, long length, Direction direction)
      throws DmaException {
    checkBusMaster(address);
    return resolveIn(space, address, length, direction);
  }

  private List<Piece> resolveIn(Space space, long address, long length, Direction direction)
      throws DmaException {
    if (length == 0) {
      return List.of();
    }
    if (Long.compareUnsigned(address + length - 1, address) < 0) {
      throw new DmaException(address, "DMA " + direction.word + " wraps around the address space");
    }
    var pieces = new ArrayList<Piece>();
    lock.readLock().lock();
    try {
      TreeMap<Long, Region> regions = tableOrEmpty(space);
      long cursor = address;
      long done = 0;
      while (done < length) {
        var entry = regions.floorEntry(cursor);
        Mapping mapping = entry == null ? null : entry.getValue().mapping();
        if (mapping == null || Long.compareUnsigned(cursor, mapping.lastAddress()) > 0) {
          throw new DmaException(cursor, "DMA " + direction.word + " of unmapped memory");
        }
        if ((mapping.flags() & direction.permission) == 0) {
          throw new DmaException(cursor, "DMA " + direction.word + " not permitted by " + mapping);
        }
        long regionOffset = cursor - mapping.address();
        long piece = Math.min(length - done, mapping.size() - regionOffset);
        pieces.add(new Piece(entry.getValue(), cursor, regionOffset, done, piece));
        done += piece;
        cursor += piece;
      }
    } finally {
      lock.readLock().unlock();
    }
    return pieces;
  }

  /** Copies fd-backed pieces under the read lock, so that no unmap can run meanwhile. */
  private void copyAll(List<Piece> pieces, MemorySegment buffer, Direction direction)
      throws DmaException {
    if (pieces.isEmpty()) {
      return;
    }
    lock.readLock().lock();
    try {
      for (Piece piece : pieces) {
        copy(piece, buffer, direction);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  private static void copy(Piece piece, MemorySegment buffer, Direction direction)
      throws DmaException {
    if (piece.region().closed()) {
      throw new DmaException(piece.address(), "mapping was removed during the DMA");
    }
    MemorySegment memory = piece.region().memory();
    try {
      if (direction == Direction.READ) {
        invokeCopy(memory, piece.regionOffset(), buffer, piece.bufferOffset(), piece.length());
      } else {
        invokeCopy(buffer, piece.bufferOffset(), memory, piece.regionOffset(), piece.length());
      }
    } catch (IllegalStateException e) {
      throw new DmaException(piece.address(), "mapping was removed during the DMA", e);
    } catch (InternalError e) {
      // SIGBUS: the client truncated the file behind a mapping after DMA_MAP
      throw new DmaException(piece.address(), "guest memory fault (file shrunk?)", e);
    }
  }

  /**
   * The copy, called through a method handle held in a non-final field. HotSpot reports a fault
   * in mapped memory asynchronously: the InternalError surfaces at the next safepoint poll, which
   * after inlining may lie outside any try block of ours (even in the device's code). The JIT
   * cannot inline a call through a non-constant handle, so the poll at the return of {@link
   * #rawCopy} delivers the error at the call site, inside {@link #copy}'s try.
   */
  @SuppressWarnings("FieldMayBeFinal") // deliberately not final: see invokeCopy
  private static MethodHandle rawCopyHandle = findRawCopy();

  private static MethodHandle findRawCopy() {
    try {
      return MethodHandles.lookup()
          .findStatic(
              DmaEngine.class,
              "rawCopy",
              MethodType.methodType(
                  void.class,
                  MemorySegment.class, long.class, MemorySegment.class, long.class, long.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static void invokeCopy(
      MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long length) {
    try {
      rawCopyHandle.invokeExact(src, srcOffset, dst, dstOffset, length);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  private static void rawCopy(
      MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long length) {
    MemorySegment.copy(src, srcOffset, dst, dstOffset, length);
  }

  /** Sends the messages for one message-only piece; completes when all replies are in. */
  private static CompletableFuture<Void> sendMessages(
      DmaMessenger messenger, Space space, Piece piece, MemorySegment buffer, Direction direction) {
    var parts = new ArrayList<CompletableFuture<Void>>();
    for (long done = 0; done < piece.length(); done += MAX_MESSAGE_PIECE) {
      int length = (int) Math.min(MAX_MESSAGE_PIECE, piece.length() - done);
      long address = piece.address() + done;
      long bufferOffset = piece.bufferOffset() + done;
      try {
        parts.add(
            direction == Direction.READ
                ? messenger
                    .read(space, address, length)
                    .thenAccept(data -> storeReply(address, data, length, buffer, bufferOffset))
                : messenger.write(
                    space, address, buffer.asSlice(bufferOffset, length).toArray(ValueLayout.JAVA_BYTE)));
      } catch (RuntimeException e) {
        parts.add(CompletableFuture.failedFuture(e));
      }
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
  }

  private static void storeReply(
      long address, byte[] data, int length, MemorySegment buffer, long bufferOffset) {
    if (data == null || data.length != length) {
      throw new java.util.concurrent.CompletionException(
          new DmaException(
              address,
              "DMA_READ reply of %d bytes for %d requested"
                  .formatted(data == null ? 0 : data.length, length)));
    }
    MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, bufferOffset, length);
  }

  private void await(long address, CompletableFuture<Void> future) throws DmaException {
    try {
      future.get(messageTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DmaException(address, "interrupted while waiting for the client", e);
    } catch (TimeoutException e) {
      future.cancel(false);
      throw new DmaException(address, "no reply from the client within " + messageTimeout, e);
    } catch (ExecutionException e) {
      throw asDmaException(address, unwrap(e));
    }
  }
}
