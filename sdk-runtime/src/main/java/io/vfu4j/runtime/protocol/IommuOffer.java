package io.vfu4j.runtime.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code iommu} object of VERSION's capabilities (docs/protocol-extension.md §3): what a
 * client offers, or what the server accepted. Unknown members are ignored and never echoed.
 *
 * @param revision extension revision (1)
 * @param pasid PASID spaces
 * @param pasidWidth PASID width in bits (1–20) when {@code pasid}, else 0
 * @param ats ATS_TRANSLATE, ATS_INVALIDATE and the translated space
 * @param pri page requests; implies {@code ats}
 */
public record IommuOffer(int revision, boolean pasid, int pasidWidth, boolean ats, boolean pri) {
  /** The revision this implementation speaks. */
  public static final int REVISION = 1;
  public static final int MAX_PASID_WIDTH = 20;

  /**
   * An {@code iommu} member that is present but not usable (not an object, {@code revision}
   * absent, not an integer or below 1). In an offer it means absent (the server answers without
   * the key); in a reply it is inconsistent (§3 rule 1): the client closes the connection.
   */
  public static final IommuOffer MALFORMED = new IommuOffer(0, false, 0, false, false);

  /** Every feature of revision 1 with the full PASID width. */
  public static IommuOffer all() {
    return new IommuOffer(REVISION, true, MAX_PASID_WIDTH, true, true);
  }

  /** True when at least one feature is on; otherwise the extension is off (§3 rule 2). */
  public boolean enabled() {
    return pasid || ats || pri;
  }

  /** The negotiated PASID width, 0 without PASID. */
  public int width() {
    return pasid ? pasidWidth : 0;
  }

  /**
   * Parses the {@code iommu} member leniently: absent is null; not an object or a bad revision is
   * {@link #MALFORMED}; a bad {@code pasid_width} turns {@code pasid} off; {@code pri} without
   * {@code ats} turns {@code pri} off.
   */
  static IommuOffer parse(Object node) {
    if (node == null) {
      return null;
    }
    if (!(node instanceof Map)) {
      return MALFORMED;
    }
    int revision = intMember(node, "revision");
    if (revision < 1) {
      return MALFORMED;
    }
    boolean pasid = flag(node, "pasid");
    int width = intMember(node, "pasid_width");
    if (width < 1 || width > MAX_PASID_WIDTH) {
      pasid = false;
    }
    boolean ats = flag(node, "ats");
    boolean pri = flag(node, "pri") && ats;
    return new IommuOffer(revision, pasid, pasid ? width : 0, ats, pri);
  }

  /** The member as an int, or 0 when absent, not an integer or out of int range. */
  private static int intMember(Object node, String key) {
    return Json.member(node, key) instanceof Long l && l == l.intValue() ? l.intValue() : 0;
  }

  private static boolean flag(Object node, String key) {
    return Json.member(node, key) instanceof Boolean b && b;
  }

  /** The {@code iommu} member's value, members in the extension's order. */
  Map<String, Object> toJson() {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("revision", revision);
    o.put("pasid", pasid);
    if (pasid) {
      o.put("pasid_width", pasidWidth);
    }
    o.put("ats", ats);
    o.put("pri", pri);
    return o;
  }

  /**
   * The server's answer to this offer: only features the device supports (its capabilities and
   * the PASID capability's Max PASID Width, 0 without one), a subset of the offer; null when
   * nothing is left (the reply then carries no {@code iommu} key).
   */
  public IommuOffer accept(boolean deviceAts, boolean devicePri, int deviceMaxPasidWidth) {
    if (revision < 1) {
      return null; // MALFORMED: as if absent
    }
    boolean p = pasid && deviceMaxPasidWidth > 0;
    int width = p ? Math.min(pasidWidth, deviceMaxPasidWidth) : 0;
    boolean a = ats && deviceAts;
    boolean r = pri && a && devicePri;
    IommuOffer answer = new IommuOffer(Math.min(revision, REVISION), p, width, a, r);
    return answer.enabled() ? answer : null;
  }

  /** True when this reply only turns offered features off or lowers revision/width (§3 rule 1). */
  public boolean subsetOf(IommuOffer offer) {
    return offer != null && revision <= offer.revision
        && (!pasid || (offer.pasid && pasidWidth <= offer.pasidWidth))
        && (!ats || offer.ats) && (!pri || (offer.pri && ats));
  }
}
