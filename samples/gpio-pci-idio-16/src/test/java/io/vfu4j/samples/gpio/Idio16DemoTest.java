package io.vfu4j.samples.gpio;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.cli.DeviceMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class Idio16DemoTest {
  @Test
  @Timeout(20)
  void demoShowsOutputsAnInputAndItsInterrupt() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = DeviceMain.run(new String[] {"--demo"}, new Idio16Device_Descriptor(), new Idio16Extension(),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(printed).contains("494f:0dc8", "read back 0xa5 0x3c", "+1 reads 0x08",
        "INTx signalled, +6 status 0x05, PCI Status bit 3 = 1", "+6 status 0x00, PCI Status bit 3 = 0");
  }
}
