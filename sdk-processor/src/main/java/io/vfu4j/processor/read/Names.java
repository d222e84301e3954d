package io.vfu4j.processor.read;

/** Qualified names of the annotations the steps read. */
final class Names {
  static final String API = "io.vfu4j.api.";
  static final String CAP = "io.vfu4j.api.capability.";
  static final String PCI_DEVICE = API + "PciDevice";
  static final String BAR = API + "Bar";
  static final String BARS = API + "Bars";
  static final String REGISTER = API + "Register";
  static final String MEMORY = API + "Memory";
  static final String ON_READ = API + "OnRead";
  static final String ON_WRITE = API + "OnWrite";
  static final String ON_RESET = API + "OnReset";
  static final String DEVICE_CONTEXT = API + "DeviceContext";
  static final String RESET_REASON = API + "ResetReason";

  private Names() {}
}
