package ${package};

import io.vfu4j.runtime.cli.DeviceMain;

/**
 * The jar's entry point: {@code java -jar ${artifactId}.jar --socket PATH} serves the device to
 * QEMU, {@code --demo} runs it against the built-in host client, {@code --help} lists the rest.
 */
public final class ${deviceName}Main {
  private ${deviceName}Main() {}

  public static void main(String[] args) {
    DeviceMain.main(args, new ${deviceName}_Descriptor(), new ${deviceName}Demo());
  }
}
