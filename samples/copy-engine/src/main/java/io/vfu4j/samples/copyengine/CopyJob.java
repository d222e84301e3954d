package io.vfu4j.samples.copyengine;

import io.vfu4j.api.DmaException;
import io.vfu4j.api.DmaSpace;
import io.vfu4j.api.PageFaultException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * One copy in flight, page by page: read a chunk from the source, write it to the destination,
 * next chunk. Each access goes through the runtime's IOMMU-aware DMA (pushed mapping, ATC,
 * ATS_TRANSLATE, PRI page request, retranslate), asynchronously: the device thread keeps serving
 * register accesses while a page is being faulted in. Everything runs on the device thread.
 */
final class CopyJob {
  static final int PAGE = 4096;

  /** Hears how the job ended. */
  interface Listener {
    void finished(Submission submission, CompletionStatus status, long bytesCopied, long faultAddress);
  }

  private final DmaSpace space;
  private final Submission submission;
  private final Executor deviceThread;
  private final Listener listener;
  private final MemorySegment chunk = Arena.ofAuto().allocate(PAGE);
  private long copied;
  private boolean cancelled;

  CopyJob(DmaSpace space, Submission submission, Executor deviceThread, Listener listener) {
    this.space = space;
    this.submission = submission;
    this.deviceThread = deviceThread;
    this.listener = listener;
  }

  void start() {
    deviceThread.execute(this::next);
  }

  /** Abandons the job (a reset): whatever completes later is ignored and nothing more is sent. */
  void cancel() {
    cancelled = true;
  }

  private void next() {
    if (cancelled) {
      return;
    }
    if (copied == submission.length()) {
      listener.finished(submission, CompletionStatus.SUCCESS, copied, 0);
      return;
    }
    long source = submission.source() + copied;
    long destination = submission.destination() + copied;
    // a chunk never crosses a page of either buffer: each access needs one translation at most
    long size = Math.min(submission.length() - copied,
        Math.min(PAGE - (source & (PAGE - 1)), PAGE - (destination & (PAGE - 1))));
    MemorySegment data = chunk.asSlice(0, size);
    space.readAsync(source, data)
        .thenCompose(v -> space.writeAsync(destination, data))
        .whenComplete((v, failure) -> {
          if (cancelled) {
            return;
          }
          if (failure != null) {
            // Reported on the next turn of the device thread: a reset that failed this access
            // (abandoned page requests) runs the device's reset hook first, which cancels us.
            deviceThread.execute(() -> {
              if (!cancelled) {
                fail(failure, source);
              }
            });
            return;
          }
          copied += size;
          deviceThread.execute(this::next); // a queue hop: register accesses interleave with big copies
        });
  }

  private void fail(Throwable failure, long where) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    CompletionStatus status = cause instanceof PageFaultException fault
        ? (fault.response() == DmaSpace.PageResponse.INVALID_REQUEST
            ? CompletionStatus.PAGE_FAULT_INVALID_REQUEST : CompletionStatus.PAGE_FAULT_RESPONSE_FAILURE)
        : CompletionStatus.DMA_ERROR;
    long address = cause instanceof DmaException dma ? dma.address() : where;
    listener.finished(submission, status, copied, address);
  }
}
