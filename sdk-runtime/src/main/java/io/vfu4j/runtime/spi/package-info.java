/**
 * The contract between generated device code and the runtime. The annotation processor writes
 * one {@link io.vfu4j.runtime.spi.DeviceDescriptor} per {@code @PciDevice} class, registered for
 * {@link java.util.ServiceLoader}; the runtime never reflects on the device class.
 *
 * <p>Hand-written implementations are fine too (the runtime's own tests use one).
 */
package io.vfu4j.runtime.spi;
