package io.vfu4j.runtime.iommu;

import static io.vfu4j.runtime.iommu.PriTest.errorOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.IommuMessages;
import io.vfu4j.runtime.protocol.IommuMessages.AtsInvalidate;
import io.vfu4j.runtime.protocol.IommuMessages.PageResponse;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Malformed extension messages get the doc's errno and the connection survives. */
@Timeout(30)
class MalformedExtensionTest extends IommuFixture {
  @Test
  void malformedInvalidationsAreRefused() throws Exception {
    connect(true);
    int none = IommuMessages.NO_PASID;
    byte[][] bad = {
        Arrays.copyOf(new AtsInvalidate(0, 4096, 0, none).encode(), 23), // short
        Arrays.copyOf(new AtsInvalidate(0, 4096, 0, none).encode(), 25), // long
        new AtsInvalidate(0, 4096, 0x1, none).encode(), // reserved flag bit
        new AtsInvalidate(0x1000, 0x2000, 0, none).encode(), // not naturally aligned
        new AtsInvalidate(0, 0x3000, 0, none).encode(), // not a power of two
        new AtsInvalidate(0, 2048, 0, none).encode(), // below a page
        new AtsInvalidate(0, 4096, IommuMessages.GLOBAL, none).encode(), // GLOBAL without PASID
        new AtsInvalidate(0, 4096, IommuMessages.PASID_VALID, 1 << IommuTestDevice.PASID_WIDTH).encode(), // width
        new AtsInvalidate(0x1000, IommuMessages.WHOLE_SPACE, 0, none).encode(), // whole space with addr
    };
    for (byte[] p : bad) {
      assertThat(errorOf(() -> client.call(Command.ATS_INVALIDATE, p))).isEqualTo(Errno.EINVAL);
    }
    assertThat(client.config16(0)).isEqualTo(0x1af4); // still served
  }

  @Test
  void malformedResponsesAndServerCommandsAreRefused() throws Exception {
    connect(true);
    assertThat(errorOf(() -> client.call(Command.PRI_PAGE_RESPONSE, new byte[15]))).isEqualTo(Errno.EINVAL);
    assertThat(errorOf(() -> client.call(Command.PRI_PAGE_RESPONSE,
        new PageResponse(IommuMessages.LAST, IommuMessages.NO_PASID, 0, 0).encode()))).isEqualTo(Errno.EINVAL);
    assertThat(errorOf(() -> client.call(Command.PRI_PAGE_RESPONSE,
        new PageResponse(0, IommuMessages.NO_PASID, 600, 0).encode()))).isEqualTo(Errno.EINVAL);
    assertThat(errorOf(() -> client.call(Command.ATS_TRANSLATE, new byte[16]))).isEqualTo(Errno.EINVAL);
    assertThat(errorOf(() -> client.call(Command.DMA_READ_EX, new byte[24]))).isEqualTo(Errno.EINVAL);
    // command 100 is reserved: ENOSYS
    byte[] raw = new byte[16];
    java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort((short) 999).putShort((short) 100)
        .putInt(16);
    client.sendRaw(raw);
    var reply = client.receiveRaw(java.time.Duration.ofSeconds(5));
    assertThat(reply.header().error()).isEqualTo(Errno.ENOSYS);
    assertThat(client.config16(0)).isEqualTo(0x1af4);
  }

  @Test
  void serverOnlyCommandsFromTheClientAreEinvalWhenNegotiatedEnosysWhenNot() throws Exception {
    client = io.vfu4j.host.VfioUserClient.connect(server.socketPath());
    closeables.add(client);
    client.negotiate(io.vfu4j.host.VfioUserClient.Options.defaults()
        .withIommu(new io.vfu4j.runtime.protocol.IommuOffer(1, true, 4, false, false))); // PASID only
    // DMA_*_EX belong to pasid (negotiated): wrong direction; ATS_TRANSLATE and PRI_PAGE_REQUEST
    // to ats/pri (not negotiated): unknown to this connection
    assertThat(errorOf(() -> client.call(Command.DMA_READ_EX, new byte[24]))).isEqualTo(Errno.EINVAL);
    assertThat(errorOf(() -> client.call(Command.DMA_WRITE_EX, new byte[32]))).isEqualTo(Errno.EINVAL);
    assertThat(errorOf(() -> client.call(Command.ATS_TRANSLATE, new byte[16]))).isEqualTo(Errno.ENOSYS);
    assertThat(errorOf(() -> client.call(Command.PRI_PAGE_REQUEST, new byte[32]))).isEqualTo(Errno.ENOSYS);
    assertThat(errorOf(() -> client.call(Command.DMA_READ, new byte[16]))).isEqualTo(Errno.EINVAL); // base
    assertThat(client.config16(0)).isEqualTo(0x1af4);
  }

