package io.vfu4j.samples.copyengine;

import static io.vfu4j.samples.copyengine.CopyEngineDevice.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.host.GuestMemory;
import io.vfu4j.host.VirtualIommu;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.IommuMessages;
import io.vfu4j.runtime.protocol.IommuMessages.PageRequest;
import io.vfu4j.samples.copyengine.CopyEngineDriver.Completion;
import io.vfu4j.samples.copyengine.CopyEngineDriver.Descriptor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The copy engine behind the host's virtual IOMMU, with the extension negotiated. */
@Timeout(30)
class CopyEngineIommuTest extends CopyEngineFixture {
  static final long VA_SOURCE = 0x7f00_0000_0000L, VA_DESTINATION = 0x7f00_0001_0000L;
  static final long PHYSICAL = 0x1_0000_0000L;
  static final int RW = IommuMessages.R | IommuMessages.W;

  VirtualIommu iommu;
  GuestMemory physical;

  /** Bus master, MSI-X, PASID, ATS, PRI, and 64 KiB of guest physical memory behind the IOMMU. */
  void startEnabled() throws Exception {
    start(true);
    iommu = driver.iommu();
    physical = iommu.mapTranslatedSpace(PHYSICAL, 0x10000, true);
    driver.enablePasid();
    driver.enableAts(0);
    driver.enablePri(PRI_CAPACITY);
  }

  @Test
  void identifiesItselfAndOffersEveryIommuFeature() throws Exception {
    start(true);
    assertThat(driver.read32(ID)).isEqualTo(0xce01_0100);
    assertThat(driver.read32(CAPABILITIES)).as("1 MiB, 20-bit PASID, 4 vectors").isEqualTo(0x0014_1404);
    var c = driver.client();
    assertThat(c.config32(0) >>> 16).isEqualTo(0xce01);
    assertThat(c.config32(driver.capabilities().pciExpress() + 4) & 1 << 28).as("FLR capable").isNotZero();
    assertThat(c.config16(driver.capabilities().msix() + 2) & 0x7ff).as("MSI-X table size - 1").isEqualTo(3);
    assertThat(c.config16(driver.capabilities().pasid() + 4) >> 8 & 0x1f).as("Max PASID Width").isEqualTo(20);
    assertThat(c.config32(driver.capabilities().pri() + 8)).as("PRI capacity").isEqualTo(16);
    assertThat(c.negotiatedIommu().pasid() && c.negotiatedIommu().ats() && c.negotiatedIommu().pri()).isTrue();
    assertThat(c.negotiatedIommu().width()).isEqualTo(20);
  }

