package io.vfu4j.samples.edu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.host.GuestMemory;
import io.vfu4j.runtime.cli.HostSession;
import io.vfu4j.runtime.sys.EventFd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** edu's DMA engine against guest memory the host client maps (with and without an fd). */
@Timeout(20)
class EduDmaTest extends EduTestSupport {
  private static final long GUEST_SIZE = 1 << 20;

  @BeforeEach
  void setUp() throws Exception {
    start();
  }

  @AfterEach
  void tearDown() throws Exception {
    host.close();
  }

  private void dma(long source, long destination, long count, long command) throws Exception {
    write64(0x80, source);
    write64(0x88, destination);
    write64(0x90, count);
    write64(0x98, command);
  }

  private static byte[] pattern(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static void put(GuestMemory guest, long address, byte[] bytes) {
    MemorySegment.copy(bytes, 0, guest.segment(), ValueLayout.JAVA_BYTE, address, bytes.length);
  }

  private static byte[] get(GuestMemory guest, long address, int size) {
    return guest.segment().asSlice(address, size).toArray(ValueLayout.JAVA_BYTE);
  }

  @ParameterizedTest(name = "memory shared by fd: {0}")
  @ValueSource(booleans = {true, false})
  void copiesIntoTheBufferAndBackOut(boolean sharedFd) throws Exception {
    try (GuestMemory guest = host.client().mapGuestMemory(0, GUEST_SIZE, sharedFd)) {
      byte[] data = pattern(300, 1);
      put(guest, 0x1000, data);

      dma(0x1000, 0x40100, data.length, EduDevice.COMMAND_START);
      awaitDmaDone();
      dma(0x40100, 0x3000, data.length, EduDevice.COMMAND_START | EduDevice.COMMAND_TO_GUEST);
      awaitDmaDone();

      assertThat(get(guest, 0x3000, data.length)).isEqualTo(data);
      assertThat(get(guest, 0x3000 + data.length, 1)).as("nothing beyond the count").containsExactly(0);
    }
  }

  @Test
  @SuppressWarnings("try") // guest memory only has to stay mapped while the device copies
  void completionClearsOnlyStartAndRaisesTheDmaInterrupt() throws Exception {
    EventFd intx = host.interrupt(HostSession.INTX);
    try (GuestMemory guest = host.client().mapGuestMemory(0, GUEST_SIZE, true)) {
      long command = EduDevice.COMMAND_START | EduDevice.COMMAND_TO_GUEST | EduDevice.COMMAND_IRQ;
      dma(0x40000, 0x2000, 16, command);
      assertThat(intx.await(WAIT)).isPositive();
      assertThat(read64(0x98)).isEqualTo(command & ~EduDevice.COMMAND_START);
      assertThat(read32(0x24)).isEqualTo(EduDevice.DMA_IRQ);
      assertThat(pciInterruptStatus()).isTrue();
    }
  }

  @Test
  void guestAddressesAreCutTo28Bits() throws Exception {
    try (GuestMemory guest = host.client().mapGuestMemory(0, GUEST_SIZE, true)) {
      byte[] data = pattern(64, 2);
      put(guest, 0x4000, data);
      dma(0x7_1000_4000L, 0x40000, data.length, EduDevice.COMMAND_START);
      awaitDmaDone();
      dma(0x40000, 0xf000_5000L, data.length, EduDevice.COMMAND_START | EduDevice.COMMAND_TO_GUEST);
      awaitDmaDone();
      assertThat(get(guest, 0x5000, data.length)).isEqualTo(data);
    }
  }

  @Test
  void transferOutsideTheBufferCopiesNothingButCompletes() throws Exception {
    try (GuestMemory guest = host.client().mapGuestMemory(0, GUEST_SIZE, true)) {
      put(guest, 0x1000, pattern(16, 3));
      dma(0x1000, 0x40ff8, 16, EduDevice.COMMAND_START); // crosses the end of the buffer
      awaitDmaDone();
      dma(0x40ff0, 0x6000, 16, EduDevice.COMMAND_START | EduDevice.COMMAND_TO_GUEST);
      awaitDmaDone();
      assertThat(get(guest, 0x6000, 16)).as("the buffer kept its zeros").containsOnly(0);
    }
  }

  @Test
  void unmappedGuestAddressFailsTheTransferNotTheDevice() throws Exception {
    dma(0x40000, 0x2000, 16, EduDevice.COMMAND_START | EduDevice.COMMAND_TO_GUEST);
    awaitDmaDone();
    assertThat(read32(0x00)).isEqualTo(0x010000edL);
  }
}
