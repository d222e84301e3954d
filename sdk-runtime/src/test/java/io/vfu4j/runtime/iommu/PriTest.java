package io.vfu4j.runtime.iommu;

import static io.vfu4j.runtime.iommu.AtsTest.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.api.DmaException;
import io.vfu4j.api.DmaSpace;
import io.vfu4j.api.DmaSpace.PageResponse;
import io.vfu4j.host.VfioUserException;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.IommuMessages.PageRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PRI page request groups over the socket: limits, responses, failures, resets, disconnect. */
@Timeout(30)
class PriTest extends IommuFixture {
  static final long ADDR = 0x4000_0000L;

  private CompletableFuture<PageResponse> request(int pasid, long address, int pages) {
    return space(pasid).pageRequest(address, (long) pages * PAGE, DmaSpace.READ).toCompletableFuture();
  }

  @Test
  void allocationBoundsOutstandingPagesAndQueuesTheRest() throws Exception {
    connect(true);
    enableAll(0, 2); // allocation 2 < capacity 8
    var a = request(1, ADDR, 1);
    var b = request(1, ADDR + PAGE, 1);
    var c = request(1, ADDR + 2 * PAGE, 1);
    waitFor(() -> viommu.pageRequests().size() == 2);
    assertThat(c).isNotDone();
    PageRequest first = viommu.pageRequests().take();
    viommu.respond(first.prgi(), 1, 0);
    waitFor(() -> viommu.pageRequests().size() == 2); // the third went out after units came back
    assertThat(await(a.isDone() ? a : b)).isEqualTo(PageResponse.SUCCESS);
    for (PageRequest r : List.copyOf(viommu.pageRequests())) {
      viommu.respond(r.prgi(), 1, 1);
    }
    assertThat(await(c)).isEqualTo(PageResponse.INVALID_REQUEST);
    assertThat(priStatus() & STATUS_STOPPED).isZero(); // enabled: never stopped
  }

  @Test
  void aGroupLargerThanTheAllocationIsSplit() throws Exception {
    connect(true);
    enableAll(0, 2);
    viommu.pagePolicy(r -> 0);
    assertThat(await(request(-1, ADDR, 5))).isEqualTo(PageResponse.SUCCESS);
    List<PageRequest> sent = new ArrayList<>(viommu.pageRequests());
    assertThat(sent).extracting(PageRequest::count).containsExactly(2L * PAGE, 2L * PAGE, 1L * PAGE);
    assertThat(sent).allMatch(PageRequest::last);
  }

  @Test
  void responseFailureSetsStatusRetiresGroupsAndStopsUntilReEnabled() throws Exception {
    connect(true);
    enableAll(0, 4);
    var seven = request(1, ADDR, 1);
    var eight = request(1, ADDR + PAGE, 1);
    waitFor(() -> viommu.pageRequests().size() == 2);
    PageRequest r7 = viommu.pageRequests().take();
    PageRequest r8 = viommu.pageRequests().take();
    viommu.respond(r7.prgi(), 1, 15);
    assertThat(await(seven)).isEqualTo(PageResponse.RESPONSE_FAILURE);
    assertThat(await(eight)).isEqualTo(PageResponse.RESPONSE_FAILURE);
    assertThat(priStatus() & STATUS_RF).isEqualTo(STATUS_RF);
    viommu.respond(r8.prgi(), 1, 0); // retired: consumed silently
    assertThat(priStatus() & STATUS_UPRGI).isZero();
    // stopped: answered locally, nothing on the wire
    assertThat(await(request(1, ADDR, 1))).isEqualTo(PageResponse.RESPONSE_FAILURE);
    assertThat(viommu.pageRequests()).isEmpty();
    enablePri(4); // Linux: disable, reset (clears RF), enable
    assertThat(priStatus() & STATUS_RF).isZero();
    viommu.pagePolicy(r -> 0);
    assertThat(await(request(1, ADDR, 1))).isEqualTo(PageResponse.SUCCESS);
  }

  @Test
  void codesTwoToFourteenAreResponseFailureAboveFifteenIsRefused() throws Exception {
    connect(true);
    enableAll(0, 4);
    var group = request(-1, ADDR, 1);
    PageRequest r = viommu.pageRequests().take();
    assertThat(errorOf(() -> viommu.respond(r.prgi(), -1, 16))).isEqualTo(Errno.EINVAL);
    assertThat(group).isNotDone();
    viommu.respond(r.prgi(), -1, 7);
    assertThat(await(group)).isEqualTo(PageResponse.RESPONSE_FAILURE);
  }

