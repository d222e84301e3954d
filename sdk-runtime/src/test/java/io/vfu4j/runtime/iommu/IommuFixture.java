package io.vfu4j.runtime.iommu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vfu4j.api.DmaSpace;
import io.vfu4j.host.VfioUserClient;
import io.vfu4j.host.VfioUserException;
import io.vfu4j.host.VirtualIommu;
import io.vfu4j.runtime.protocol.IommuOffer;
import io.vfu4j.runtime.server.ServerOptions;
import io.vfu4j.runtime.server.VfioUserServer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A server with {@link IommuTestDevice}, a client that may offer the extension, and guest-style enables. */
abstract class IommuFixture {
  static final int CMD_BUS_MASTER = 4;
  static final int PAGE = 4096;
  static final int STATUS_RF = 1, STATUS_UPRGI = 2, STATUS_STOPPED = 0x100;

  @TempDir
  Path dir;
  final IommuTestDevice.Descriptor descriptor = new IommuTestDevice.Descriptor();
  VfioUserServer server;
  VfioUserClient client;
  VirtualIommu viommu;
  final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    server = VfioUserServer.start(descriptor, dir.resolve("dev.sock"),
        ServerOptions.defaults().withRequestTimeout(Duration.ofSeconds(5)));
    closeables.add(server);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** Connects offering every feature (or nothing, as QEMU) and attaches a virtual IOMMU. */
  VfioUserClient connect(boolean offerExtension) throws IOException {
    client = VfioUserClient.connect(server.socketPath());
    closeables.add(client);
    VfioUserClient.Options options = offerExtension
        ? VfioUserClient.Options.defaults().withIommu(IommuOffer.all())
        : VfioUserClient.Options.qemu();
    client.negotiate(options);
    viommu = new VirtualIommu(client);
    closeables.add(viommu);
    return client;
  }

  IommuTestDevice device() {
    return descriptor.last;
  }

  DmaSpace space(int pasid) {
    return pasid < 0 ? device().ctx.dma().untagged() : device().ctx.dma().space(pasid);
  }

  /** Bus master, then PASID, ATS and (reset, allocation) PRI: Linux's order. */
  void enableAll(int stu, int priAllocation) throws IOException {
    client.writeConfig16(4, client.config16(4) | CMD_BUS_MASTER);
    client.writeConfig16(descriptor.pasid() + 6, 0x7);
    client.writeConfig16(descriptor.ats() + 6, 0x8000 | stu);
    enablePri(priAllocation);
  }

  void enablePri(int allocation) throws IOException {
    client.writeConfig16(descriptor.pri() + 4, 0); // disable
    client.writeConfig16(descriptor.pri() + 4, 2); // reset
    client.writeConfig32(descriptor.pri() + 0x0c, allocation);
    client.writeConfig16(descriptor.pri() + 4, 1); // enable
  }

  int priStatus() throws IOException {
    return client.config16(descriptor.pri() + 6);
  }

  static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The failure of a stage that must fail. */
  static Throwable failure(CompletionStage<?> stage) throws Exception {
    try {
      stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    return fail("expected the stage to fail");
  }

  static int errno(CompletionStage<?> stage) throws Exception {
    Throwable t = failure(stage);
    while (t != null && !(t instanceof VfioUserException)) {
      t = t.getCause();
    }
    assertThat(t).as("an error reply").isInstanceOf(VfioUserException.class);
    return ((VfioUserException) t).errno();
  }

  static MemorySegment bytes(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (seed + i);
    }
    return MemorySegment.ofArray(b);
  }
}
