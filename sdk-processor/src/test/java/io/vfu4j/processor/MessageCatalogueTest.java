package io.vfu4j.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.processor.diag.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The error catalogue in docs/device-model.md lists every message the processor can print. */
class MessageCatalogueTest {
  private static final Path DOC = Path.of("../docs/device-model.md");

  @ParameterizedTest
  @EnumSource(Message.class)
  void documented(Message message) throws IOException {
    assertThat(Files.readString(DOC)).contains("| `" + message.name() + "` | " + message.template() + " |");
  }
}