  @Test
  void unexpectedGroupIndexGetsEnoentAndSetsUprgi() throws Exception {
    connect(true);
    enableAll(0, 4);
    assertThat(errorOf(() -> viommu.respond(77, 1, 0))).isEqualTo(Errno.ENOENT);
    assertThat(priStatus() & STATUS_UPRGI).isEqualTo(STATUS_UPRGI);
    // a PASID that differs from the group's is unexpected too
    var group = request(2, ADDR, 1);
    PageRequest r = viommu.pageRequests().take();
    assertThat(errorOf(() -> viommu.respond(r.prgi(), 3, 0))).isEqualTo(Errno.ENOENT);
    viommu.respond(r.prgi(), 2, 0);
    assertThat(await(group)).isEqualTo(PageResponse.SUCCESS);
  }

  @Test
  void aResponseWithoutPasidForAPasidGroupGetsEnoentAndLeavesTheGroupOutstanding() throws Exception {
    connect(true);
    enableAll(0, 4);
    var group = request(6, ADDR, 1);
    PageRequest r = viommu.pageRequests().take();
    assertThat(errorOf(() -> viommu.respond(r.prgi(), -1, 0))).isEqualTo(Errno.ENOENT); // §4.5
    assertThat(priStatus() & STATUS_UPRGI).isEqualTo(STATUS_UPRGI);
    assertThat(group).isNotDone(); // the error reply came after the device thread handled it
    viommu.respond(r.prgi(), 6, 0);
    assertThat(await(group)).isEqualTo(PageResponse.SUCCESS);
  }

  @Test
  void aGroupIndexAbove511IsAFormatErrorThatChangesNoStatus() throws Exception {
    connect(true);
    enableAll(0, 4);
    var group = request(6, ADDR, 1);
    PageRequest r = viommu.pageRequests().take();
    assertThat(errorOf(() -> viommu.respond(512 + r.prgi(), 6, 0))).isEqualTo(Errno.EINVAL);
    assertThat(priStatus() & STATUS_UPRGI).as("EINVAL, not an unexpected index").isZero();
    assertThat(group).isNotDone();
    viommu.respond(r.prgi(), 6, 0);
    assertThat(await(group)).isEqualTo(PageResponse.SUCCESS);
  }

  @Test
  void stoppedBitFollowsOutstandingGroupsAndPriResetAbandonsThem() throws Exception {
    connect(true);
    enableAll(0, 4);
    var group = request(1, ADDR, 1);
    viommu.pageRequests().take();
    client.writeConfig16(descriptor.pri() + 4, 0); // disable: the group stays outstanding
    assertThat(priStatus() & STATUS_STOPPED).isZero();
    assertThat(group).isNotDone();
    client.writeConfig16(descriptor.pri() + 4, 2); // reset: retired
    assertThat(failure(group)).isInstanceOf(DmaException.class).hasMessageContaining("PRI reset");
    assertThat(priStatus() & STATUS_STOPPED).isEqualTo(STATUS_STOPPED);
    assertThat(failure(request(1, ADDR, 1))).hasMessageContaining("PRI is not enabled");
  }

  @Test
  void disconnectFailsOutstandingGroups() throws Exception {
    connect(true);
    enableAll(0, 4);
    var group = request(1, ADDR, 1);
    viommu.pageRequests().take();
    client.close();
    assertThat(failure(group)).isInstanceOf(DmaException.class);
  }

  @Test
  void pageRequestsNeedPriAndAts() throws Exception {
    connect(true);
    client.writeConfig16(4, CMD_BUS_MASTER);
    assertThat(failure(request(-1, ADDR, 1))).isInstanceOf(DmaException.class);
    assertThat(viommu.pageRequests()).isEmpty();
  }

  @Test
  void stopMarkerUsesNoAllocationAndGetsNoResponse() throws Exception {
    connect(true);
    enableAll(0, 1);
    var group = request(4, ADDR, 1); // the whole allocation
    PageRequest r = viommu.pageRequests().take();
    await(space(4).stopPageRequests());
    PageRequest marker = viommu.pageRequests().take();
    assertThat(marker.stopMarker()).isTrue();
    assertThat(marker.pasid()).isEqualTo(4);
    await(space(-1).stopPageRequests()); // untagged: nothing to send
    viommu.respond(r.prgi(), 4, 0);
    assertThat(await(group)).isEqualTo(PageResponse.SUCCESS);
    assertThat(viommu.pageRequests()).isEmpty();
  }

  interface Call {
    void run() throws Exception;
  }

  static int errorOf(Call call) throws Exception {
    try {
      call.run();
    } catch (VfioUserException e) {
      return e.errno();
    }
    throw new AssertionError("expected an error reply");
  }
}
