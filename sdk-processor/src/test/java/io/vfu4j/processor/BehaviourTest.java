package io.vfu4j.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the generated Edu_Registers through the DeviceModel interface. */
class BehaviourTest {
  private static CompiledDevice edu;
  private DeviceModel model;
  private Object device;

  @BeforeAll
  static void compile(@TempDir Path dir) {
    edu = CompiledDevice.compile(dir, Compiler.device("Edu"));
  }

  @BeforeEach
  void create() {
    model = edu.create(List.of());
    device = model.device();
  }

  private int intField(String name) {
    return (int) DeviceField.get(device, name);
  }

  @SuppressWarnings("unchecked")
  private List<String> events() {
    return (List<String>) DeviceField.get(device, "events");
  }

  @Test
  void descriptorIsFoundByServiceLoaderAndNamesTheDevice() {
    DeviceDescriptor descriptor = edu.descriptor();
    assertThat(descriptor.name()).isEqualTo("edu");
    assertThat(descriptor.deviceClassName()).isEqualTo("test.Edu");
    assertThat(descriptor.getClass().getSimpleName()).isEqualTo("Edu_Descriptor");
  }

  @Test
  void readOnlyRegisterKeepsItsResetValue() {
    assertThat(model.read(0, 0x00, 4)).isEqualTo(0x010000edL);
    model.write(0, 0x00, 4, 0);
    assertThat(model.read(0, 0x00, 4)).isEqualTo(0x010000edL);
  }

  @Test
  void beforeStoreWriteHookReplacesTheStoredValue() {
    model.write(0, 0x04, 4, 0x12345678L);
    assertThat(model.read(0, 0x04, 4)).isEqualTo(0xedcba987L);
    assertThat(intField("liveness")).isEqualTo(~0x12345678);
  }

  @Test
  void afterStoreWriteHookSeesOldAndNewAndMayChangeTheRegister() {
    model.write(0, 0x08, 4, 5);
    assertThat(events()).containsExactly("factorial 0->5");
    assertThat(model.read(0, 0x08, 4)).isEqualTo(120);
  }

  @Test
  void refusedAccessSizeReadsAllOnesAndDropsTheWrite() {
    model.write(0, 0x08, 4, 3);
    events().clear();
    assertThat(model.read(0, 0x08, 2)).isEqualTo(0xffffL);
    assertThat(model.read(0, 0x08, 1)).isEqualTo(0xffL);
    model.write(0, 0x08, 2, 7);
    assertThat(intField("factorial")).isEqualTo(6);
    assertThat(events()).isEmpty();
  }

  @Test
  void subWidthAccessesTouchOnlyTheAddressedBytes() {
    model.write(0, 0x10, 4, 0x11223344L);
    assertThat(model.read(0, 0x11, 1)).isEqualTo(0x33L);
    assertThat(model.read(0, 0x12, 2)).isEqualTo(0x1122L);
    model.write(0, 0x13, 1, 0xaa);
    model.write(0, 0x10, 2, 0xbeef);
    assertThat(model.read(0, 0x10, 4)).isEqualTo(0xaa22beefL);
    assertThat(model.read(0, 0x11, 2)).as("misaligned").isEqualTo(0xffffL);
  }

  @Test
  void readOnlyFieldAndReservedBitsIgnoreWritesAndFieldHooksSeeTheirValue() {
    model.write(0, 0x20, 4, 0xffffffffL);
    assertThat(intField("status")).as("only irqOnDone is writable").isEqualTo(0x80);
    assertThat(events()).containsExactly("irqOnDone 1");
    assertThat(model.read(0, 0x20, 4)).as("read hook reports computing = 1").isEqualTo(0x81L);
    assertThat(intField("status")).as("a value read hook does not store").isEqualTo(0x80);
    model.write(0, 0x20, 4, 0);
    assertThat(events()).containsExactly("irqOnDone 1", "irqOnDone 0");
  }

  @Test
  void voidReadHookRunsBeforeTheValueIsTaken() {
    DeviceField.set(device, "irqStatus", 3);
    assertThat(model.read(0, 0x24, 4)).isEqualTo(3);
    assertThat(events()).containsExactly("refresh irqStatus");
  }

  @Test
  void writeOnlyRegisterReadsZero() {
    model.write(0, 0x60, 4, 5);
    assertThat(events()).containsExactly("raise 5");
    assertThat(model.read(0, 0x60, 4)).isZero();
    assertThat(intField("irqStatus")).isEqualTo(5);
  }

