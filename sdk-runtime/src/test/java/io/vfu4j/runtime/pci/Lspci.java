package io.vfu4j.runtime.pci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: decodes config bytes with pciutils ({@code lspci -F dump -vvv}), an independent
 * decoder. CI installs pciutils; locally run {@code apt-get install -y pciutils}.
 */
public final class Lspci {
  private static final Path LSPCI = Path.of("/usr/bin/lspci");

  private Lspci() {}

  /** The {@code lspci -vvv -nn} text (names with numeric IDs) of a function whose config space is {@code config}. */
  public static String decode(byte[] config) {
    if (!Files.isExecutable(LSPCI)) {
      throw new IllegalStateException(LSPCI + " is missing: install pciutils (apt-get install -y pciutils)");
    }
    try {
      Path dump = Files.createTempFile("vfu4j-config", ".lspci");
      try {
        Files.writeString(dump, LspciFormat.dump(config));
        // stderr to a file: lspci warns there about libkmod, which is noise unless it fails.
        Path errors = Files.createTempFile("vfu4j-lspci", ".err");
        Process process = new ProcessBuilder(LSPCI.toString(), "-F", dump.toString(), "-vvv", "-nn")
            .redirectError(errors.toFile())
            .start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException("lspci did not finish");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        String errorText = Files.readString(errors);
        Files.deleteIfExists(errors);
        if (process.exitValue() != 0) {
          throw new IllegalStateException("lspci failed with " + process.exitValue() + ":\n" + text + errorText);
        }
        return text;
      } finally {
        Files.deleteIfExists(dump);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run lspci", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running lspci", e);
    }
  }
}
