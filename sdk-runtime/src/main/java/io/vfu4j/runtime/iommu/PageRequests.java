package io.vfu4j.runtime.iommu;

import io.vfu4j.api.DmaException;
import io.vfu4j.api.DmaSpace.PageResponse;
import io.vfu4j.runtime.dma.Space;
import io.vfu4j.runtime.protocol.IommuMessages;
import io.vfu4j.runtime.protocol.IommuMessages.PageRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * PRI page request groups of one function (docs/protocol-extension.md §7): PRG indexes, the
 * outstanding allocation (min(Allocation, Capacity) pages latched at enable) with queueing beyond
 * it, responses, Response Failure, PRI reset and the Stopped bit. Runs on the device thread only.
 */
final class PageRequests {
  /**
   * How a group leaves for the client (or is answered locally); the future is the acknowledgement
   * and must complete on the device thread.
   */
  interface Sender {
    CompletableFuture<Void> send(PageRequest request);
  }

  /** Where the runtime reflects PRI state into config space. */
  interface Status {
    void requestsOutstanding(boolean outstanding);

    void responseFailure();

    void unexpectedGroupIndex();
  }

  private record Group(int prgi, Space space, long units, CompletableFuture<PageResponse> result) {}

  private record Waiting(Space space, long address, long length, int access, CompletableFuture<PageResponse> result) {
    long units() {
      return length / IommuMessages.PAGE;
    }
  }

  private final Status status;
  private final long capacity;
  private Sender sender;
  private boolean enabled;
  private boolean failed;
  private long allocation;
  private long unitsOutstanding;
  private final Map<Integer, Group> outstanding = new HashMap<>();
  private final LinkedHashSet<Integer> retired = new LinkedHashSet<>();
  private final ArrayDeque<Waiting> queue = new ArrayDeque<>();

  private java.util.concurrent.Executor abandonedDelivery = Runnable::run;

  PageRequests(Status status, long capacity) {
    this.status = status;
    this.capacity = capacity;
  }

  void setSender(Sender sender) {
    this.sender = sender;
  }

  /** PRI Enable changed; 0 → 1 latches the allocation and clears the Response Failure stop. */
  void enable(boolean on, long allocationRegister) {
    if (on && !enabled) {
      allocation = Math.min(Integer.toUnsignedLong((int) allocationRegister), capacity);
      failed = false;
    }
    enabled = on;
    if (!on) {
      failQueued("PRI disabled");
    }
    pump();
  }

  /** True when a page request may be sent now (enabled, not stopped by a failure, some allocation). */
  boolean usable() {
    return enabled && !failed && allocation > 0 && sender != null;
  }

