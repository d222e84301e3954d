package io.vfu4j.runtime.protocol;

/**
 * The capabilities of one side as carried in VERSION's JSON (spec §5.2). Absent keys take the
 * spec's defaults. Limits describe what the <em>sender</em> of the JSON can receive.
 *
 * @param maxMsgFds fds the sender accepts in one message
 * @param maxDataXferSize largest data count the sender accepts in one read/write message
 * @param maxDmaMaps mappings the sender allows at once
 * @param pgsizes OR of supported DMA page sizes
 * @param twinSocket the sender proposes (request) or enabled (reply) a twin socket
 * @param twinSocketFdIndex reply only: index of the twin socket in the reply's fds, else -1
 * @param writeMultiple REGION_WRITE_MULTI supported
 * @param migration the legacy {@code migration} object is present
 * @param migrationPgsize its {@code pgsize}, 0 when absent
 * @param migrationMaxBitmapSize its {@code max_bitmap_size}, 0 when absent (only QEMU sends it)
 * @param iommu the IOMMU extension offered (request) or accepted (reply), null when absent
 */
public record Capabilities(
    long maxMsgFds,
    long maxDataXferSize,
    long maxDmaMaps,
    long pgsizes,
    boolean twinSocket,
    int twinSocketFdIndex,
    boolean writeMultiple,
    boolean migration,
    long migrationPgsize,
    long migrationMaxBitmapSize,
    IommuOffer iommu) {

  /** Capabilities without the IOMMU extension. */
  public Capabilities(long maxMsgFds, long maxDataXferSize, long maxDmaMaps, long pgsizes, boolean twinSocket,
      int twinSocketFdIndex, boolean writeMultiple, boolean migration, long migrationPgsize,
      long migrationMaxBitmapSize) {
    this(maxMsgFds, maxDataXferSize, maxDmaMaps, pgsizes, twinSocket, twinSocketFdIndex, writeMultiple, migration,
        migrationPgsize, migrationMaxBitmapSize, null);
  }

  public static final long DEFAULT_MAX_MSG_FDS = 1;
  public static final long DEFAULT_MAX_DATA_XFER_SIZE = 1 << 20;
  public static final long DEFAULT_MAX_DMA_MAPS = 65535;
  public static final long DEFAULT_PGSIZES = 4096;

  /** Everything absent: the spec's defaults. */
  public static Capabilities defaults() {
    return new Capabilities(DEFAULT_MAX_MSG_FDS, DEFAULT_MAX_DATA_XFER_SIZE, DEFAULT_MAX_DMA_MAPS,
        DEFAULT_PGSIZES, false, -1, false, false, 0, 0);
  }

  /** What QEMU 10.1 proposes, key for key. */
  public static Capabilities qemuProposal() {
    return new Capabilities(16, 1 << 20, 65535, 4096, false, -1, true, true, 4096, 256L << 20);
  }

  /**
   * True when the proposal looks like QEMU's client: only QEMU sends the legacy
   * {@code migration.max_bitmap_size}, and it never offers a twin socket.
   */
  public boolean looksLikeQemu() {
    return migration && migrationMaxBitmapSize != 0 && !twinSocket;
  }

  public Capabilities withTwinSocket(boolean on, int fdIndex) {
    return new Capabilities(maxMsgFds, maxDataXferSize, maxDmaMaps, pgsizes, on, fdIndex, writeMultiple,
        migration, migrationPgsize, migrationMaxBitmapSize, iommu);
  }

  public Capabilities withWriteMultiple(boolean on) {
    return new Capabilities(maxMsgFds, maxDataXferSize, maxDmaMaps, pgsizes, twinSocket, twinSocketFdIndex, on,
        migration, migrationPgsize, migrationMaxBitmapSize, iommu);
  }

  public Capabilities withMaxDataXferSize(long size) {
    return new Capabilities(maxMsgFds, size, maxDmaMaps, pgsizes, twinSocket, twinSocketFdIndex, writeMultiple,
        migration, migrationPgsize, migrationMaxBitmapSize, iommu);
  }

  public Capabilities withMaxMsgFds(long fds) {
    return new Capabilities(fds, maxDataXferSize, maxDmaMaps, pgsizes, twinSocket, twinSocketFdIndex, writeMultiple,
        migration, migrationPgsize, migrationMaxBitmapSize, iommu);
  }

  public Capabilities withoutMigration() {
    return new Capabilities(maxMsgFds, maxDataXferSize, maxDmaMaps, pgsizes, twinSocket, twinSocketFdIndex,
        writeMultiple, false, 0, 0, iommu);
  }

  public Capabilities withIommu(IommuOffer offer) {
    return new Capabilities(maxMsgFds, maxDataXferSize, maxDmaMaps, pgsizes, twinSocket, twinSocketFdIndex,
        writeMultiple, migration, migrationPgsize, migrationMaxBitmapSize, offer);
  }
}