  @Test
  void aVersionReplyWhoseIommuLacksRevisionIsInconsistentAndTheClientCloses() throws Exception {
    java.nio.file.Path path = dir.resolve("fake.sock");
    try (var fake = org.newsclub.net.unix.AFUNIXServerSocket.bindOn(org.newsclub.net.unix.AFUNIXSocketAddress.of(path))) {
      var served = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (var s = fake.accept(); var ch = io.vfu4j.runtime.transport.MessageChannel.of(s, 1 << 20)) {
          var version = ch.receive();
          byte[] json = "{\"capabilities\":{\"iommu\":{\"pasid\":true,\"pasid_width\":8,\"ats\":true}}}"
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
          byte[] payload = java.nio.ByteBuffer.allocate(4 + json.length + 1).order(java.nio.ByteOrder.LITTLE_ENDIAN)
              .putShort((short) 0).putShort((short) 0).put(json).put((byte) 0).array();
          ch.send(version.header().reply(payload.length), payload);
          return ch.receive(); // the client closes: end of stream
        } catch (java.io.IOException e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      });
      var c = io.vfu4j.host.VfioUserClient.connect(path);
      closeables.add(c);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.negotiate(
              io.vfu4j.host.VfioUserClient.Options.defaults().withIommu(io.vfu4j.runtime.protocol.IommuOffer.all())))
          .isInstanceOf(java.io.IOException.class).hasMessageContaining("revision");
      assertThat(served.get(5, java.util.concurrent.TimeUnit.SECONDS)).as("connection closed by the client").isNull();
    }
  }

  @Test
  void extensionDmaMapBitsFollowTheNegotiation() throws Exception {
    connect(true);
    int pasidTooWide = 1 << 8 | (1 << IommuTestDevice.PASID_WIDTH) << 12;
    assertThat(errorOf(() -> client.mapGuestMemory(0x10000, PAGE, true, pasidTooWide))).isEqualTo(Errno.EINVAL);
    assertThat(errorOf(() -> client.mapGuestMemory(0x10000, PAGE, true, 1 << 8 | 1 << 9))).isEqualTo(Errno.EINVAL);
    assertThat(errorOf(() -> client.mapGuestMemory(0x10000, PAGE, true, 5 << 12))).isEqualTo(Errno.EINVAL);
    client.mapGuestMemory(0x10000, PAGE, true, 1 << 8 | 5 << 12); // PASID 5: fine
    client.mapGuestMemory(0x10000, PAGE, true, 1 << 9); // translated space: same address, other space
    client.mapGuestMemory(0x10000, PAGE, true); // no-PASID
  }

  @Test
  void remapWithOtherProtectionReplacesItOnlyWithTheExtension() throws Exception {
    connect(true);
    int pasid3 = 1 << 8 | 3 << 12;
    var memory = client.mapGuestMemory(0x10000, PAGE, true, pasid3);
    client.writeConfig16(4, CMD_BUS_MASTER);
    client.writeConfig16(descriptor.pasid() + 6, 1); // PASID only: no ATS, so no translation fallback
    await(space(3).writeAsync(0x10000, bytes(4, 1)));
    byte[] readOnly = new io.vfu4j.runtime.protocol.DmaMessages.DmaMap(1 | pasid3, 0, 0x10000, PAGE).encode();
    client.call(Command.DMA_MAP, readOnly);
    // the pushed mapping no longer permits writes; the client's IOMMU has no page table for it either
    assertThat(failure(space(3).writeAsync(0x10000, bytes(4, 9)))).isInstanceOf(io.vfu4j.api.DmaException.class);
    var back = java.lang.foreign.MemorySegment.ofArray(new byte[4]);
    await(space(3).readAsync(0x10000, back));
    assertThat(back.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 1);
    assertThat(memory.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 1);
  }

  @Test
  void remapWithOtherProtectionIsAnOverlapForAPlainClient() throws Exception {
    connect(false);
    client.mapGuestMemory(0x10000, PAGE, false);
    byte[] readOnly = new io.vfu4j.runtime.protocol.DmaMessages.DmaMap(1, 0, 0x10000, PAGE).encode();
    assertThat(errorOf(() -> client.call(Command.DMA_MAP, readOnly))).isEqualTo(Errno.EEXIST);
  }

  @Test
  void featuresNotNegotiatedStayOff() throws Exception {
    client = io.vfu4j.host.VfioUserClient.connect(server.socketPath());
    closeables.add(client);
    client.negotiate(io.vfu4j.host.VfioUserClient.Options.defaults()
        .withIommu(new io.vfu4j.runtime.protocol.IommuOffer(1, true, 4, false, false)));
    viommu = new io.vfu4j.host.VirtualIommu(client);
    closeables.add(viommu);
    assertThat(client.negotiatedIommu()).isEqualTo(new io.vfu4j.runtime.protocol.IommuOffer(1, true, 4, false, false));
    assertThat(errorOf(() -> client.call(Command.ATS_INVALIDATE,
        new AtsInvalidate(0, IommuMessages.WHOLE_SPACE, 0, IommuMessages.NO_PASID).encode()))).isEqualTo(Errno.ENOSYS);
    assertThat(errorOf(() -> client.call(Command.PRI_PAGE_RESPONSE,
        new PageResponse(0, IommuMessages.NO_PASID, 0, 0).encode()))).isEqualTo(Errno.ENOSYS);
    assertThat(errorOf(() -> client.mapGuestMemory(0x10000, PAGE, true, 1 << 9))).isEqualTo(Errno.EINVAL);
    viommu.mapPasid(3, 0x10000, PAGE, true);
    enableAll(0, 4); // the guest enables ATS and PRI anyway: no translation goes on the wire
    await(space(3).writeAsync(0x10000, bytes(4, 1)));
    assertThat(failure(space(3).writeAsync(0x90000, bytes(4, 1)))).isInstanceOf(io.vfu4j.api.DmaException.class);
    assertThat(client.serverCommandsSeen()).doesNotContainKeys(Command.ATS_TRANSLATE.code(),
        Command.PRI_PAGE_REQUEST.code());
  }
}
