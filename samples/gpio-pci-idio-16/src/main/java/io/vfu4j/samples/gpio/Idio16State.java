package io.vfu4j.samples.gpio;

/**
 * What the control interface reports.
 *
 * @param outputs the 16 output lines as the guest last wrote them (bit n = output n)
 * @param inputs the 16 input lines as driven from outside (bit n = input n)
 * @param interruptEnabled the guest enabled the input-change interrupt
 * @param interruptStatus the status register (+6)
 * @param intxAsserted the INTx level the card drives
 * @param filtersEnabled the guest enabled the input filters
 */
record Idio16State(int outputs, int inputs, boolean interruptEnabled, int interruptStatus,
    boolean intxAsserted, boolean filtersEnabled) {
  /** One line, e.g. {@code outputs=0x00ff inputs=0x0001 irq=enabled status=0x05 intx=1 filters=off}. */
  String describe() {
    return String.format("outputs=0x%04x inputs=0x%04x irq=%s status=0x%02x intx=%d filters=%s",
        outputs, inputs, interruptEnabled ? "enabled" : "disabled", interruptStatus,
        intxAsserted ? 1 : 0, filtersEnabled ? "on" : "off");
  }
}