  @Test
  void deviceViewFollowsTheLinuxEnableSequence() throws Exception {
    start(true);
    assertThat(driver.read32(IOMMU_STATE)).isZero();
    driver.enablePasid();
    assertThat(driver.read32(IOMMU_STATE)).isEqualTo(IOMMU_PASID);
    driver.enableAts(2);
    assertThat(driver.read32(IOMMU_STATE)).isEqualTo(IOMMU_PASID | IOMMU_ATS | 2 << IOMMU_STU_SHIFT);
    assertThat(driver.priStatus() & CopyEngineDriver.PRI_STATUS_STOPPED).as("Stopped before enable").isNotZero();
    assertThat(driver.enablePri(8)).isEqualTo(8);
    assertThat(driver.read32(IOMMU_STATE))
        .isEqualTo(IOMMU_PASID | IOMMU_ATS | IOMMU_PRI | 2 << IOMMU_STU_SHIFT | 8 << IOMMU_ALLOCATION_SHIFT);
    assertThat(driver.priStatus() & CopyEngineDriver.PRI_STATUS_STOPPED).as("enabled: not stopped").isZero();
    assertThatThrownBy(() -> driver.enablePri(8)).as("pci_enable_pri refuses while not stopped")
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void twoPasidsFaultInvalidateAndCopyAgain() throws Exception {
    startEnabled();
    iommu.map(1, VA_SOURCE, PAGE, PHYSICAL, RW);
    iommu.map(2, VA_SOURCE, PAGE, PHYSICAL + 0x2000, RW);
    iommu.map(2, VA_DESTINATION, PAGE, PHYSICAL + 0x3000, RW);
    iommu.pagePolicy(r -> {
      iommu.map(1, VA_DESTINATION, PAGE, PHYSICAL + 0x1000, RW);
      return 0;
    });
    byte[] one = pattern(300, 1), two = pattern(300, 2);
    put(physical, PHYSICAL + 0x10, one);
    put(physical, PHYSICAL + 0x2010, two);

    Completion c = driver.copy(Descriptor.inPasid(1, VA_SOURCE + 0x10, VA_DESTINATION + 0x20, 300), 0);
    assertThat(c.status()).isEqualTo(CompletionStatus.SUCCESS);
    assertThat(c.interrupted()).as("MSI-X vector 0").isTrue();
    assertThat(c.bytes()).isEqualTo(300);
    assertThat(get(physical, PHYSICAL + 0x1020, 300)).isEqualTo(one);
    assertThat(iommu.pageRequests()).hasSize(1);
    PageRequest fault = iommu.pageRequests().poll();
    assertThat(fault.pasid()).isEqualTo(1);
    assertThat(fault.addr()).isEqualTo(VA_DESTINATION);
    assertThat(fault.flags() & (IommuMessages.W | IommuMessages.PASID_VALID | IommuMessages.LAST))
        .isEqualTo(IommuMessages.W | IommuMessages.PASID_VALID | IommuMessages.LAST);
    // source: one translation; destination: not present, then present after the page request
    assertThat(iommu.translations()).hasSize(3);
    assertThat(driver.client().serverCommandsSeen())
        .containsEntry(Command.ATS_TRANSLATE.code(), 3).containsEntry(Command.PRI_PAGE_REQUEST.code(), 1);

    iommu.unmap(1, VA_DESTINATION);
    iommu.map(1, VA_DESTINATION, PAGE, PHYSICAL + 0x4000, RW);
    iommu.invalidate(VA_DESTINATION, PAGE, 1, false).get(5, TimeUnit.SECONDS);

    c = driver.copy(Descriptor.inPasid(2, VA_SOURCE + 0x10, VA_DESTINATION + 0x20, 300), 0);
    assertThat(c.status()).isEqualTo(CompletionStatus.SUCCESS);
    assertThat(get(physical, PHYSICAL + 0x3020, 300)).as("PASID 2's memory").isEqualTo(two);
    assertThat(get(physical, PHYSICAL + 0x1020, 300)).as("PASID 1's page untouched").isEqualTo(one);
    assertThat(iommu.translations()).hasSize(5);

    byte[] three = pattern(300, 3);
    put(physical, PHYSICAL + 0x10, three);
    c = driver.copy(Descriptor.inPasid(1, VA_SOURCE + 0x10, VA_DESTINATION + 0x20, 300), 0);
    assertThat(c.status()).isEqualTo(CompletionStatus.SUCCESS);
    assertThat(get(physical, PHYSICAL + 0x4020, 300)).as("the moved page").isEqualTo(three);
    assertThat(get(physical, PHYSICAL + 0x1020, 300)).as("the old page").isEqualTo(one);
    assertThat(iommu.translations()).as("only the invalidated page translated again").hasSize(6);
    assertThat(iommu.pageRequests()).isEmpty();
    assertThat(driver.read32(COMPLETED_COUNT)).isEqualTo(3);
  }

  @Test
  void invalidRequestReportsTheFaultingAddressAndTheBytesDone() throws Exception {
    startEnabled();
    iommu.map(1, VA_SOURCE, 2 * PAGE, PHYSICAL, RW);
    iommu.map(1, VA_DESTINATION, PAGE, PHYSICAL + 0x4000, RW); // the second page is missing
    iommu.pagePolicy(r -> 1);
    byte[] data = pattern(2 * PAGE, 4);
    put(physical, PHYSICAL, data);

    Completion c = driver.copy(Descriptor.inPasid(1, VA_SOURCE, VA_DESTINATION, 2 * PAGE), 0);

    assertThat(c.status()).isEqualTo(CompletionStatus.PAGE_FAULT_INVALID_REQUEST);
    assertThat(c.faultAddress()).isEqualTo(VA_DESTINATION + PAGE);
    assertThat(c.bytes()).isEqualTo(PAGE);
    assertThat(c.interrupted()).as("errors complete with the interrupt too").isTrue();
    assertThat(get(physical, PHYSICAL + 0x4000, PAGE)).isEqualTo(java.util.Arrays.copyOf(data, PAGE));
    assertThat(driver.priStatus() & CopyEngineDriver.PRI_STATUS_RESPONSE_FAILURE).isZero();
  }

  @Test
  void responseFailureStopsPriUntilTheDriverResetsIt() throws Exception {
    startEnabled();
    iommu.map(1, VA_SOURCE, PAGE, PHYSICAL, RW);
    iommu.pagePolicy(r -> 15);
    Descriptor d = Descriptor.inPasid(1, VA_SOURCE, VA_DESTINATION, 64);

    assertThat(driver.copy(d, 0).status()).isEqualTo(CompletionStatus.PAGE_FAULT_RESPONSE_FAILURE);
    assertThat(driver.priStatus() & CopyEngineDriver.PRI_STATUS_RESPONSE_FAILURE).isNotZero();
    assertThat(driver.copy(d, 0).status()).as("PRI stopped: the fault cannot be served")
        .isEqualTo(CompletionStatus.DMA_ERROR);
    assertThat(iommu.pageRequests()).as("nothing sent while stopped").hasSize(1);

    driver.resetPri();
    driver.enablePri(PRI_CAPACITY);
    iommu.pagePolicy(r -> {
      iommu.map(1, VA_DESTINATION, PAGE, PHYSICAL + 0x1000, RW);
      return 0;
    });
    assertThat(driver.copy(d, 0).status()).isEqualTo(CompletionStatus.SUCCESS);
  }

  @Test
  void flrDuringACopyAbandonsItAndTheDeviceStaysUsable() throws Exception {
    startEnabled();
    iommu.map(1, VA_SOURCE, PAGE, PHYSICAL, RW);
    iommu.pagePolicy(r -> null); // the IOMMU never answers
    driver.submit(Descriptor.inPasid(1, VA_SOURCE, VA_DESTINATION, 64));
    assertThat(iommu.pageRequests().poll(5, TimeUnit.SECONDS)).as("the copy waits for its page").isNotNull();
    assertThat(driver.read32(STATUS)).isEqualTo(STATUS_BUSY);
    assertThat(driver.read32(ID)).as("registers served while the page is outstanding").isEqualTo(0xce01_0100);

    driver.functionLevelReset();

    assertThat(driver.read32(STATUS)).as("idle, and a copy was abandoned").isEqualTo(STATUS_ABORTED);
    assertThat(driver.completion(false).status()).isEqualTo(CompletionStatus.NONE);
    assertThat(driver.read32(COMPLETED_COUNT)).isZero();
    assertThat(driver.read32(IOMMU_STATE)).as("the reset disabled ATS, PRI and PASID").isZero();
    assertThat(driver.vector(0).readCounter()).as("no completion interrupt").isZero();

    driver.start(0);
    driver.enablePasid();
    driver.enableAts(0);
    driver.enablePri(PRI_CAPACITY);
    iommu.map(1, VA_DESTINATION, PAGE, PHYSICAL + 0x1000, RW);
    put(physical, PHYSICAL, pattern(64, 5));
    Completion c = driver.copy(Descriptor.inPasid(1, VA_SOURCE, VA_DESTINATION, 64), 0);
    assertThat(c.status()).isEqualTo(CompletionStatus.SUCCESS);
    assertThat(get(physical, PHYSICAL + 0x1000, 64)).isEqualTo(pattern(64, 5));
    assertThat(driver.read32(STATUS)).as("the next doorbell clears ABORTED").isZero();
  }

  @Test
  void descriptorsOfNoOrTooManyBytesAreRefused() throws Exception {
    startEnabled();
    assertThat(driver.copy(Descriptor.inPasid(1, VA_SOURCE, VA_DESTINATION, 0), 0).status())
        .isEqualTo(CompletionStatus.INVALID_DESCRIPTOR);
    assertThat(driver.copy(Descriptor.inPasid(1, VA_SOURCE, VA_DESTINATION, (1 << 20) + 1), 0).status())
        .isEqualTo(CompletionStatus.INVALID_DESCRIPTOR);
    assertThat(iommu.translations()).isEmpty();
  }

  @Test
  void doorbellIsIgnoredWhileDisabledOrBusy() throws Exception {
    startEnabled();
    iommu.map(1, VA_SOURCE, PAGE, PHYSICAL, RW);
    iommu.pagePolicy(r -> null);
    driver.submit(Descriptor.inPasid(1, VA_SOURCE, VA_DESTINATION, 64));
    PageRequest held = iommu.pageRequests().poll(5, TimeUnit.SECONDS);
    driver.write32(DESC_LENGTH, 0); // the running copy latched its descriptor
    driver.write32(DOORBELL, 99);   // busy: ignored
    iommu.map(1, VA_DESTINATION, PAGE, PHYSICAL + 0x1000, RW);
    iommu.respond(held.prgi(), 1, 0);
    driver.awaitIdle();
    Completion c = driver.completion(false);
    assertThat(c.status()).isEqualTo(CompletionStatus.SUCCESS);
    assertThat(c.bytes()).isEqualTo(64);
    assertThat(c.tag()).isNotEqualTo(99);
    assertThat(driver.read32(COMPLETED_COUNT)).isEqualTo(1);

    driver.write32(CONTROL, 0);
    driver.write32(DESC_LENGTH, 64);
    driver.write32(DOORBELL, 7);
    driver.awaitIdle();
    assertThat(driver.read32(COMPLETED_COUNT)).as("disabled: ignored").isEqualTo(1);
  }

  @Test
  void untaggedCopyUsesTheNoPasidPageTable() throws Exception {
    startEnabled();
    iommu.map(-1, 0x10_0000, 4 * PAGE, PHYSICAL, RW);
    iommu.map(-1, 0x20_0000, 4 * PAGE, PHYSICAL + 0x8000, RW);
    byte[] data = pattern(3 * PAGE, 6);
    put(physical, PHYSICAL + 0x100, data);
    Completion c = driver.copy(Descriptor.untagged(0x10_0100, 0x20_0200, data.length), 0);
    assertThat(c.status()).isEqualTo(CompletionStatus.SUCCESS);
    assertThat(get(physical, PHYSICAL + 0x8200, data.length)).isEqualTo(data);
    assertThat(iommu.translations()).allMatch(t -> (t.flags() & IommuMessages.PASID_VALID) == 0);
    iommu.pagePolicy(r -> 1);
    assertThat(driver.copy(Descriptor.inPasid(1, 0x10_0100, 0x20_0200, 16), 0).status())
        .as("the same addresses mean nothing in PASID 1").isEqualTo(CompletionStatus.PAGE_FAULT_INVALID_REQUEST);
  }
}