  @Test
  void writeOnlyRegisterWithReadsAllOnesIsNotDecodedForReads() {
    model.write(0, 0x70, 4, 0x5);
    assertThat(events()).containsExactly("command 5");
    assertThat(intField("command")).isEqualTo(5);
    assertThat(model.read(0, 0x70, 4)).isEqualTo(0xffffffffL);
    assertThat(model.read(0, 0x72, 2)).as("all ones of the access size").isEqualTo(0xffffL);
    model.write(0, 0x72, 2, 0x1);
    assertThat(intField("command")).as("narrow writes still reach their bytes").isEqualTo(0x10005);
  }

  @Test
  void writeOneToClear() {
    DeviceField.set(device, "irqAck", 0xf);
    model.write(0, 0x64, 4, 0x5);
    assertThat(model.read(0, 0x64, 4)).isEqualTo(0xaL);
    assertThat(events()).containsExactly("ack f->a");
  }

  @Test
  void fieldPoliciesOfOneRegister() {
    assertThat(model.read(0, 0x68, 8)).as("zeroClear resets to 0xff").isEqualTo(0xff0000000000L);
    DeviceField.set(device, "counters", 0xff00_0000_0000L | 0x0f_0000_0000L);
    // events NORMAL <- 0x1234, sticky W1S sets 0x3, flip W1T toggles 0x0f ^ 0x05, zeroClear W0C with 0x0f.
    model.write(0, 0x68, 8, 0x0f05_0003_1234L);
    assertThat(model.read(0, 0x68, 8)).isEqualTo(0x0f0a_0003_1234L);
    assertThat(model.read(0, 0x68, 8)).as("events cleared by the previous read").isEqualTo(0x0f0a_0003_0000L);
    DeviceField.set(device, "counters", -1L);
    assertThat(model.read(0, 0x68, 8)).as("reserved bits 63:48 read zero").isEqualTo(0xffff_ffff_ffffL);
  }

  @Test
  void registerArrayWithStride() {
    model.write(0, 0x108, 4, 42);
    assertThat(((int[]) DeviceField.get(device, "doorbell"))[1]).isEqualTo(42);
    assertThat(events()).containsExactly("doorbell[1]=42");
    assertThat(model.read(0, 0x108, 4)).isEqualTo(42);
    assertThat(model.read(0, 0x118, 4)).isZero();
    assertThat(model.read(0, 0x10c, 4)).as("gap between elements").isEqualTo(0xffffffffL);
    assertThat(model.read(0, 0x120, 4)).as("past the array").isEqualTo(0xffffffffL);
  }

  @Test
  void unclaimedOffsetsAndBarsReadAllOnesAndDropWrites() {
    assertThat(model.read(0, 0x40, 4)).isEqualTo(0xffffffffL);
    assertThat(model.read(0, 0x80000, 8)).isEqualTo(-1L);
    assertThat(model.read(1, 0, 4)).isEqualTo(0xffffffffL);
    assertThat(model.read(0, -4, 4)).isEqualTo(0xffffffffL);
    model.write(0, 0x40, 4, 1);
    model.write(3, 0, 4, 1);
    assertThat(events()).isEmpty();
  }

  @Test
  void resetRestoresEveryRegisterThenCallsTheHook() {
    model.write(0, 0x10, 4, 0x1234);
    model.write(0, 0x108, 4, 9);
    DeviceField.set(device, "counters", 0L);
    events().clear();
    model.reset(ResetReason.FLR);
    assertThat(intField("scratch")).isZero();
    assertThat(((int[]) DeviceField.get(device, "doorbell"))[1]).isZero();
    assertThat((long) DeviceField.get(device, "counters")).isEqualTo(0xff0000000000L);
    assertThat(events()).containsExactly("reset FLR");
  }

  /** dmaSource (0x80) is WHOLE_REGISTER, dmaDestination (0x88) the same shape with BYTE_LANES. */
  @Nested
  class NarrowAccesses {
    private long dmaSource() {
      return (long) DeviceField.get(device, "dmaSource");
    }

    @Test
    void wholeRegisterNarrowWriteReplacesTheRegisterZeroExtended() {
      model.write(0, 0x80, 8, 0x1122334455667788L);
      model.write(0, 0x80, 4, 0xaabbccddL);
      assertThat(dmaSource()).isEqualTo(0xaabbccddL);
      assertThat(model.read(0, 0x80, 8)).isEqualTo(0xaabbccddL);
      assertThat(events()).as("the hook sees the whole register").containsExactly(
          "dmaSource 0->1122334455667788", "dmaSource 1122334455667788->aabbccdd");
    }

