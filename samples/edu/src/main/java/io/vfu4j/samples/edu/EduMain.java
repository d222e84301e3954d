package io.vfu4j.samples.edu;

import io.vfu4j.runtime.cli.DeviceMain;

/**
 * {@code java -jar edu.jar --socket PATH} or {@code --demo}. Serves the generated descriptor as
 * it is, the same one {@code ServiceLoader} finds; this class only adds the demo.
 */
public final class EduMain {
  private EduMain() {}

  public static void main(String[] args) {
    DeviceMain.main(args, new EduDevice_Descriptor(), new EduDemo());
  }
}
