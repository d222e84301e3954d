package io.vfu4j.runtime.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * VERSION (1), request and reply alike: major, minor and NUL-terminated JSON capabilities.
 * Unknown JSON keys are ignored; known keys of the wrong type or out of range are refused.
 */
public record Version(int major, int minor, Capabilities capabilities) {
  /** Bound on what a peer may claim it receives: the spec's own ceiling for fds (libvfio-user). */
  private static final long MAX_MSG_FDS_LIMIT = 1024;

  public byte[] encode() {
    byte[] json = toJson(capabilities).getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = Payload.allocate(4 + json.length + 1);
    b.putShort((short) major).putShort((short) minor).put(json).put((byte) 0);
    return b.array();
  }

  public static Version decode(byte[] payload) throws ProtocolException {
    Payload.atLeast(payload, 4, "VERSION");
    ByteBuffer b = Payload.wrap(payload);
    int major = b.getShort() & 0xffff;
    int minor = b.getShort() & 0xffff;
    if (payload.length == 4) {
      return new Version(major, minor, Capabilities.defaults());
    }
    if (payload[payload.length - 1] != 0) {
      throw ProtocolException.invalid("VERSION: JSON is not NUL-terminated");
    }
    String json = new String(payload, 4, payload.length - 5, StandardCharsets.UTF_8);
    return new Version(major, minor, parse(json));
  }

  static Capabilities parse(String json) throws ProtocolException {
    if (json.isBlank()) {
      return Capabilities.defaults();
    }
    Object root = Json.parse(json);
    if (!(root instanceof Map)) {
      throw ProtocolException.invalid("VERSION: JSON is not an object");
    }
    Object caps = Json.member(root, "capabilities");
    if (caps == null) {
      return Capabilities.defaults();
    }
    if (!(caps instanceof Map)) {
      throw ProtocolException.invalid("VERSION: capabilities is not an object");
    }
    long maxMsgFds = number(caps, "max_msg_fds", Capabilities.DEFAULT_MAX_MSG_FDS, 0, MAX_MSG_FDS_LIMIT);
    long maxXfer = number(caps, "max_data_xfer_size", Capabilities.DEFAULT_MAX_DATA_XFER_SIZE, 1, 0xffff_ffffL);
    long maxMaps = number(caps, "max_dma_maps", Capabilities.DEFAULT_MAX_DMA_MAPS, 1, 0xffff_ffffL);
    long pgsizes = number(caps, "pgsizes", Capabilities.DEFAULT_PGSIZES, 1, Long.MAX_VALUE);
    boolean writeMultiple = bool(caps, "write_multiple");
    boolean twin = false;
    int fdIndex = -1;
    Object t = Json.member(caps, "twin_socket");
    if (t != null) {
      if (!(t instanceof Map)) {
        throw ProtocolException.invalid("VERSION: twin_socket is not an object");
      }
      twin = bool(t, "supported");
      fdIndex = (int) number(t, "fd_index", -1, 0, MAX_MSG_FDS_LIMIT);
    }
    boolean migration = false;
    long pgsize = 0, bitmap = 0;
    Object m = Json.member(caps, "migration");
    if (m != null) {
      if (!(m instanceof Map)) {
        throw ProtocolException.invalid("VERSION: migration is not an object");
      }
      migration = true;
      pgsize = number(m, "pgsize", 0, 1, Long.MAX_VALUE);
      bitmap = number(m, "max_bitmap_size", 0, 1, Long.MAX_VALUE);
    }
    return new Capabilities(maxMsgFds, maxXfer, maxMaps, pgsizes, twin, fdIndex, writeMultiple, migration, pgsize,
        bitmap, IommuOffer.parse(Json.member(caps, "iommu")));
  }

  private static long number(Object parent, String key, long absent, long min, long max) throws ProtocolException {
    Object n = Json.member(parent, key);
    if (n == null) {
      return absent;
    }
    if (!(n instanceof Long value) || value < min || value > max) {
      throw ProtocolException.invalid("VERSION: " + key + " must be an integer in [" + min + ", " + max + "], not "
          + Json.write(n));
    }
    return value;
  }

  private static boolean bool(Object parent, String key) throws ProtocolException {
    Object n = Json.member(parent, key);
    if (n == null) {
      return false;
    }
    if (!(n instanceof Boolean value)) {
      throw ProtocolException.invalid("VERSION: " + key + " must be a boolean, not " + Json.write(n));
    }
    return value;
  }

  static String toJson(Capabilities c) {
    Map<String, Object> caps = new LinkedHashMap<>();
    caps.put("max_msg_fds", c.maxMsgFds());
    caps.put("max_data_xfer_size", c.maxDataXferSize());
    caps.put("max_dma_maps", c.maxDmaMaps());
    caps.put("pgsizes", c.pgsizes());
    if (c.migration()) {
      Map<String, Object> m = new LinkedHashMap<>();
      if (c.migrationPgsize() != 0) {
        m.put("pgsize", c.migrationPgsize());
      }
      if (c.migrationMaxBitmapSize() != 0) {
        m.put("max_bitmap_size", c.migrationMaxBitmapSize());
      }
      caps.put("migration", m);
    }
    if (c.twinSocket() || c.twinSocketFdIndex() >= 0) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("supported", c.twinSocket());
      if (c.twinSocketFdIndex() >= 0) {
        t.put("fd_index", c.twinSocketFdIndex());
      }
      caps.put("twin_socket", t);
    }
    if (c.writeMultiple()) {
      caps.put("write_multiple", true);
    }
    if (c.iommu() != null) {
      caps.put("iommu", c.iommu().toJson());
    }
    return Json.write(Map.of("capabilities", caps));
  }
}
