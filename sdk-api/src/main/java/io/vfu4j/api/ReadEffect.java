package io.vfu4j.api;

/** What a read does to the stored bits after returning them (SystemRDL's {@code onread}). */
public enum ReadEffect {
  /** Reading has no side effect. */
  NONE,
  /** Clear on read: the field becomes zero after it is read. */
  CLEAR,
  /** Set on read: the field becomes all ones after it is read. */
  SET
}
