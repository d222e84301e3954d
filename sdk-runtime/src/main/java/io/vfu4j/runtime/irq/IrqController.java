package io.vfu4j.runtime.irq;

import static io.vfu4j.runtime.irq.IrqFlags.ACTION_MASK;
import static io.vfu4j.runtime.irq.IrqFlags.ACTION_MASK_ALL;
import static io.vfu4j.runtime.irq.IrqFlags.ACTION_TRIGGER;
import static io.vfu4j.runtime.irq.IrqFlags.ACTION_UNMASK;
import static io.vfu4j.runtime.irq.IrqFlags.DATA_BOOL;
import static io.vfu4j.runtime.irq.IrqFlags.DATA_EVENTFD;
import static io.vfu4j.runtime.irq.IrqFlags.DATA_MASK;
import static io.vfu4j.runtime.irq.IrqFlags.DATA_NONE;
import static io.vfu4j.runtime.irq.IrqFlags.ERR;
import static io.vfu4j.runtime.irq.IrqFlags.INDEX_COUNT;
import static io.vfu4j.runtime.irq.IrqFlags.INTX;
import static io.vfu4j.runtime.irq.IrqFlags.MSI;
import static io.vfu4j.runtime.irq.IrqFlags.MSIX;
import static io.vfu4j.runtime.irq.IrqFlags.REQ;

import io.vfu4j.api.Interrupts;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.sys.EventFd;
import io.vfu4j.runtime.sys.Native;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * The interrupts of one device: DEVICE_GET_IRQ_INFO, DEVICE_SET_IRQS, and the {@link Interrupts}
 * a device raises.
 *
 * <p>INTx behaves like the kernel's VFIO INTx, which QEMU expects: a level; the eventfd fires on
 * the 0 → 1 edge and then masks itself until the client unmasks; an unmask, or the guest clearing
 * Interrupt Disable, fires again while the level is still up (QEMU ends an INTx interrupt on the
 * next BAR access, so a level that stayed up must be signalled again or it is lost). Nothing
 * fires while Interrupt Disable is set. PCI Status bit 3 always equals the level.
 *
 * <p>MSI-X: a vector that is masked (table entry, function mask, or SET_IRQS mask) or has no
 * eventfd yet becomes pending and fires when it is unmasked or gets its eventfd.
 *
 * <p>Not thread-safe: call it on the device thread only.
 */
public final class IrqController implements Interrupts, AutoCloseable {
  private final IrqCounts counts;
  private final InterruptState state;
  private final Vectors[] indices = new Vectors[INDEX_COUNT];
  /** The vectors the device holds raised on the INTx line; the level is "any". */
  private final BitSet intxSources = new BitSet();
  private boolean intxMasked;
  private EventFd intxResample;

  /** Creates the controller for {@code counts} vectors, reading guest settings from {@code state}. */
  public IrqController(IrqCounts counts, InterruptState state) {
    this.counts = Objects.requireNonNull(counts);
    this.state = Objects.requireNonNull(state);
    String[] names = {"INTx", "MSI", "MSI-X", "ERR", "REQ"};
    for (int index = 0; index < INDEX_COUNT; index++) {
      indices[index] = new Vectors(names[index], counts.of(index));
    }
  }

  /** Shorthand for {@code new IrqController(IrqCounts.of(intx, msi, msix), state)}. */
  public IrqController(int intxVectors, int msiVectors, int msixVectors, InterruptState state) {
    this(IrqCounts.of(intxVectors, msiVectors, msixVectors), state);
  }

  /** The vector counts. */
  public IrqCounts counts() {
    return counts;
  }

  // ---------------------------------------------------------------------------------------------
  // DEVICE_GET_IRQ_INFO

  /**
   * DEVICE_GET_IRQ_INFO: every index signals through eventfds; INTx is also maskable and
   * automasked, like the kernel's.
   *
   * @throws ProtocolException EINVAL for an index of 5 or more
   */
  public IrqInfo info(int index) throws ProtocolException {
    checkIndex(index);
    int flags = IrqFlags.INFO_EVENTFD;
    if (index == INTX) {
      flags |= IrqFlags.INFO_MASKABLE | IrqFlags.INFO_AUTOMASKED;
    }
    return new IrqInfo(flags, counts.of(index));
  }

