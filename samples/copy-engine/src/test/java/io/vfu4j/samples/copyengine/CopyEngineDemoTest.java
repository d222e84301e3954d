package io.vfu4j.samples.copyengine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo in process (the jar IT runs it again as a user would). */
@Timeout(30)
class CopyEngineDemoTest extends CopyEngineFixture {
  @Test
  void everyStepSucceeds() throws Exception {
    start(true); // the demo starts the engine again, as a driver reloading would
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CopyEngineDemo.run(driver, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).doesNotContain("NOT", "NO,").contains("totals      ATS_TRANSLATE: 6, page requests: 1, completions: 3");
    assertThat(out.lines().filter(l -> l.startsWith("copy ")).toList()).hasSize(3).allMatch(l -> l.contains("SUCCESS"));
  }
}
