package io.vfu4j.runtime.server;

import java.time.Duration;

/**
 * Tunables of a server.
 *
 * @param dmaLayout how DMA_READ/DMA_WRITE messages are laid out when the server sends them
 * @param twinSocket accept a client's twin-socket proposal
 * @param maxDataXferSize the largest data count the server accepts in one message (advertised)
 * @param requestTimeout how long a server→client request (DMA_READ/WRITE) may stay unanswered
 */
public record ServerOptions(DmaLayout dmaLayout, boolean twinSocket, long maxDataXferSize, Duration requestTimeout) {
  /** Layout of the server's DMA_READ/DMA_WRITE messages. */
  public enum DmaLayout {
    /** The spec's layout: count u64, data at payload offset 16. */
    SPEC,
    /** QEMU 10's layout: count u32, data at payload offset 12, empty DMA_WRITE reply. */
    QEMU,
    /**
     * The spec's, unless the client's VERSION proposal looks like QEMU's: QEMU 10 and QEMU 11
     * (which follows the spec) propose the same, so one probing DMA_READ before the first
     * transfer tells them apart.
     */
    AUTO
  }

  public ServerOptions {
    if (maxDataXferSize < 4096 || maxDataXferSize > 64L << 20) {
      throw new IllegalArgumentException("maxDataXferSize must be in [4 KiB, 64 MiB]");
    }
  }

  /** AUTO layout, twin socket when offered, 1 MiB transfers, 5 s request timeout (QEMU's default). */
  public static ServerOptions defaults() {
    return new ServerOptions(DmaLayout.AUTO, true, 1 << 20, Duration.ofSeconds(5));
  }

  public ServerOptions withDmaLayout(DmaLayout layout) {
    return new ServerOptions(layout, twinSocket, maxDataXferSize, requestTimeout);
  }

  public ServerOptions withTwinSocket(boolean on) {
    return new ServerOptions(dmaLayout, on, maxDataXferSize, requestTimeout);
  }

  public ServerOptions withRequestTimeout(Duration timeout) {
    return new ServerOptions(dmaLayout, twinSocket, maxDataXferSize, timeout);
  }
}
