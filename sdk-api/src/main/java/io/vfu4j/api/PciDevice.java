package io.vfu4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class as a PCI function and gives its identity.
 *
 * <p>The class must be public or package-private, non-abstract, and have a constructor that
 * takes a single {@link DeviceContext} (or no arguments). Register fields and hook methods must
 * not be private: the generated code in the same package accesses them directly.
 *
 * <pre>{@code
 * @PciDevice(vendorId = 0x1234, deviceId = 0x11e8, classCode = 0x00ff00, revision = 0x10,
 *            interruptPin = InterruptPin.INTA)
 * public final class EduDevice { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface PciDevice {
  /** Vendor ID (config offset 0x00), 0x0000..0xfffe. */
  int vendorId();

  /** Device ID (config offset 0x02). */
  int deviceId();

  /** Subsystem vendor ID (0x2c); 0 means "same as {@link #vendorId()}". */
  int subsystemVendorId() default 0;

  /** Subsystem ID (0x2e); 0 means "same as {@link #deviceId()}". */
  int subsystemId() default 0;

  /** 24-bit class code: base class, sub-class, programming interface (0x09..0x0b). */
  int classCode() default 0xff0000;

  /** Revision ID (0x08). */
  int revision() default 0;

  /**
   * Conventional PCI (256-byte config space) or PCI Express (4 KiB config space with extended
   * capabilities). PCI Express devices must also carry {@link io.vfu4j.api.capability.PciExpress}.
   */
  Bus bus() default Bus.PCI;

  /** The legacy INTx pin (config offset 0x3d); {@link InterruptPin#NONE} for no INTx. */
  InterruptPin interruptPin() default InterruptPin.NONE;

  /** A short name used in logs and by the command line; defaults to the simple class name. */
  String name() default "";

  /** The kind of bus the function sits on, which decides the size of its config space. */
  enum Bus {
    /** Conventional PCI: 256 bytes of config space. */
    PCI,
    /** PCI Express: 4096 bytes of config space, extended capabilities from 0x100. */
    PCI_EXPRESS
  }
}
