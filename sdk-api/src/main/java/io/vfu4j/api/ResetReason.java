package io.vfu4j.api;

/** Why the device is being reset. All reasons go through the same reset path. */
public enum ResetReason {
  /** The client sent DEVICE_RESET (a VMM system reset). */
  DEVICE_RESET,
  /** The guest started a Function Level Reset through the PCIe Device Control register. */
  FLR,
  /** The client disconnected; the device returns to its power-on state for the next client. */
  CLIENT_LOST,
  /** A PM transition from D3hot to D0 without No_Soft_Reset. */
  POWER_STATE
}
