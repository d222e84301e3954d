package io.vfu4j.samples.edu;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Identity, liveness, factorial and access sizes of edu, through the socket. */
@Timeout(20)
class EduRegistersTest extends EduTestSupport {
  @BeforeEach
  void setUp() throws Exception {
    start();
  }

  @AfterEach
  void tearDown() throws Exception {
    host.close();
  }

  @Test
  void configSpaceIdentifiesQemusEdu() throws Exception {
    var identity = host.identity();
    assertThat(identity.vendorId()).isEqualTo(0x1234);
    assertThat(identity.deviceId()).isEqualTo(0x11e8);
    assertThat(identity.classCode()).isEqualTo(0x00ff00);
    assertThat(identity.revision()).isEqualTo(0x10);
    assertThat(identity.interruptPin()).isEqualTo(1);
    assertThat(identity.capabilities()).singleElement().satisfies(msi -> {
      assertThat(msi.id()).isEqualTo(0x05);
      assertThat(msi.offset()).isEqualTo(0x40);
      assertThat(msi.control() & 0x80).as("64-bit").isNotZero();
      assertThat(msi.control() & 0x100).as("per-vector masking").isZero();
      assertThat((msi.control() >> 1) & 7).as("one vector requested").isZero();
    });
    assertThat(host.client().regionInfo(0).info().size()).isEqualTo(1 << 20);
  }

  @Test
  void identificationIsVersionOneMagicEd() throws Exception {
    assertThat(read32(0x00)).isEqualTo(0x010000edL);
    write32(0x00, 0);
    assertThat(read32(0x00)).isEqualTo(0x010000edL);
  }

  @Test
  void livenessReadsTheInverse() throws Exception {
    write32(0x04, 0x12345678);
    assertThat(read32(0x04)).isEqualTo(0xedcba987L);
    write32(0x04, 0);
    assertThat(read32(0x04)).isEqualTo(0xffffffffL);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 5, 12, 13, 20})
  void factorialIs32Bit(int n) throws Exception {
    write32(0x08, n);
    awaitFactorialDone();
    long expected = factorial(n).mod(BigInteger.ONE.shiftLeft(32)).longValue();
    assertThat(read32(0x08)).isEqualTo(expected);
  }

  private static BigInteger factorial(int n) {
    BigInteger result = BigInteger.ONE;
    for (int i = 2; i <= n; i++) {
      result = result.multiply(BigInteger.valueOf(i));
    }
    return result;
  }

  @Test
  void statusComputingIsReadOnlyAndIrqBitIsReadWrite() throws Exception {
    write32(0x20, 0xffffffffL);
    assertThat(read32(0x20)).isEqualTo(0x80);
    write32(0x20, 0x01);
    assertThat(read32(0x20)).isZero();
  }

  @Test
  void belowDmaOnlyFourByteAccessesWork() throws Exception {
    assertThat(host.read(0, 0x00, 1)).isEqualTo(0xff);
    assertThat(host.read(0, 0x00, 2)).isEqualTo(0xffff);
    assertThat(host.read(0, 0x00, 8)).isEqualTo(-1L);
    host.write(0, 0x04, 2, 0x1111);
    host.write(0, 0x04, 1, 0x22);
    assertThat(read32(0x04)).as("narrow liveness writes are dropped").isZero();
  }

  @Test
  void unusedAndWriteOnlyOffsetsReadAllOnes() throws Exception {
    for (long offset : new long[] {0x0c, 0x30, 0x60, 0x64, 0x7c, 0xa0, 0x1000}) {
      assertThat(read32(offset)).as("offset 0x%x", offset).isEqualTo(0xffffffffL);
    }
    assertThat(read32(EduDevice.DMA_BUFFER_ADDRESS)).as("the DMA buffer is not in BAR0").isEqualTo(0xffffffffL);
  }

  @Test
  void dmaRegistersTakeFourAndEightByteAccesses() throws Exception {
    write64(0x80, 0x1122_3344_5566_7788L);
    assertThat(read64(0x80)).isEqualTo(0x1122_3344_5566_7788L);
    assertThat(read32(0x80)).as("4-byte read of the low half").isEqualTo(0x5566_7788L);
    assertThat(read32(0x84)).as("the upper half does not decode").isEqualTo(0xffffffffL);

    write32(0x80, 0xaabb_ccddL);
    assertThat(read64(0x80)).as("a 4-byte write replaces the whole register").isEqualTo(0xaabb_ccddL);
    write32(0x84, 0x1234);
    assertThat(read64(0x80)).as("a write to the upper half is dropped").isEqualTo(0xaabb_ccddL);

    host.write(0, 0x88, 2, 0x55);
    assertThat(read64(0x88)).as("2-byte writes are dropped").isZero();
    assertThat(host.read(0, 0x88, 2)).isEqualTo(0xffff);
  }

  @Test
  void serviceLoaderFindsTheGeneratedDescriptorAndItKeepsTheDmaAccessRule() throws Exception {
    assertThat(discovered()).as("the generated descriptor itself, no wrapper").isExactlyInstanceOf(EduDevice_Descriptor.class);
    write64(0x88, 0xffff_ffff_ffff_ffffL);
    write32(0x88, 0x1000);
    assertThat(read64(0x88)).as("a 4-byte write to 0x88 zeroes the upper half").isEqualTo(0x1000L);
  }

  @Test
  void dmaCommandWithoutStartIsIgnored() throws Exception {
    write64(0x98, EduDevice.COMMAND_TO_GUEST | EduDevice.COMMAND_IRQ);
    assertThat(read64(0x98)).isZero();
  }
}
