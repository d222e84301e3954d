package io.vfu4j.api.capability;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.annotation.Repeatable;

/**
 * A vendor-specific capability (ID 0x09): ID, next pointer, length byte, then {@link #data()}.
 * The bytes are read-only to the guest.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@Repeatable(VendorCapabilities.class)
public @interface VendorCapability {
  /** Payload after the 3-byte header; at most 252 bytes in all with the header. */
  byte[] data();
}
