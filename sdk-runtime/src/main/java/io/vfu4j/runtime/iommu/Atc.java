package io.vfu4j.runtime.iommu;

import io.vfu4j.runtime.dma.Space;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The Address Translation Cache (docs/protocol-extension.md §4.1, §4.2): cached translations per
 * untranslated space, each with a count of the accesses using it. An invalidation removes entries
 * at once (no new access can use them) and completes when the counts of the removed entries have
 * drained, on whichever thread drops the last count; nobody waits here. Outstanding translation
 * requests are tracked so a reply overtaken by an invalidation, ATS disable or reset is discarded.
 *
 * <p>Thread-safe (one monitor); completions run outside it.
 */
public final class Atc {
  /** R, W, X, P permission bits of the extension. */
  static final int PERM_R = 1, PERM_W = 2;

  /** A cached translation. {@code base}/{@code size} are the untranslated range. */
  public static final class Entry {
    final Space space;
    final long base;
    final long size;
    final long taddr;
    final int perm;
    final boolean global;
    private int inFlight;
    private boolean removed;
    private List<Invalidation> waiters;

    Entry(Space space, long base, long size, long taddr, int perm, boolean global) {
      this.space = space;
      this.base = base;
      this.size = size;
      this.taddr = taddr;
      this.perm = perm;
      this.global = global;
    }

    long last() {
      return base + size - 1;
    }

    boolean overlaps(long first, long lastAddress) {
      return Long.compareUnsigned(base, lastAddress) <= 0 && Long.compareUnsigned(first, last()) <= 0;
    }

    /** The translated address of {@code address} inside this entry. */
    public long translate(long address) {
      return taddr + (address - base);
    }

    /** Bytes from {@code address} to the end of this entry. */
    public long remaining(long address) {
      return size - (address - base);
    }

    boolean permits(boolean write) {
      return (perm & (write ? PERM_W : PERM_R)) != 0;
    }
  }

  /** An invalidation waiting for removed entries to drain. */
  private static final class Invalidation {
    int busy;
    final Runnable completion;

    Invalidation(Runnable completion) {
      this.completion = completion;
    }
  }

  /** A translation request in flight; overlapped when an invalidation in its scope came after it. */
  public static final class PendingTranslation {
    final Space space;
    final long address;
    volatile boolean overlapped;

    PendingTranslation(Space space, long address) {
      this.space = space;
      this.address = address;
    }

    /** True when the reply must be discarded. */
    public boolean overlapped() {
      return overlapped;
    }
  }

  /** What happened to an invalidation. */
  public enum InvalidateOutcome {
    /** Nothing in scope was busy: reply now. */
    COMPLETE,
    /** The completion runs when the busy entries drain. */
    PENDING,
    /** Queue depth exceeded: entries removed, reply EBUSY now, the completion never runs. */
    BUSY
  }

  private final Map<Space, TreeMap<Long, Entry>> spaces = new HashMap<>();
  /**
   * Entries already out of the lookup (an invalidation, ATS disable, reset, replacement by a newer
   * translation, unmap of the translated space) whose accesses are still running. An invalidation
   * in their scope waits for them too, whoever removed them: its completion promises that no
   * access uses the old translation any more (§4.2 step 2).
   */
  private final List<Entry> draining = new ArrayList<>();
  /** Entries with G set, valid for every PASID; keyed by base. */
  private final TreeMap<Long, Entry> globals = new TreeMap<>(Long::compareUnsigned);
  private final List<PendingTranslation> pending = new ArrayList<>();
  private int outstandingInvalidations;

  /**
   * Finds the entry for {@code address} in {@code space} (or a global entry for a PASID space) and
   * counts one access on it; null on a miss. Every hit must be {@link #release released}.
   */
  public synchronized Entry acquire(Space space, long address) {
    Entry e = find(spaces.get(space), address);
    if (e == null && space.tagged()) {
      e = find(globals, address);
    }
    if (e != null) {
      e.inFlight++;
    }
    return e;
  }

  private static Entry find(TreeMap<Long, Entry> table, long address) {
    if (table == null) {
      return null;
    }
    var floor = table.floorEntry(address);
    return floor != null && Long.compareUnsigned(address, floor.getValue().last()) <= 0 ? floor.getValue() : null;
  }

  /** Ends one access on {@code entry}; completes invalidations that waited for it. */
  public void release(Entry entry) {
    List<Runnable> done = new ArrayList<>();
    synchronized (this) {
      if (--entry.inFlight > 0) {
        return;
      }
      if (entry.removed) {
        draining.remove(entry);
      }
      if (entry.waiters == null) {
        return;
      }
      for (Invalidation inv : entry.waiters) {
        if (--inv.busy == 0) {
          outstandingInvalidations--;
          done.add(inv.completion);
        }
      }
      entry.waiters = null;
    }
    done.forEach(Runnable::run);
  }

  /** Registers a translation request about to be sent. */
  public synchronized PendingTranslation startTranslation(Space space, long address) {
    PendingTranslation p = new PendingTranslation(space, address);
    pending.add(p);
    return p;
  }

