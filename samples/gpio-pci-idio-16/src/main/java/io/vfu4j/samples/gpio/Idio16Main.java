package io.vfu4j.samples.gpio;

import io.vfu4j.runtime.cli.DeviceMain;

/** {@code java -jar gpio-pci-idio-16.jar --socket PATH [--control-socket PATH] [--stdin-control]} or {@code --demo}. */
public final class Idio16Main {
  private Idio16Main() {}

  public static void main(String[] args) {
    DeviceMain.main(args, new Idio16Device_Descriptor(), new Idio16Extension());
  }
}
