package io.vfu4j.runtime.irq;

/**
 * The answer to DEVICE_GET_IRQ_INFO for one index.
 *
 * @param flags {@link IrqFlags#INFO_EVENTFD} and friends
 * @param count number of vectors (0 = index not supported)
 */
public record IrqInfo(int flags, int count) {}
