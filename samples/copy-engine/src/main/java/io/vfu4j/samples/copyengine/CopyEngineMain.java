package io.vfu4j.samples.copyengine;

import io.vfu4j.runtime.cli.DeviceMain;

/**
 * {@code java -jar copy-engine.jar --socket PATH} or {@code --demo}. Serves the generated
 * descriptor as it is; this class only adds the demo.
 */
public final class CopyEngineMain {
  private CopyEngineMain() {}

  public static void main(String[] args) {
    DeviceMain.main(args, new CopyEngineDevice_Descriptor(), new CopyEngineDemo());
  }
}
