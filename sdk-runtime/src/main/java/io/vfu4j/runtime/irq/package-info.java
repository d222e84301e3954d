/**
 * Interrupts: DEVICE_GET_IRQ_INFO and DEVICE_SET_IRQS, eventfds, INTx level and automask logic,
 * MSI/MSI-X masking and pending bits ({@link io.vfu4j.runtime.irq.IrqController}).
 */
package io.vfu4j.runtime.irq;
