package io.vfu4j.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.pci.LspciFormat;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated config space decoded by pciutils ({@code lspci -F}), an independent decoder: every
 * capability shows up with the values the annotations of {@code Express} and {@code Edu} gave.
 */
@Timeout(60)
class LspciTest {
  @TempDir
  Path dir;

  private String decode(String device) throws Exception {
    CompiledDevice compiled = CompiledDevice.compile(dir, Compiler.device(device));
    ConfigSpaceTemplate template = compiled.descriptor().layout().config();
    Path dump = dir.resolve(device + ".lspci");
    Files.writeString(dump, LspciFormat.dump(template.image()));
    Process lspci = new ProcessBuilder("lspci", "-F", dump.toString(), "-vvv", "-nn")
        .redirectError(dir.resolve("lspci.err").toFile()).start();
    String text = new String(lspci.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(lspci.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(lspci.exitValue()).as(Files.readString(dir.resolve("lspci.err"))).isZero();
    return text;
  }

  @Test
  void expressDeviceShowsEveryCapabilityWithItsAnnotatedValues() throws Exception {
    String text = decode("Express");
    assertThat(text)
        .contains("[0880]", "[1b36:0123] (rev 02)")
        .contains("Subsystem: ", "[1af4:1100]")
        .contains("Region 0: Memory at <unassigned> (64-bit, non-prefetchable)")
        .contains("Region 2: Memory at <unassigned> (64-bit, prefetchable)")
        .contains("Region 4: I/O ports at <unassigned>")
        .contains("Power Management version 3")
        .contains("D1+ D2-")
        .contains("PME(D0+,D1-,D2-,D3hot+,D3cold+)")
        .contains("MSI: Enable- Count=1/4 Maskable+ 64bit+")
        .contains("MSI-X: Enable- Count=16 Masked-")
        .contains("Vector table: BAR=0 offset=00002000")
        .contains("PBA: BAR=0 offset=00003000")
        .contains("Express (v2) Endpoint")
        .contains("MaxPayload 512 bytes")
        .contains("FLReset+")
        .contains("Speed 8GT/s", "Width x4")
        .contains("Completion Timeout: Range ABCD, TimeoutDis-")
        .contains("10BitTagComp+ 10BitTagReq-")
        .contains("Vendor Specific Information: Len=06")
        .contains("Advanced Error Reporting")
        .contains("ECRCGenCap+ ECRCGenEn- ECRCChkCap- ECRCChkEn-")
        .contains("Device Serial Number 00-11-22-33-44-55-66-77")
        .contains("Address Translation Service (ATS)")
        .contains("Invalidate Queue Depth: 08")
        .contains("Page Request Interface (PRI)")
        .contains("Page Request Capacity: 00000040")
        .contains("Process Address Space ID (PASID)")
        .contains("PASIDCap: Exec+ Priv+, Max PASID Width: 10");
  }

  @Test
  void conventionalDeviceShowsItsIdentityInterruptPinAndMsi() throws Exception {
    String text = decode("Edu");
    assertThat(text)
        .contains("[00ff]", "[1234:11e8] (rev 10)")
        .contains("Interrupt: pin A")
        .contains("MSI: Enable- Count=1/1 Maskable- 64bit+")
        .doesNotContain("Express");
  }
}