  /** A device request: whole pages of one space; split into groups of at most the allocation. */
  CompletableFuture<PageResponse> request(Space space, long address, long length, int access) {
    if (!enabled || sender == null || allocation == 0) {
      return CompletableFuture.failedFuture(new DmaException(address, "PRI is not enabled"));
    }
    if (failed) {
      return CompletableFuture.completedFuture(PageResponse.RESPONSE_FAILURE);
    }
    long first = address & -IommuMessages.PAGE;
    long end = address + length;
    long pages = (end - first + IommuMessages.PAGE - 1) / IommuMessages.PAGE;
    List<CompletableFuture<PageResponse>> parts = new ArrayList<>();
    for (long done = 0; done < pages; done += allocation) {
      long n = Math.min(allocation, pages - done);
      var result = new CompletableFuture<PageResponse>();
      queue.add(new Waiting(space, first + done * IommuMessages.PAGE, n * IommuMessages.PAGE, access, result));
      parts.add(result);
    }
    pump();
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> parts.stream()
        .map(CompletableFuture::join).max(Enum::compareTo).orElse(PageResponse.SUCCESS));
  }

  /** A stop marker for a PASID space (§4.4): no allocation, no response, errors ignored. */
  CompletableFuture<Void> stopMarker(Space space) {
    if (!usable() || !space.tagged()) {
      return CompletableFuture.completedFuture(null);
    }
    var marker = new PageRequest(0, 0, IommuMessages.LAST | IommuMessages.PASID_VALID, space.pasid(), 0);
    return sender.send(marker).exceptionally(e -> null);
  }

  /** Sends queued groups while they fit the allocation and an index is free. */
  private void pump() {
    while (usable() && !queue.isEmpty() && queue.peek().units() <= allocation - unitsOutstanding) {
      int prgi = freeIndex();
      if (prgi < 0) {
        break;
      }
      Waiting w = queue.poll();
      Group g = new Group(prgi, w.space, w.units(), w.result);
      outstanding.put(prgi, g);
      unitsOutstanding += g.units;
      status.requestsOutstanding(true);
      int flags = (w.access & (IommuMessages.R | IommuMessages.W)) | IommuMessages.LAST
          | (w.space.tagged() ? IommuMessages.PASID_VALID : 0);
      var request = new PageRequest(w.address, w.length, flags,
          w.space.tagged() ? w.space.pasid() : IommuMessages.NO_PASID, prgi);
      sender.send(request).whenComplete((ack, error) -> {
        // An error reply or a timeout counts as a Response Failure (§4.4); a disconnect does not:
        // the client-lost path retires the groups and fails their work.
        if (error != null && !(unwrap(error) instanceof java.io.IOException)) {
          failure();
        }
      });
    }
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /** Lowest index neither outstanding nor retired; else the oldest retired one; -1 if none. */
  private int freeIndex() {
    for (int i = 0; i <= PageRequest.MAX_PRGI; i++) {
      if (!outstanding.containsKey(i) && !retired.contains(i)) {
        return i;
      }
    }
    var it = retired.iterator();
    if (it.hasNext()) {
      int i = it.next();
      it.remove();
      return i;
    }
    return -1;
  }

  /**
   * PRI_PAGE_RESPONSE: false (ENOENT, UPRGI set) for an index naming no group or a PASID mismatch;
   * true otherwise, late responses to retired groups included.
   */
  boolean respond(int prgi, int pasid, int code) {
    Group g = outstanding.get(prgi);
    if (g == null) {
      if (retired.remove(prgi)) {
        return true; // retired: consumed silently
      }
      status.unexpectedGroupIndex();
      return false;
    }
    if (g.space.pasid() != pasid) {
      status.unexpectedGroupIndex();
      return false;
    }
    if (code == 0 || code == 1) {
      finish(g);
      g.result.complete(code == 0 ? PageResponse.SUCCESS : PageResponse.INVALID_REQUEST);
      pump();
    } else {
      failure();
    }
    return true;
  }

  private void finish(Group g) {
    outstanding.remove(g.prgi);
    unitsOutstanding -= g.units;
    status.requestsOutstanding(!outstanding.isEmpty());
  }

  /** Response Failure (§7.6): status bit, every group retired with RESPONSE_FAILURE, stop until re-enable. */
  private void failure() {
    if (failed && outstanding.isEmpty()) {
      return;
    }
    failed = true;
    status.responseFailure();
    retireAll(g -> g.result.complete(PageResponse.RESPONSE_FAILURE));
    for (Waiting w; (w = queue.poll()) != null; ) {
      w.result.complete(PageResponse.RESPONSE_FAILURE);
    }
  }

  /**
   * Where failures of abandoned work are delivered. The IOMMU layer queues them on the device
   * thread, so that a reset finishes (and the device's reset hook has run) before the device
   * hears that its page requests died with it.
   */
  void setAbandonedDelivery(java.util.concurrent.Executor delivery) {
    this.abandonedDelivery = delivery;
  }

  /** PRI Reset, device reset or disconnect: groups retired, waiting work fails. */
  void abandon(String why) {
    retireAll(g -> abandonedDelivery.execute(
        () -> g.result.completeExceptionally(new DmaException(0, "page request group abandoned: " + why))));
    failQueued(why);
  }

  /** Forgets retired indexes too (client gone: nobody can answer them). */
  void clientLost() {
    abandon("client disconnected");
    retired.clear();
  }

  private void retireAll(java.util.function.Consumer<Group> fail) {
    List<Group> groups = new ArrayList<>(outstanding.values());
    outstanding.clear();
    unitsOutstanding = 0;
    for (Group g : groups) {
      retired.add(g.prgi);
    }
    status.requestsOutstanding(false);
    groups.forEach(fail);
  }

  private void failQueued(String why) {
    for (Waiting w; (w = queue.poll()) != null; ) {
      Waiting failed = w;
      abandonedDelivery.execute(
          () -> failed.result.completeExceptionally(new DmaException(failed.address, "page request not sent: " + why)));
    }
  }

  int outstandingGroups() {
    return outstanding.size();
  }

  long unitsOutstanding() {
    return unitsOutstanding;
  }

  int queued() {
    return queue.size();
  }
}
