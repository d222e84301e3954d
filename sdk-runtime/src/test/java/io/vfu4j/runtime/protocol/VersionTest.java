package io.vfu4j.runtime.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VersionTest {
  private static byte[] payload(String json) {
    byte[] text = json.getBytes(StandardCharsets.UTF_8);
    byte[] p = new byte[4 + text.length + 1];
    System.arraycopy(text, 0, p, 4, text.length);
    return p;
  }

  @Test
  void parsesQemusExactProposal() throws Exception {
    Version v = Version.decode(payload("{\"capabilities\": {\"migration\": {\"pgsize\": 4096,"
        + " \"max_bitmap_size\": 268435456}, \"max_msg_fds\": 16, \"max_data_xfer_size\": 1048576,"
        + " \"pgsizes\": 4096, \"max_dma_maps\": 65535, \"write_multiple\": true}}"));
    Capabilities c = v.capabilities();
    assertThat(c.maxMsgFds()).isEqualTo(16);
    assertThat(c.maxDataXferSize()).isEqualTo(1048576);
    assertThat(c.maxDmaMaps()).isEqualTo(65535);
    assertThat(c.pgsizes()).isEqualTo(4096);
    assertThat(c.writeMultiple()).isTrue();
    assertThat(c.migrationPgsize()).isEqualTo(4096);
    assertThat(c.migrationMaxBitmapSize()).isEqualTo(268435456L);
    assertThat(c.looksLikeQemu()).isTrue();
    assertThat(c).isEqualTo(Capabilities.qemuProposal());
  }

  @Test
  void absentKeysTakeSpecDefaultsAndUnknownKeysAreIgnored() throws Exception {
    Capabilities c = Version.decode(payload("{\"capabilities\":{\"x\":[1,2]},\"y\":null}")).capabilities();
    assertThat(c).isEqualTo(Capabilities.defaults());
    assertThat(c.maxMsgFds()).isEqualTo(1);
    assertThat(Version.decode(new byte[4]).capabilities()).isEqualTo(Capabilities.defaults());
  }

  @Test
  void encodeEndsWithNulAndRoundTrips() throws Exception {
    Capabilities c = Capabilities.defaults().withTwinSocket(true, 0).withWriteMultiple(true);
    byte[] p = new Version(0, 0, c).encode();
    assertThat(p[p.length - 1]).isZero();
    assertThat(Version.decode(p).capabilities()).isEqualTo(c);
  }

  @Test
  void refusesWrongTypesAndMissingNul() {
    assertThatThrownBy(() -> Version.decode("\0\0\0\0{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> Version.decode(payload("{\"capabilities\":{\"write_multiple\":1}}")))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> Version.decode(payload("{\"capabilities\":{\"twin_socket\":true}}")))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> Version.decode(payload("[1]"))).isInstanceOf(ProtocolException.class);
  }
}