  /**
   * Ends a translation request; caches its entry unless the request was overlapped (then
   * returns false and caches nothing). A null entry (not cacheable) just ends the request.
   */
  public synchronized boolean finishTranslation(PendingTranslation p, Entry entry) {
    pending.remove(p);
    if (p.overlapped) {
      return false;
    }
    if (entry != null) {
      TreeMap<Long, Entry> table = entry.global ? globals : spaces.computeIfAbsent(entry.space,
          s -> new TreeMap<>(Long::compareUnsigned));
      // A newer translation replaces entries it overlaps (they can only be equal or stale).
      removeWhere(table, entry.base, entry.last(), e -> true, null);
      table.put(entry.base, entry);
    }
    return true;
  }

  /** Creates an entry (not yet cached). */
  Entry entry(Space space, long base, long size, long taddr, int perm, boolean global) {
    return new Entry(space, base, size, taddr, perm, global);
  }

  /**
   * ATS_INVALIDATE steps 1–3 (§4.2). {@code pasid} < 0: every entry in range of every space;
   * else that PASID's entries, plus every global entry in range if {@code global}.
   */
  public InvalidateOutcome invalidate(int pasid, boolean global, long first, long last, int queueDepth,
      Runnable completion) {
    synchronized (this) {
      Predicate<Entry> inScope = pasid < 0 ? e -> true : e -> e.space.pasid() == pasid || (global && e.global);
      boolean busy = outstandingInvalidations >= queueDepth;
      Invalidation inv = busy ? null : new Invalidation(completion);
      for (TreeMap<Long, Entry> table : spaces.values()) {
        removeWhere(table, first, last, inScope, inv);
      }
      removeWhere(globals, first, last, inScope, inv);
      if (inv != null) {
        for (Entry e : draining) {
          // removed earlier (by anyone) and still in use: this completion must wait for it as well
          if (e.overlaps(first, last) && inScope.test(e) && (e.waiters == null || !e.waiters.contains(inv))) {
            waitFor(e, inv);
          }
        }
      }
      for (PendingTranslation p : pending) {
        // with GLOBAL, a request of any PASID may come back with a Global translation in range
        if ((pasid < 0 || global || p.space.pasid() == pasid) && Long.compareUnsigned(p.address, first) >= 0
            && Long.compareUnsigned(p.address, last) <= 0) {
          p.overlapped = true;
        }
      }
      if (busy) {
        return InvalidateOutcome.BUSY;
      }
      if (inv.busy > 0) {
        outstandingInvalidations++;
        return InvalidateOutcome.PENDING;
      }
    }
    completion.run();
    return InvalidateOutcome.COMPLETE;
  }

  /** Implicit invalidation (ATS disable, reset): entries matching {@code scope} go, overlapping requests are stale. */
  public synchronized void flush(Predicate<Space> scope) {
    for (var t : spaces.entrySet()) {
      if (scope.test(t.getKey())) {
        removeWhere(t.getValue(), 0, -1L, e -> true, null);
      }
    }
    removeWhere(globals, 0, -1L, e -> scope.test(e.space), null);
    for (PendingTranslation p : pending) {
      if (scope.test(p.space)) {
        p.overlapped = true;
      }
    }
  }

  /** Drops entries whose translated range overlaps {@code [tfirst, tlast]} (the translated space was unmapped). */
  public synchronized void dropTranslated(long tfirst, long tlast) {
    Predicate<Entry> hit = e -> Long.compareUnsigned(e.taddr, tlast) <= 0
        && Long.compareUnsigned(tfirst, e.taddr + e.size - 1) <= 0;
    for (TreeMap<Long, Entry> table : spaces.values()) {
      removeWhere(table, 0, -1L, hit, null);
    }
    removeWhere(globals, 0, -1L, hit, null);
  }

  /** Number of cached entries (tests, diagnostics). */
  public synchronized int size() {
    return spaces.values().stream().mapToInt(TreeMap::size).sum() + globals.size();
  }

  /** Invalidations waiting for accesses to drain. */
  public synchronized int outstandingInvalidations() {
    return outstandingInvalidations;
  }

  /** Entries removed but still in use (tests, diagnostics). */
  public synchronized int draining() {
    return draining.size();
  }

  private static void waitFor(Entry e, Invalidation inv) {
    if (e.waiters == null) {
      e.waiters = new ArrayList<>();
    }
    e.waiters.add(inv);
    inv.busy++;
  }

  private void removeWhere(TreeMap<Long, Entry> table, long first, long last, Predicate<Entry> inScope,
      Invalidation inv) {
    // Entries do not overlap within a table, so only the floor of `first` can start below it.
    Long from = table.floorKey(first);
    Iterator<Entry> it = table.tailMap(from == null ? first : from, true).values().iterator();
    while (it.hasNext()) {
      Entry e = it.next();
      if (Long.compareUnsigned(e.base, last) > 0) {
        break;
      }
      if (e.overlaps(first, last) && inScope.test(e)) {
        it.remove();
        e.removed = true;
        if (e.inFlight > 0) {
          draining.add(e);
          if (inv != null) {
            waitFor(e, inv);
          }
        }
      }
    }
  }
}
