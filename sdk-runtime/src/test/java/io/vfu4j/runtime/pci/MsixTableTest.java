package io.vfu4j.runtime.pci;

import static io.vfu4j.runtime.pci.TestDevices.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.api.Bar;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.CapabilityLocation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MsixTableTest {
  private static final int BAR = 2;
  private static final long PBA = 0x800;

  private final ConfigSpace config = TestDevices.space(TestDevices.express());
  private final MsixTable table = config.msixTable();
  private final List<Integer> delivered = new ArrayList<>();
  private int control;

  @BeforeEach
  void setUp() {
    table.onUnmask(delivered::add);
    control = config.template().find(CapabilityLocation.MSIX, false).offset() + 2;
  }

  private static long entry(int vector, int field) {
    return 16L * vector + field;
  }

  @Test
  void claimsExactlyTheTableAndThePba() {
    assertThat(table.vectors()).isEqualTo(16);
    assertThat(table.claims(BAR, 0, 4)).isTrue();
    assertThat(table.claims(BAR, 0xfc, 4)).isTrue();
    assertThat(table.claims(BAR, 0x100, 4)).isFalse();
    assertThat(table.claims(BAR, PBA, 8)).isTrue();
    assertThat(table.claims(BAR, PBA + 8, 4)).isFalse();
    assertThat(table.claims(BAR, PBA - 4, 4)).isFalse();
    assertThat(table.claims(0, 0, 4)).isFalse();
  }

  @Test
  void resetMasksEveryVector() {
    for (int v = 0; v < 16; v++) {
      assertThat(table.read(BAR, entry(v, 12), 4)).isEqualTo(1);
      assertThat(table.read(BAR, entry(v, 0), 8)).isZero();
    }
    assertThat(table.programmedByClient()).isFalse();
  }

  @Test
  void servesFourAndEightByteAccessesOfEntries() {
    table.write(BAR, entry(3, 0), 8, 0x0000_0001_fee0_0003L);
    table.write(BAR, entry(3, 8), 4, 0x4041);
    table.write(BAR, entry(3, 12), 4, 0xffff_fffeL);
    assertThat(table.read(BAR, entry(3, 0), 4)).as("address bits 1:0 are zero").isEqualTo(0xfee0_0000L);
    assertThat(table.read(BAR, entry(3, 4), 4)).isEqualTo(1);
    assertThat(table.read(BAR, entry(3, 8), 8)).as("data and vector control (reserved bits stay 0)").isEqualTo(0x4041);
    assertThat(table.address(3)).isEqualTo(0x1_fee0_0000L);
    assertThat(table.data(3)).isEqualTo(0x4041);
    assertThat(table.programmedByClient()).isTrue();
  }

  @Test
  void pbaReflectsPendingBitsAndIgnoresWrites() {
    config.setMsixPending(0, true);
    config.setMsixPending(9, true);
    assertThat(table.read(BAR, PBA, 8)).isEqualTo(1L << 9 | 1);
    assertThat(table.read(BAR, PBA + 1, 1)).isEqualTo(2);
    table.write(BAR, PBA, 8, 0);
    assertThat(table.read(BAR, PBA, 8)).isEqualTo(1L << 9 | 1);
    assertThat(table.programmedByClient()).isFalse();
  }

  @Test
  void functionMaskHoldsPendingVectorsUntilCleared() {
    write(config, control, 2, 0xc000); // enable with Function Mask, as Linux does
    table.write(BAR, entry(3, 12), 4, 1);
    config.setMsixPending(3, true);
    table.write(BAR, entry(3, 12), 4, 0);
    assertThat(delivered).as("function still masked").isEmpty();
    assertThat(config.msixVectorMasked(3)).isTrue();
    write(config, control, 2, 0x8000);
    assertThat(delivered).containsExactly(3);
    assertThat(table.read(BAR, PBA, 8)).isZero();
    assertThat(config.msixVectorMasked(3)).isFalse();
  }

  @Test
  void unmaskingAPendingVectorDeliversIt() {
    write(config, control, 2, 0x8000);
    config.setMsixPending(5, true);
    config.setMsixPending(6, true);
    table.write(BAR, entry(5, 12), 4, 0);
    assertThat(delivered).containsExactly(5);
    assertThat(table.pending(5)).isFalse();
    assertThat(table.pending(6)).as("still masked").isTrue();
    table.write(BAR, entry(5, 12), 4, 0);
    assertThat(delivered).as("no second delivery without a new event").containsExactly(5);
  }

  @Test
  void pendingVectorsWaitForMsixEnable() {
    table.write(BAR, entry(1, 12), 4, 0);
    config.setMsixPending(1, true);
    assertThat(delivered).isEmpty();
    write(config, control, 2, 0x8000);
    assertThat(delivered).containsExactly(1);
  }

  @Test
  void configResetResetsTheTable() {
    table.write(BAR, entry(2, 12), 4, 0);
    config.setMsixPending(7, true);
    config.reset();
    assertThat(table.read(BAR, entry(2, 12), 4)).isEqualTo(1);
    assertThat(table.read(BAR, PBA, 8)).isZero();
    assertThat(table.programmedByClient()).isFalse();
  }

  @Test
  void rejectsVectorsOutOfRange() {
    assertThatThrownBy(() -> table.setPending(16, true)).hasMessageContaining("vector 16");
    assertThatThrownBy(() -> table.masked(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aFullSizeTableHasAFullPba() {
    ConfigSpace big = TestDevices.space(ConfigSpaceBuilder.pci(1, 2)
        .bar(new BarLayout(0, 64 * 1024, Bar.Type.MEMORY32, false)).msix(2048, 0, 0, 0, 0x8000));
    MsixTable bigTable = big.msixTable();
    assertThat(bigTable.pbaSize()).isEqualTo(256);
    bigTable.setPending(2047, true);
    assertThat(bigTable.read(0, 0x8000 + 255, 1)).isEqualTo(0x80);
    assertThat(bigTable.read(0, 0x8000 + 248, 8)).isEqualTo(Long.MIN_VALUE);
    assertThat(bigTable.claims(0, 0x8000 + 256, 4)).isFalse();
  }
}
