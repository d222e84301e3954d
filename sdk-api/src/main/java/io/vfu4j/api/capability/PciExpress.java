package io.vfu4j.api.capability;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** PCI Express capability (ID 0x10), version 2. Required on a {@code PCI_EXPRESS} device. */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface PciExpress {
  /** Device/port type (capabilities register bits 7:4). */
  DeviceType type() default DeviceType.ENDPOINT;

  /** Max_Payload_Size supported, in bytes: 128..4096. */
  int maxPayload() default 256;

  /** Function Level Reset capable (Device Capabilities bit 28). */
  boolean flr() default false;

  /** Extended Tag field supported (Device Capabilities bit 5). */
  boolean extendedTag() default true;

  /** Completion Timeout Ranges supported (Device Capabilities 2 bits 3:0). */
  int completionTimeoutRanges() default 0;

  /** Completion Timeout Disable supported (Device Capabilities 2 bit 4). */
  boolean completionTimeoutDisable() default false;

  /** 10-bit tag completer supported (Device Capabilities 2 bit 16). */
  boolean tag10BitCompleter() default false;

  /** 10-bit tag requester supported (Device Capabilities 2 bit 17). */
  boolean tag10BitRequester() default false;

  /** Link speed reported in Link Capabilities/Status (1 = 2.5 GT/s … 5 = 32 GT/s). */
  int linkSpeed() default 1;

  /** Link width reported in Link Capabilities/Status (1, 2, 4, 8, 16). */
  int linkWidth() default 1;

  /** Device/port types of the PCI Express Capabilities register. */
  enum DeviceType {
    /** PCI Express Endpoint (0). */
    ENDPOINT(0x0),
    /** Legacy PCI Express Endpoint (1). */
    LEGACY_ENDPOINT(0x1),
    /** Root Complex Integrated Endpoint (9). */
    RC_INTEGRATED_ENDPOINT(0x9);

    private final int code;

    DeviceType(int code) {
      this.code = code;
    }

    /** The value of the Device/Port Type field. */
    public int code() {
      return code;
    }
  }
}