    @Test
    void wholeRegisterNarrowWriteTakesOnlyTheLowBytesOfTheValue() {
      model.write(0, 0x80, 4, 0xdead_beef_1234_5678L);
      assertThat(dmaSource()).isEqualTo(0x12345678L);
    }

    @Test
    void wholeRegisterNarrowReadReturnsTheLowBytes() {
      DeviceField.set(device, "dmaSource", 0x1122334455667788L);
      assertThat(model.read(0, 0x80, 4)).isEqualTo(0x55667788L);
      assertThat(model.read(0, 0x80, 8)).isEqualTo(0x1122334455667788L);
    }

    @Test
    void wholeRegisterNarrowAccessElsewhereInTheRegisterDoesNotDecode() {
      DeviceField.set(device, "dmaSource", 0x1122334455667788L);
      assertThat(model.read(0, 0x84, 4)).isEqualTo(0xffffffffL);
      model.write(0, 0x84, 4, 0);
      assertThat(dmaSource()).isEqualTo(0x1122334455667788L);
      assertThat(events()).isEmpty();
    }

    @Test
    void wholeRegisterStillRefusesSizesNotListed() {
      DeviceField.set(device, "dmaSource", 0x1122334455667788L);
      assertThat(model.read(0, 0x80, 2)).isEqualTo(0xffffL);
      model.write(0, 0x80, 2, 0);
      model.write(0, 0x80, 1, 0);
      assertThat(dmaSource()).isEqualTo(0x1122334455667788L);
    }

    @Test
    void byteLanesNarrowAccessesReachTheAddressedHalfAndMerge() {
      model.write(0, 0x88, 8, 0x1122334455667788L);
      model.write(0, 0x88, 4, 0xaabbccddL);
      assertThat(model.read(0, 0x88, 8)).isEqualTo(0x11223344aabbccddL);
      model.write(0, 0x8c, 4, 0x01020304L);
      assertThat(model.read(0, 0x88, 8)).isEqualTo(0x01020304aabbccddL);
      assertThat(model.read(0, 0x8c, 4)).isEqualTo(0x01020304L);
      assertThat(model.read(0, 0x88, 4)).isEqualTo(0xaabbccddL);
    }
  }

  @Nested
  class State {
    private byte[] save(DeviceModel m) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      m.saveState(new DataOutputStream(bytes));
      return bytes.toByteArray();
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
      model.write(0, 0x10, 4, 0xcafe);
      model.write(0, 0x108, 4, 77);
      DeviceField.set(device, "counters", 0x1234_5678_9abcL);
      byte[] state = save(model);

      DeviceModel copy = edu.create(List.of());
      copy.loadState(new DataInputStream(new ByteArrayInputStream(state)));
      assertThat(copy.read(0, 0x10, 4)).isEqualTo(0xcafe);
      assertThat(copy.read(0, 0x108, 4)).isEqualTo(77);
      assertThat((long) DeviceField.get(copy.device(), "counters")).isEqualTo(0x1234_5678_9abcL);
      assertThat(save(copy)).isEqualTo(state);
    }

    @Test
    void rejectsStateOfAnotherLayout() throws IOException {
      byte[] state = save(model);
      state[0] ^= 1;
      assertThatThrownBy(() -> model.loadState(new DataInputStream(new ByteArrayInputStream(state))))
          .isInstanceOf(IOException.class).hasMessageContaining("register layout");
    }

    @Test
    void truncatedStateLeavesRegistersUntouched() throws IOException {
      model.write(0, 0x10, 4, 0x55);
      byte[] state = save(model);
      model.write(0, 0x10, 4, 0x66);
      byte[] shorter = java.util.Arrays.copyOf(state, state.length - 2);
      assertThatThrownBy(() -> model.loadState(new DataInputStream(new ByteArrayInputStream(shorter))))
          .isInstanceOf(EOFException.class);
      assertThat(model.read(0, 0x10, 4)).isEqualTo(0x66);
    }
  }

  @Test
  void descriptorInstallsMemorySegmentsInLayoutOrder(@TempDir Path dir) {
    CompiledDevice express = CompiledDevice.compile(dir, Compiler.device("Express"));
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ram = arena.allocate(0x10000);
      DeviceModel m = express.create(List.of(ram));
      assertThat(DeviceField.get(m.device(), "ram")).isSameAs(ram);
      m.write(0, 0x0, 8, 0x1122334455667788L);
      assertThat(m.read(0, 0x4, 4)).isEqualTo(0x11223344L);
      assertThat(m.read(4, 0x0, 1)).isZero();
    }
  }
}
