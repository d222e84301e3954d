package io.vfu4j.runtime.irq;

import static io.vfu4j.runtime.irq.IrqFlags.ACTION_MASK;
import static io.vfu4j.runtime.irq.IrqFlags.ACTION_TRIGGER;
import static io.vfu4j.runtime.irq.IrqFlags.ACTION_UNMASK;
import static io.vfu4j.runtime.irq.IrqFlags.DATA_BOOL;
import static io.vfu4j.runtime.irq.IrqFlags.DATA_EVENTFD;
import static io.vfu4j.runtime.irq.IrqFlags.DATA_NONE;
import static io.vfu4j.runtime.irq.IrqFlags.ERR;
import static io.vfu4j.runtime.irq.IrqFlags.INTX;
import static io.vfu4j.runtime.irq.IrqFlags.MSI;
import static io.vfu4j.runtime.irq.IrqFlags.MSIX;
import static io.vfu4j.runtime.irq.IrqFlags.REQ;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.sys.EventFd;
import io.vfu4j.runtime.sys.FdInfo;
import io.vfu4j.runtime.sys.Native;
import java.io.FileDescriptor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class IrqControllerTest {
  /** Config-space stand-in: what the guest enabled, and what the controller reports back. */
  private static final class FakeState implements InterruptState {
    boolean intxDisabled;
    boolean msi;
    boolean msix;
    int msiEnabledVectors = 32;
    boolean functionMasked;
    final Map<Integer, Boolean> tableMasked = new HashMap<>();
    final Map<Integer, Boolean> pba = new HashMap<>();
    boolean interruptStatus;

    @Override
    public boolean intxDisabled() {
      return intxDisabled;
    }

    @Override
    public boolean msiEnabled() {
      return msi;
    }

    @Override
    public boolean msixEnabled() {
      return msix;
    }

    @Override
    public int msiEnabledVectors() {
      return msiEnabledVectors;
    }

    @Override
    public boolean msixFunctionMasked() {
      return functionMasked;
    }

    @Override
    public boolean msixVectorMasked(int vector) {
      return tableMasked.getOrDefault(vector, false);
    }

    @Override
    public void setMsixPending(int vector, boolean pending) {
      pba.put(vector, pending);
    }

    @Override
    public void setInterruptStatus(boolean level) {
      interruptStatus = level;
    }

    final Map<Integer, Boolean> msiMasked = new HashMap<>();
    final Map<Integer, Boolean> msiPending = new HashMap<>();

    @Override
    public boolean msiVectorMasked(int vector) {
      return msiMasked.getOrDefault(vector, false);
    }

    @Override
    public void setMsiPending(int vector, boolean pending) {
      msiPending.put(vector, pending);
    }
  }

  private final FakeState state = new FakeState();
  private final IrqController irqs = new IrqController(1, 4, 8, state);
  /** The client's ends of the eventfds it sends; the controller gets duplicates. */
  private final List<EventFd> clientEnds = new ArrayList<>();

  @AfterEach
  void tearDown() {
    irqs.close();
    clientEnds.forEach(EventFd::close);
  }

  /** A new eventfd: the client keeps one end, and the returned descriptor is what it sends. */
  private FileDescriptor sendEventFd(EventFd[] clientEnd) throws IOException {
    var eventFd = EventFd.create();
    clientEnds.add(eventFd);
    clientEnd[0] = eventFd;
    return Native.fileDescriptor(Native.dup(eventFd.fd()));
  }

  private EventFd assign(int index, int vector) throws Exception {
    var end = new EventFd[1];
    irqs.setIrqs(ACTION_TRIGGER | DATA_EVENTFD, index, vector, 1, null, List.of(sendEventFd(end)));
    return end[0];
  }

  private void refused(int flags, int index, int start, int count, byte[] data, int fdCount)
      throws IOException {
    var fds = new ArrayList<FileDescriptor>();
    var numbers = new ArrayList<Integer>();
    for (int i = 0; i < fdCount; i++) {
      FileDescriptor fd = sendEventFd(new EventFd[1]);
      fds.add(fd);
      numbers.add(Native.fdNumber(fd));
    }
    assertThatThrownBy(() -> irqs.setIrqs(flags, index, start, count, data, fds))
        .isInstanceOfSatisfying(
            ProtocolException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    assertThat(numbers).allSatisfy(n -> assertThat(FdInfo.isOpen(n)).as("fd %d", n).isFalse());
  }

  @Test
  void infoReportsCountsAndAutomaskedMaskableIntx() throws Exception {
    int eventfd = IrqFlags.INFO_EVENTFD;
    assertThat(irqs.info(INTX))
        .isEqualTo(new IrqInfo(eventfd | IrqFlags.INFO_MASKABLE | IrqFlags.INFO_AUTOMASKED, 1));
    assertThat(irqs.info(MSI)).isEqualTo(new IrqInfo(eventfd, 4));
    assertThat(irqs.info(MSIX)).isEqualTo(new IrqInfo(eventfd, 8));
    assertThat(irqs.info(ERR)).isEqualTo(new IrqInfo(eventfd, 1));
    assertThat(irqs.info(REQ)).isEqualTo(new IrqInfo(eventfd, 1));
    assertThatThrownBy(() -> irqs.info(5)).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> irqs.info(-1)).isInstanceOf(ProtocolException.class);
  }

  @Test
  void malformedRequestsAreRefusedWithEinvalAndTheirFdsClosed() throws Exception {
    int trigger = ACTION_TRIGGER | DATA_EVENTFD;
    refused(trigger, 5, 0, 1, null, 1); // index
    refused(ACTION_TRIGGER | DATA_NONE | DATA_BOOL, MSI, 0, 1, new byte[1], 0); // two data types
    refused(ACTION_TRIGGER | ACTION_MASK | DATA_NONE, MSI, 0, 1, null, 0); // two actions
    refused(DATA_NONE, MSI, 0, 1, null, 0); // no action
    refused(ACTION_TRIGGER | DATA_NONE | (1 << 6), MSI, 0, 1, null, 0); // unknown bit
    refused(ACTION_TRIGGER | DATA_NONE, MSI, 1, 0, null, 0); // count 0 with start 1
    refused(ACTION_MASK | DATA_NONE, MSI, 0, 0, null, 0); // count 0 with MASK
    refused(trigger, MSI, 0, 0, null, 0); // count 0 with EVENTFD
    refused(trigger, MSI, 4, 1, null, 1); // start beyond the vectors
    refused(trigger, MSI, 3, 2, null, 2); // range beyond the vectors
    refused(ACTION_TRIGGER | DATA_NONE, MSI, 1, -1, null, 0); // unsigned count overflow
    refused(ACTION_TRIGGER | DATA_NONE, INTX, 1, 1, null, 0); // INTx has one vector
    refused(ACTION_MASK | DATA_NONE, ERR, 0, 1, null, 0); // ERR: TRIGGER only
    refused(ACTION_UNMASK | DATA_EVENTFD, REQ, 0, 1, null, 1); // REQ: TRIGGER only
    refused(ACTION_TRIGGER | DATA_NONE, MSIX, 0, 1, null, 1); // fds without EVENTFD
    refused(trigger, MSIX, 0, 3, null, 2); // fd count != count
    refused(ACTION_TRIGGER | DATA_BOOL, MSIX, 0, 2, new byte[1], 0); // bool length
    refused(ACTION_TRIGGER | DATA_NONE, MSIX, 0, 2, new byte[2], 0); // data without BOOL
    assertThat(irqs.triggerAssigned(MSIX, 0)).isFalse();
  }

  @Test
  void anFdThatIsNotAnEventFdIsRefusedAndEveryFdOfTheRequestClosed() throws Exception {
    FileDescriptor good = sendEventFd(new EventFd[1]);
    int memfd = Native.memfdCreate("not-an-eventfd", 0);
    int goodNumber = Native.fdNumber(good);
    assertThatThrownBy(
            () ->
                irqs.setIrqs(
                    ACTION_TRIGGER | DATA_EVENTFD, MSIX, 0, 2, null,
                    List.of(good, Native.fileDescriptor(memfd))))
        .isInstanceOf(ProtocolException.class);
    assertThat(FdInfo.isOpen(goodNumber)).isFalse();
    assertThat(FdInfo.isOpen(memfd)).isFalse();
    assertThat(irqs.triggerAssigned(MSIX, 0)).isFalse();
  }

  @Test
  void msiRaisesTheVectorsEventFdFoldingOntoTheEnabledVectors() throws Exception {
    EventFd vector0 = assign(MSI, 0);
    EventFd vector1 = assign(MSI, 1);
    state.msi = true;
    state.msiEnabledVectors = 2;
    irqs.raise(1);
    assertThat(vector1.readCounter()).isEqualTo(1);
    irqs.raise(2); // only two enabled: 2 folds onto 0
    assertThat(vector0.readCounter()).isEqualTo(1);
    assertThat(vector1.readCounter()).isZero();
    assertThat(state.interruptStatus).isFalse();
  }

  @Test
  void replacingOrDeassigningAnEventFdClosesTheOldOne() throws Exception {
    assign(MSI, 0);
    var end = new EventFd[1];
    FileDescriptor second = sendEventFd(end);
    int secondNumber = Native.fdNumber(second);
    FileDescriptor first = sendEventFd(new EventFd[1]);
    int firstNumber = Native.fdNumber(first);
    irqs.setIrqs(ACTION_TRIGGER | DATA_EVENTFD, MSI, 1, 1, null, List.of(first));
    irqs.setIrqs(ACTION_TRIGGER | DATA_EVENTFD, MSI, 1, 1, null, List.of(second));
    assertThat(FdInfo.isOpen(firstNumber)).isFalse();
    state.msi = true;
    irqs.raise(1);
    assertThat(end[0].readCounter()).isEqualTo(1);

    irqs.setIrqs(ACTION_TRIGGER | DATA_EVENTFD, MSI, 1, 1, null, List.of());
    assertThat(FdInfo.isOpen(secondNumber)).isFalse();
    assertThat(irqs.triggerAssigned(MSI, 1)).isFalse();
    assertThat(irqs.triggerAssigned(MSI, 0)).isTrue();
  }

  @Test
  void countZeroDisablesEveryVectorOfTheIndex() throws Exception {
    EventFd a = assign(MSIX, 0);
    EventFd b = assign(MSIX, 7);
    irqs.setIrqs(ACTION_TRIGGER | DATA_NONE, MSIX, 0, 0, null, List.of());
    assertThat(irqs.triggerAssigned(MSIX, 0)).isFalse();
    assertThat(irqs.triggerAssigned(MSIX, 7)).isFalse();
    state.msix = true;
    irqs.raise(7);
    assertThat(a.readCounter()).isZero();
    assertThat(b.readCounter()).isZero();
  }

  @Test
  void triggerWithNoneOrBoolFiresNowAsALoopback() throws Exception {
    EventFd v0 = assign(MSI, 0);
    EventFd v1 = assign(MSI, 1);
    irqs.setIrqs(ACTION_TRIGGER | DATA_NONE, MSI, 0, 2, null, List.of());
    assertThat(v0.readCounter()).isEqualTo(1);
    assertThat(v1.readCounter()).isEqualTo(1);
    irqs.setIrqs(ACTION_TRIGGER | DATA_BOOL, MSI, 0, 2, new byte[] {0, 1}, List.of());
    assertThat(v0.readCounter()).isZero();
    assertThat(v1.readCounter()).isEqualTo(1);
  }

  @Test
  void intxFiresOnTheRisingEdgeThenStaysMaskedUntilUnmask() throws Exception {
    EventFd intx = assign(INTX, 0);
    irqs.raise(0);
    assertThat(state.interruptStatus).isTrue();
    assertThat(intx.readCounter()).isEqualTo(1);
    assertThat(irqs.intxMasked()).isTrue();

    irqs.raise(1); // a second source on the same line: no new edge
    irqs.lower(0);
    assertThat(intx.readCounter()).isZero();
    assertThat(state.interruptStatus).isTrue();

    irqs.setIrqs(ACTION_UNMASK | DATA_NONE, INTX, 0, 1, null, List.of());
    assertThat(intx.readCounter()).as("level still up: fires again on unmask").isEqualTo(1);

    irqs.lower(1);
    assertThat(state.interruptStatus).isFalse();
    irqs.setIrqs(ACTION_UNMASK | DATA_NONE, INTX, 0, 1, null, List.of());
    assertThat(intx.readCounter()).isZero();
    irqs.raise(0);
    assertThat(intx.readCounter()).isEqualTo(1);
  }

  @Test
  void intxNeverFiresWhileDisabledAndFiresWhenTheGuestClearsTheDisable() throws Exception {
    EventFd intx = assign(INTX, 0);
    state.intxDisabled = true;
    irqs.raise(0);
    assertThat(state.interruptStatus).isTrue();
    irqs.setIrqs(ACTION_UNMASK | DATA_NONE, INTX, 0, 1, null, List.of());
    irqs.intxDisableChanged();
    assertThat(intx.readCounter()).isZero();

    state.intxDisabled = false;
    irqs.intxDisableChanged();
    assertThat(intx.readCounter()).isEqualTo(1);
    irqs.intxDisableChanged();
    assertThat(intx.readCounter()).as("automasked").isZero();
  }

  @Test
  void aMaskedIntxFiresOnlyAfterUnmaskAndBoolFalseLeavesTheMask() throws Exception {
    EventFd intx = assign(INTX, 0);
    irqs.setIrqs(ACTION_MASK | DATA_NONE, INTX, 0, 1, null, List.of());
    irqs.raise(0);
    assertThat(intx.readCounter()).isZero();
    irqs.setIrqs(ACTION_UNMASK | DATA_BOOL, INTX, 0, 1, new byte[] {0}, List.of());
    assertThat(intx.readCounter()).isZero();
    irqs.setIrqs(ACTION_UNMASK | DATA_BOOL, INTX, 0, 1, new byte[] {1}, List.of());
    assertThat(intx.readCounter()).isEqualTo(1);
  }

  @Test
  void aSignalOnTheResampleFdUnmasksIntx() throws Exception {
    EventFd intx = assign(INTX, 0);
    var resample = new EventFd[1];
    FileDescriptor resampleFd = sendEventFd(resample);
    int resampleNumber = Native.fdNumber(resampleFd);
    irqs.setIrqs(ACTION_UNMASK | DATA_EVENTFD, INTX, 0, 1, null, List.of(resampleFd));
    irqs.raise(0);
    assertThat(intx.readCounter()).isEqualTo(1);
    assertThat(irqs.pollIntxResample()).isFalse();

    resample[0].signal();
    assertThat(irqs.pollIntxResample()).isTrue();
    assertThat(intx.readCounter()).isEqualTo(1);

    irqs.setIrqs(ACTION_TRIGGER | DATA_NONE, INTX, 0, 0, null, List.of());
    assertThat(FdInfo.isOpen(resampleNumber)).isFalse();
    assertThat(irqs.intxMasked()).isFalse();
  }

  @Test
  void aMaskedMsixVectorBecomesPendingAndFiresOnUnmask() throws Exception {
    EventFd v3 = assign(MSIX, 3);
    state.msix = true;
    state.tableMasked.put(3, true);
    irqs.raise(3);
    assertThat(v3.readCounter()).isZero();
    assertThat(state.pba).containsEntry(3, true);
    assertThat(irqs.pending(MSIX, 3)).isTrue();

    state.tableMasked.put(3, false);
    irqs.msixUnmasked(3);
    assertThat(v3.readCounter()).isEqualTo(1);
    assertThat(state.pba).containsEntry(3, false);
    irqs.msixUnmasked(3);
    assertThat(v3.readCounter()).as("delivered once").isZero();
  }

  @Test
  void theFunctionMaskHoldsEveryVectorUntilCleared() throws Exception {
    EventFd v0 = assign(MSIX, 0);
    EventFd v5 = assign(MSIX, 5);
    state.msix = true;
    state.functionMasked = true;
    irqs.raise(0);
    irqs.raise(5);
    assertThat(v0.readCounter() + v5.readCounter()).isZero();
    state.functionMasked = false;
    irqs.msixFunctionUnmasked();
    assertThat(v0.readCounter()).isEqualTo(1);
    assertThat(v5.readCounter()).isEqualTo(1);
  }

  @Test
  void setIrqsMaskOnMsixIsAPerVectorMask() throws Exception {
    EventFd v1 = assign(MSIX, 1);
    state.msix = true;
    irqs.setIrqs(ACTION_MASK | DATA_NONE, MSIX, 1, 1, null, List.of());
    irqs.raise(1);
    assertThat(v1.readCounter()).isZero();
    irqs.setIrqs(ACTION_UNMASK | DATA_NONE, MSIX, 1, 1, null, List.of());
    assertThat(v1.readCounter()).isEqualTo(1);
  }

  @Test
  void anMsixVectorWithoutEventFdIsPendingUntilTheClientAssignsOne() throws Exception {
    state.msix = true;
    irqs.raise(2);
    assertThat(state.pba).containsEntry(2, true);
    EventFd v2 = assign(MSIX, 2);
    assertThat(v2.readCounter()).isEqualTo(1);
    assertThat(state.pba).containsEntry(2, false);
  }

  @Test
  void msixTakesPrecedenceOverMsiAndIntx() throws Exception {
    EventFd intx = assign(INTX, 0);
    EventFd msi = assign(MSI, 0);
    EventFd msix = assign(MSIX, 0);
    state.msi = true;
    state.msix = true;
    irqs.raise(0);
    assertThat(msix.readCounter()).isEqualTo(1);
    assertThat(msi.readCounter() + intx.readCounter()).isZero();
    assertThat(irqs.intxAsserted()).isFalse();
    assertThatThrownBy(() -> irqs.raise(8)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void errAndReqSignalTheirEventFds() throws Exception {
    assertThat(irqs.signalError()).isFalse();
    EventFd err = assign(ERR, 0);
    EventFd req = assign(REQ, 0);
    assertThat(irqs.signalError()).isTrue();
    assertThat(irqs.requestRelease()).isTrue();
    assertThat(err.readCounter()).isEqualTo(1);
    assertThat(req.readCounter()).isEqualTo(1);
  }

  @Test
  void resetClosesEveryEventFdButKeepsCountsAndTheLevel() throws Exception {
    var end = new EventFd[1];
    FileDescriptor fd = sendEventFd(end);
    int number = Native.fdNumber(fd);
    irqs.setIrqs(ACTION_TRIGGER | DATA_EVENTFD, INTX, 0, 1, null, List.of(fd));
    irqs.raise(0);
    state.interruptStatus = false; // e.g. config space reset
    irqs.reset();
    assertThat(FdInfo.isOpen(number)).isFalse();
    assertThat(irqs.intxAsserted()).isTrue();
    assertThat(state.interruptStatus).isTrue();
    assertThat(irqs.info(MSIX).count()).isEqualTo(8);
    assertThat(irqs.intxMasked()).isFalse();
  }

  @Test
  void maskedMsiVectorIsPendingInConfigUntilUnmasked() throws Exception {
    state.msi = true;
    EventFd vector1 = assign(MSI, 1);
    state.msiMasked.put(1, true);
    irqs.raise(1);
    assertThat(vector1.readCounter()).isZero();
    assertThat(state.msiPending).containsEntry(1, true);
    state.msiMasked.put(1, false);
    state.msiPending.put(1, false); // the config space clears the bit when it reports the unmask
    irqs.msiUnmasked(1);
    assertThat(vector1.readCounter()).isEqualTo(1);
    assertThat(state.msiPending).containsEntry(1, false);
  }

  @Test
  void unmaskWithoutAnEventfdShowsThePendingBitAgain() {
    state.msix = true;
    irqs.raise(2); // no eventfd: held
    assertThat(state.pba).containsEntry(2, true);
    state.pba.put(2, false); // the table cleared it before calling back
    irqs.msixUnmasked(2);
    assertThat(state.pba).as("still undeliverable, so still pending").containsEntry(2, true);
  }

  @Test
  void deviceResetDropsLevelAndPendingButKeepsEventfds() throws Exception {
    EventFd intx = assign(INTX, 0);
    irqs.raise(0);
    assertThat(intx.readCounter()).isEqualTo(1);
    assertThat(state.interruptStatus).isTrue();
    state.msix = true;
    state.functionMasked = true;
    EventFd msix3 = assign(MSIX, 3);
    irqs.raise(3);
    assertThat(state.pba).containsEntry(3, true);

    irqs.deviceReset();

    assertThat(irqs.intxAsserted()).isFalse();
    assertThat(state.interruptStatus).isFalse();
    assertThat(state.pba).containsEntry(3, false);
    state.functionMasked = false;
    irqs.msixFunctionUnmasked();
    assertThat(msix3.readCounter()).as("a reset forgets pending messages").isZero();
    assertThat(irqs.triggerAssigned(MSIX, 3)).isTrue();
    state.msix = false;
    irqs.raise(0);
    assertThat(intx.readCounter()).as("INTx unmasked again, eventfd kept").isEqualTo(1);
  }
}
