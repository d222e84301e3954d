/**
 * The device author's view of vfu4j: annotations that describe a PCI/PCIe function (identity,
 * BARs, registers and their fields, capabilities, hooks) and the run-time interfaces a device
 * calls ({@link io.vfu4j.api.DeviceContext}, {@link io.vfu4j.api.Interrupts}, {@link io.vfu4j.api.Dma}).
 *
 * <p>A device is a plain class annotated with {@link io.vfu4j.api.PciDevice}. The annotation
 * processor validates the model at compile time and generates the register dispatch, the config
 * space image and the glue that the runtime loads; nothing is reflective at run time.
 */
package io.vfu4j.api;
