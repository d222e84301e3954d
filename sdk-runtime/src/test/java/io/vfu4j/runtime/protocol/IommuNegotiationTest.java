package io.vfu4j.runtime.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The VERSION {@code iommu} key (extension §3) and the DMA_MAP space bits (§6). */
class IommuNegotiationTest {
  private static IommuOffer offer(String iommu) throws ProtocolException {
    return Version.parse("{\"capabilities\":{\"iommu\":" + iommu + "}}").iommu();
  }

  @Test
  void absentOrBadRevisionMeansNoExtension() throws Exception {
    assertThat(Version.parse("{\"capabilities\":{}}").iommu()).isNull();
    for (String bad : new String[] {"{\"pasid\":true,\"pasid_width\":20}", "{\"revision\":0,\"ats\":true}",
        "{\"revision\":\"1\",\"ats\":true}", "true"}) {
      assertThat(offer(bad)).as(bad).isSameAs(IommuOffer.MALFORMED);
      assertThat(offer(bad).accept(true, true, 20)).as("an offer like that is answered as absent").isNull();
    }
  }

  @Test
  void lenientMembers() throws Exception {
    assertThat(offer("{\"revision\":3,\"pasid\":true,\"ats\":true,\"pri\":true,\"future\":1}"))
        .isEqualTo(new IommuOffer(3, false, 0, true, true)); // pasid without width: off
    assertThat(offer("{\"revision\":1,\"pasid\":true,\"pasid_width\":21}").pasid()).isFalse();
    assertThat(offer("{\"revision\":1,\"pri\":true}").pri()).isFalse(); // pri needs ats
  }

  @Test
  void serverAnswerIsASubsetLimitedByTheDevice() {
    IommuOffer offer = new IommuOffer(3, true, 16, true, true);
    assertThat(offer.accept(true, true, 8)).isEqualTo(new IommuOffer(1, true, 8, true, true));
    assertThat(offer.accept(false, true, 0)).isNull(); // no ATS, no PASID: nothing left
    assertThat(offer.accept(true, false, 20)).isEqualTo(new IommuOffer(1, true, 16, true, false));
    assertThat(offer.accept(true, true, 8).subsetOf(offer)).isTrue();
    assertThat(new IommuOffer(1, true, 20, true, false).subsetOf(offer)).isFalse(); // wider
    assertThat(new IommuOffer(1, false, 0, true, true).subsetOf(new IommuOffer(1, false, 0, true, false))).isFalse();
    assertThat(new IommuOffer(1, false, 0, true, false).subsetOf(null)).isFalse();
  }

  @Test
  void replyJsonRoundTrips() throws Exception {
    Capabilities c = Capabilities.defaults().withIommu(new IommuOffer(1, true, 8, true, false));
    assertThat(Version.parse(Version.toJson(c)).iommu()).isEqualTo(c.iommu());
    assertThat(Version.toJson(Capabilities.defaults())).doesNotContain("iommu");
  }

  @Test
  void dmaMapSpaceBitsOnlyWhenNegotiated() throws Exception {
    byte[] pasid5 = new DmaMessages.DmaMap(3 | 1 << 8 | 5 << 12, 0, 0x1000, 0x1000).encode();
    byte[] translated = new DmaMessages.DmaMap(3 | 1 << 9, 0, 0x1000, 0x1000).encode();
    assertThatThrownBy(() -> DmaMessages.DmaMap.decode(pasid5)).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> DmaMessages.DmaMap.decode(translated)).isInstanceOf(ProtocolException.class);
    IommuOffer pasidOnly = new IommuOffer(1, true, 4, false, false);
    assertThat(DmaMessages.pasidOf(DmaMessages.DmaMap.decode(pasid5, pasidOnly).flags())).isEqualTo(5);
    assertThatThrownBy(() -> DmaMessages.DmaMap.decode(translated, pasidOnly)).isInstanceOf(ProtocolException.class);
    byte[] wide = new DmaMessages.DmaMap(3 | 1 << 8 | 16 << 12, 0, 0x1000, 0x1000).encode();
    assertThatThrownBy(() -> DmaMessages.DmaMap.decode(wide, pasidOnly)).isInstanceOf(ProtocolException.class);
    byte[] unmapAllPasid = new DmaMessages.DmaUnmap(24, DmaMessages.UNMAP_ALL | 1 << 8 | 2 << 12, 0, 0).encode();
    assertThat(DmaMessages.DmaUnmap.decode(unmapAllPasid, pasidOnly).all()).isTrue();
  }

  @Test
  void translationReplyValidation() {
    byte[] notPowerOfTwo = new IommuMessages.Translation(0, 0x3000, 3).encode();
    byte[] unaligned = new IommuMessages.Translation(0x1000, 0x2000, 3).encode();
    byte[] belowStu = new IommuMessages.Translation(0, 0x1000, 3).encode();
    byte[] reservedPerm = new IommuMessages.Translation(0, 0x1000, 0x40).encode();
    assertThatThrownBy(() -> IommuMessages.Translation.decode(notPowerOfTwo, 4096)).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> IommuMessages.Translation.decode(unaligned, 4096)).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> IommuMessages.Translation.decode(belowStu, 8192)).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> IommuMessages.Translation.decode(reservedPerm, 4096)).isInstanceOf(ProtocolException.class);
  }

  @Test
  void pageRequestStopMarkerAndFlagRules() throws Exception {
    int stop = IommuMessages.LAST | IommuMessages.PASID_VALID;
    assertThat(IommuMessages.PageRequest.decode(new IommuMessages.PageRequest(0, 0, stop, 3, 0).encode(), 8)
        .stopMarker()).isTrue();
    assertThatThrownBy(() -> IommuMessages.PageRequest.decode(
        new IommuMessages.PageRequest(0, 0, IommuMessages.LAST, -1, 0).encode(), 8))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> IommuMessages.PageRequest.decode(
        new IommuMessages.PageRequest(0x1000, 0x1000, IommuMessages.R | IommuMessages.X, -1, 1).encode(), 8))
        .isInstanceOf(ProtocolException.class); // X without PASID
    assertThatThrownBy(() -> IommuMessages.DmaEx.decode(
        new IommuMessages.DmaEx(0, 4, IommuMessages.TRANSLATED | IommuMessages.PASID_VALID, 1, new byte[0]).encode(),
        0, 8, "DMA_READ_EX")).isInstanceOf(ProtocolException.class);
  }
}
