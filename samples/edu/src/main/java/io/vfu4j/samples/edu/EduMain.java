package io.vfu4j.samples.edu;

import io.vfu4j.runtime.cli.DeviceMain;

/** {@code java -jar edu.jar --socket PATH} or {@code --demo}. */
public final class EduMain {
  private EduMain() {}

  public static void main(String[] args) {
    DeviceMain.main(args, EduDescriptors.edu(), new EduDemo());
  }
}