  private static void checkIndex(int index) throws ProtocolException {
    if (index < 0 || index >= INDEX_COUNT) {
      throw ProtocolException.invalid("no IRQ index " + Integer.toUnsignedString(index));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // DEVICE_SET_IRQS

  /**
   * DEVICE_SET_IRQS. Takes ownership of {@code fds}: they are kept as eventfds, or closed if the
   * request is refused or does not keep them.
   *
   * @param flags exactly one {@code DATA_*} and one {@code ACTION_*} bit of {@link IrqFlags}
   * @param start first vector (unsigned)
   * @param count number of vectors (unsigned); 0 only with TRIGGER|DATA_NONE and start 0, which
   *     disables every vector of the index
   * @param boolData one byte per vector with DATA_BOOL (1 = act on it), else null or empty
   * @param fds eventfds with DATA_EVENTFD: one per vector, or none to de-assign; else none
   * @throws ProtocolException EINVAL for every malformed request (spec §8.7)
   */
  public void setIrqs(
      int flags, int index, int start, int count, byte[] boolData, List<FileDescriptor> fds)
      throws ProtocolException {
    List<FileDescriptor> received = fds == null ? List.of() : fds;
    try {
      validate(flags, index, start, count, boolData, received.size());
      List<FileDescriptor> toAdopt = received;
      received = List.of(); // adoptAll owns them from here, even when it fails
      List<EventFd> eventFds = adoptAll(toAdopt);
      apply(flags, index, start, count, boolData, eventFds);
    } finally {
      closeAll(received);
    }
  }

  private void validate(int flags, int index, int start, int count, byte[] boolData, int fdCount)
      throws ProtocolException {
    checkIndex(index);
    int data = flags & DATA_MASK;
    int action = flags & ACTION_MASK_ALL;
    if ((flags & ~(DATA_MASK | ACTION_MASK_ALL)) != 0
        || Integer.bitCount(data) != 1
        || Integer.bitCount(action) != 1) {
      throw invalid("need exactly one data type and one action, got flags 0x%x", flags);
    }
    long first = Integer.toUnsignedLong(start);
    long number = Integer.toUnsignedLong(count);
    if (number == 0) {
      if (first != 0 || flags != (ACTION_TRIGGER | DATA_NONE)) {
        throw invalid("count 0 needs start 0 and TRIGGER|DATA_NONE (flags 0x%x)", flags);
      }
    } else if (first >= counts.of(index) || first + number > counts.of(index)) {
      throw invalid(
          "vectors %d..%d outside the %d of index %d",
          first, first + number - 1, counts.of(index), index);
    }
    if ((index == ERR || index == REQ) && (action != ACTION_TRIGGER || number > 1)) {
      throw invalid("ERR/REQ take only TRIGGER of one vector (flags 0x%x)", flags);
    }
    if (fdCount > 0 && data != DATA_EVENTFD) {
      throw invalid("%d fds without DATA_EVENTFD", fdCount);
    }
    if (data == DATA_EVENTFD && fdCount != 0 && fdCount != number) {
      throw invalid("%d fds for %d vectors", fdCount, number);
    }
    int boolLength = boolData == null ? 0 : boolData.length;
    if (data == DATA_BOOL ? boolLength != number : boolLength != 0) {
      throw invalid("%d data bytes for %d vectors with flags 0x%x", boolLength, number, flags);
    }
  }

  private static ProtocolException invalid(String format, Object... args) {
    return ProtocolException.invalid("SET_IRQS: " + format.formatted(args));
  }

  /** Adopts every fd as an eventfd; on failure closes all of them and refuses the request. */
  private static List<EventFd> adoptAll(List<FileDescriptor> fds) throws ProtocolException {
    var adopted = new ArrayList<EventFd>();
    for (int i = 0; i < fds.size(); i++) {
      try {
        adopted.add(EventFd.adopt(fds.get(i)));
      } catch (IOException | RuntimeException e) {
        adopted.forEach(EventFd::close);
        closeAll(fds.subList(i + 1, fds.size()));
        throw invalid("fd %d: %s", i, e.getMessage());
      }
    }
    return adopted;
  }

  private static void closeAll(List<FileDescriptor> fds) {
    for (FileDescriptor fd : fds) {
      try {
        Native.closeQuietly(Native.fdNumber(fd));
      } catch (IOException notAnFd) {
        // already invalid: nothing to close
      }
    }
  }

  private void apply(
      int flags, int index, int start, int count, byte[] boolData, List<EventFd> eventFds) {
    int data = flags & DATA_MASK;
    int action = flags & ACTION_MASK_ALL;
    if (count == 0) {
      disable(index);
    } else if (data == DATA_EVENTFD) {
      applyEventFds(action, index, start, count, eventFds);
    } else {
      for (int i = 0; i < count; i++) {
        if (data == DATA_NONE || boolData[i] == 1) {
          applyAction(action, index, start + i);
        }
      }
    }
  }

  private void applyEventFds(int action, int index, int start, int count, List<EventFd> eventFds) {
    if (action == ACTION_TRIGGER) {
      Vectors vectors = indices[index];
      for (int i = 0; i < count; i++) {
        vectors.assign(start + i, eventFds.isEmpty() ? null : eventFds.get(i));
        if (index == MSI || index == MSIX) {
          deliverPending(index, start + i);
        }
      }
    } else if (index == INTX && action == ACTION_UNMASK) {
      // QEMU's KVM resample fd: signalled when the guest acknowledged the interrupt
      if (intxResample != null) {
        intxResample.close();
      }
      intxResample = eventFds.isEmpty() ? null : eventFds.getFirst();
    } else {
      // MASK|EVENTFD, and UNMASK|EVENTFD for message interrupts: no meaning here (as libvfio-user)
      eventFds.forEach(EventFd::close);
    }
  }

  private void applyAction(int action, int index, int vector) {
    switch (action) {
      case ACTION_TRIGGER -> indices[index].signal(vector); // loopback test by the client
      case ACTION_MASK -> mask(index, vector);
      case ACTION_UNMASK -> unmask(index, vector);
      default -> throw new IllegalStateException("validated action " + action);
    }
  }

  private void mask(int index, int vector) {
    if (index == INTX) {
      intxMasked = true;
    } else {
      indices[index].setMasked(vector, true);
    }
  }

  private void unmask(int index, int vector) {
    if (index == INTX) {
      intxMasked = false;
      fireIntxIfAllowed();
    } else {
      indices[index].setMasked(vector, false);
      deliverPending(index, vector);
    }
  }

  /** Disables every vector of {@code index}: closes its eventfds and forgets masks and pending. */
  private void disable(int index) {
    Vectors vectors = indices[index];
    for (int v = 0; v < vectors.count(); v++) {
      if (vectors.pending(v)) {
        showPending(index, v, false);
      }
    }
    vectors.clear();
    if (index == INTX) {
      intxMasked = false;
      if (intxResample != null) {
        intxResample.close();
        intxResample = null;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Interrupts (device side)

  /**
   * Signals {@code vector} through the mechanism the guest enabled: MSI-X, else MSI (a vector
   * beyond the enabled count folds onto the enabled ones, as hardware may do), else INTx.
   *
   * @throws IllegalArgumentException for a negative vector, or one the device lacks with MSI-X
   */
  @Override
  public void raise(int vector) {
    if (vector < 0) {
      throw new IllegalArgumentException("negative vector " + vector);
    }
    if (state.msixEnabled()) {
      if (vector >= counts.msix()) {
        throw new IllegalArgumentException(
            "MSI-X vector " + vector + " of " + counts.msix() + " raised");
      }
      fireOrHold(MSIX, vector);
    } else if (state.msiEnabled()) {
      int enabled = Math.min(counts.msi(), Math.max(1, state.msiEnabledVectors()));
      if (enabled > 0) {
        fireOrHold(MSI, vector % enabled);
      }
    } else if (counts.intx() > 0) {
      boolean wasUp = !intxSources.isEmpty();
      intxSources.set(vector);
      if (!wasUp) {
        state.setInterruptStatus(true);
        fireIntxIfAllowed();
      }
    }
  }

  /** Drops the INTx level held for {@code vector}; the line falls when no vector holds it. */
  @Override
  public void lower(int vector) {
    if (vector < 0) {
      throw new IllegalArgumentException("negative vector " + vector);
    }
    boolean wasUp = !intxSources.isEmpty();
    intxSources.clear(vector);
    if (wasUp && intxSources.isEmpty()) {
      state.setInterruptStatus(false);
    }
  }

  @Override
  public boolean msiEnabled() {
    return state.msiEnabled();
  }

  @Override
  public boolean msixEnabled() {
    return state.msixEnabled();
  }

  @Override
  public boolean intxAsserted() {
    return !intxSources.isEmpty();
  }

  /** True while INTx is masked (automasked after firing, or masked by the client). */
  public boolean intxMasked() {
    return intxMasked;
  }

  /** True if {@code vector} of {@code index} waits for an unmask or an eventfd. */
  public boolean pending(int index, int vector) {
    return indices[index].pending(vector);
  }

  /** True if {@code vector} of {@code index} has a trigger eventfd. */
  public boolean triggerAssigned(int index, int vector) {
    return indices[index].hasTrigger(vector);
  }

  /**
   * Call after a config write that may have changed Command bit 10: if the guest cleared
   * Interrupt Disable while the INTx level is up (and INTx is not masked), fires INTx again.
   */
  public void intxDisableChanged() {
    fireIntxIfAllowed();
  }

  /** Call when the guest unmasks MSI-X table entry {@code vector}: fires it if pending. */
  public void msixUnmasked(int vector) {
    deliverPending(MSIX, vector);
  }

  /** Call when the guest unmasks MSI {@code vector} (per-vector masking): fires it if pending. */
  public void msiUnmasked(int vector) {
    deliverPending(MSI, vector);
  }

  /** Call when the guest clears the MSI-X Function Mask: fires every pending vector. */
  public void msixFunctionUnmasked() {
    for (int v = 0; v < counts.msix(); v++) {
      deliverPending(MSIX, v);
    }
  }

  /**
   * Checks (without blocking) whether the client signalled the INTx resample eventfd, and if so
   * unmasks INTx. Optional: QEMU also sends UNMASK|DATA_NONE.
   */
  public boolean pollIntxResample() {
    if (intxResample == null) {
      return false;
    }
    try {
      if (intxResample.readCounter() == 0) {
        return false;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    intxMasked = false;
    fireIntxIfAllowed();
    return true;
  }

  /** Fires the ERR eventfd (QEMU stops the VM); false if the client registered none. */
  public boolean signalError() {
    return counts.err() > 0 && indices[ERR].signal(0);
  }

  /** Fires the REQ eventfd (the client asks the guest to release the device); false if none. */
  public boolean requestRelease() {
    return counts.req() > 0 && indices[REQ].signal(0);
  }

  private void fireIntxIfAllowed() {
    if (counts.intx() == 0
        || intxSources.isEmpty()
        || intxMasked
        || state.intxDisabled()
        || state.msiEnabled()
        || state.msixEnabled()) {
      return;
    }
    if (indices[INTX].signal(0)) {
      intxMasked = true; // automask, as the kernel does: the client unmasks after EOI
    }
  }

  private boolean messageMasked(int index, int vector) {
    Vectors vectors = indices[index];
    if (vectors.masked(vector)) {
      return true;
    }
    return switch (index) {
      case MSI -> state.msiVectorMasked(vector);
      case MSIX -> state.msixFunctionMasked() || state.msixVectorMasked(vector);
      default -> false;
    };
  }

  /** Mirrors the controller's pending bit into the guest-visible MSI Pending Bits or MSI-X PBA. */
  private void showPending(int index, int vector, boolean pending) {
    if (index == MSI) {
      state.setMsiPending(vector, pending);
    } else if (index == MSIX) {
      state.setMsixPending(vector, pending);
    }
  }

  private void fireOrHold(int index, int vector) {
    Vectors vectors = indices[index];
    if (messageMasked(index, vector) || !vectors.signal(vector)) {
      vectors.setPending(vector, true);
      showPending(index, vector, true);
    }
  }

  private void deliverPending(int index, int vector) {
    Vectors vectors = indices[index];
    if (vector < 0 || vector >= vectors.count() || !vectors.pending(vector)) {
      return;
    }
    boolean delivered = !messageMasked(index, vector) && vectors.signal(vector);
    if (delivered) {
      vectors.setPending(vector, false);
    }
    // The config space may have cleared its bit already (it reports unmasks that way): re-show it.
    showPending(index, vector, !delivered);
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * The device was reset (FLR, DEVICE_RESET, PM): the INTx level it drove drops and pending
   * MSI/MSI-X messages are forgotten, as in hardware; the client's eventfds and SET_IRQS masks
   * stay (QEMU reprograms them itself). INTx is unmasked again and Status bit 3 cleared.
   */
  public void deviceReset() {
    intxSources.clear();
    intxMasked = false;
    for (int index : new int[] {MSI, MSIX}) {
      Vectors vectors = indices[index];
      for (int v = 0; v < vectors.count(); v++) {
        if (vectors.pending(v)) {
          vectors.setPending(v, false);
          showPending(index, v, false);
        }
      }
    }
    state.setInterruptStatus(false);
  }

  /**
   * Forgets the client: closes every eventfd, clears masks and pending bits; keeps the counts
   * and the level the device drives (and re-syncs Status bit 3 to it).
   */
  public void reset() {
    for (int index = 0; index < INDEX_COUNT; index++) {
      disable(index);
    }
    state.setInterruptStatus(intxAsserted());
  }

  /** Same as {@link #reset()}: closes every eventfd. */
  @Override
  public void close() {
    reset();
  }
}
