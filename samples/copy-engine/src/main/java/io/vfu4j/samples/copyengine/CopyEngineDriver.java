package io.vfu4j.samples.copyengine;

import static io.vfu4j.samples.copyengine.CopyEngineDevice.*;

import io.vfu4j.host.VfioUserClient;
import io.vfu4j.host.VirtualIommu;
import io.vfu4j.runtime.protocol.IommuOffer;
import io.vfu4j.runtime.sys.EventFd;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a guest driver does with the copy engine, on the built-in host client: probe the
 * capabilities, set up MSI-X, enable PASID, ATS and PRI the way Linux does, submit descriptors
 * and read completions. With the extension it also owns the {@link VirtualIommu} that plays the
 * guest's IOMMU; without (a client like QEMU upstream) it maps guest memory with plain DMA_MAP.
 */
public final class CopyEngineDriver implements AutoCloseable {
  static final int BAR = 0;
  static final Duration WAIT = Duration.ofSeconds(5);
  static final int PRI_STATUS_RESPONSE_FAILURE = 0x1, PRI_STATUS_STOPPED = 0x100;
  private static final int COMMAND_MEMORY = 0x2, COMMAND_BUS_MASTER = 0x4;

  /** One descriptor, as the driver fills it. */
  public record Descriptor(boolean usePasid, int pasid, long source, long destination, int length, boolean interrupt) {
    /** An untagged copy with a completion interrupt. */
    public static Descriptor untagged(long source, long destination, int length) {
      return new Descriptor(false, 0, source, destination, length, true);
    }

    /** A copy in PASID {@code pasid}'s address space with a completion interrupt. */
    public static Descriptor inPasid(int pasid, long source, long destination, int length) {
      return new Descriptor(true, pasid, source, destination, length, true);
    }
  }

  /** The completion registers after a submission, and whether its interrupt arrived. */
  public record Completion(CompletionStatus status, int tag, long bytes, long faultAddress, boolean interrupted) {}

  /** Where the capabilities sit in config space. */
  public record CapabilityOffsets(int pciExpress, int msix, int ats, int pri, int pasid) {}

  private final VfioUserClient client;
  private final VirtualIommu iommu;
  private final CapabilityOffsets caps;
  private List<EventFd> vectors = List.of();
  private int nextTag = 1;

  private CopyEngineDriver(VfioUserClient client, VirtualIommu iommu) throws IOException {
    this.client = client;
    this.iommu = iommu;
    this.caps = findCapabilities(client);
  }

  /**
   * Connects to the device on {@code socket}; {@code withExtension} offers the IOMMU extension
   * (PASID, ATS, PRI) and attaches a virtual IOMMU, otherwise the client proposes what QEMU does.
   */
  public static CopyEngineDriver connect(Path socket, boolean withExtension) throws IOException {
    VfioUserClient client = VfioUserClient.connect(socket);
    try {
      client.negotiate(withExtension
          ? VfioUserClient.Options.defaults().withIommu(IommuOffer.all())
          : VfioUserClient.Options.qemu());
      return new CopyEngineDriver(client, withExtension ? new VirtualIommu(client) : null);
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** The host client, for what this class does not wrap. */
  public VfioUserClient client() {
    return client;
  }

  /** The guest's IOMMU; null without the extension. */
  public VirtualIommu iommu() {
    return iommu;
  }

  /** Where the probe found the capabilities. */
  public CapabilityOffsets capabilities() {
    return caps;
  }

  /**
   * The PCI core's and the driver's first steps: memory decoding and bus mastering, MSI-X with
   * every vector unmasked (eventfds as the VMM's irqfds), then the engine enabled with
   * completions on {@code vector}.
   */
  public void start(int vector) throws IOException {
    client.writeConfig16(0x04, client.config16(0x04) | COMMAND_MEMORY | COMMAND_BUS_MASTER);
    vectors.forEach(EventFd::close); // started again (after a reset): new irqfds replace the old
    vectors = client.enableInterrupts(2 /* MSI-X */, VECTORS);
    for (int v = 0; v < VECTORS; v++) {
      long entry = MSIX_TABLE + 16L * v;
      client.write(BAR, entry, 4, 0xfee0_0000L);
      client.write(BAR, entry + 4, 4, 0);
      client.write(BAR, entry + 8, 4, 0x4040 + v);
      client.write(BAR, entry + 12, 4, 0); // unmasked
    }
    client.writeConfig16(caps.msix() + 2, 0x8000);
    write32(CONTROL, CONTROL_ENABLE | vector << CONTROL_VECTOR_SHIFT);
  }

  // ---------------------------------------------------------------------------------------------
  // Linux's order: pci_enable_pasid, pci_enable_ats, pci_enable_pri

  /** PASID Control.Enable. */
  public void enablePasid() throws IOException {
    client.writeConfig16(caps.pasid() + 6, 0x1);
  }

  /** ATS Control.Enable with the Smallest Translation Unit (0: 4 KiB pages). */
  public void enableAts(int stu) throws IOException {
    client.writeConfig16(caps.ats() + 6, 0x8000 | stu);
  }

  /**
   * As pci_enable_pri: refuses unless PRI Status says Stopped (no request outstanding), grants
   * min(capacity, {@code requests}) and enables. Returns the allocation.
   */
  public int enablePri(int requests) throws IOException {
    if ((priStatus() & PRI_STATUS_STOPPED) == 0) {
      throw new IllegalStateException("PRI is not stopped (status 0x" + Integer.toHexString(priStatus()) + ")");
    }
    int allocation = Math.min(client.config32(caps.pri() + 8), requests);
    client.writeConfig32(caps.pri() + 0x0c, allocation);
    client.writeConfig16(caps.pri() + 4, 0x1);
    return allocation;
  }

  /** As pci_reset_pri after a Response Failure: disable, then Reset (clears Response Failure). */
  public void resetPri() throws IOException {
    client.writeConfig16(caps.pri() + 4, 0);
    client.writeConfig16(caps.pri() + 4, 0x2);
  }

  /** PRI Status (bit 0 Response Failure, bit 1 UPRGI, bit 8 Stopped). */
  public int priStatus() throws IOException {
    return client.config16(caps.pri() + 6);
  }

  /** Function Level Reset (PCIe Device Control, Initiate FLR). */
  public void functionLevelReset() throws IOException {
    client.writeConfig16(caps.pciExpress() + 8, client.config16(caps.pciExpress() + 8) | 0x8000);
  }

  // ---------------------------------------------------------------------------------------------
  // Submissions

  /** Writes the descriptor and rings the doorbell; returns the tag. Does not wait. */
  public int submit(Descriptor d) throws IOException {
    write32(DESC_PASID, d.pasid());
    write32(DESC_FLAGS, (d.usePasid() ? FLAG_USE_PASID : 0) | (d.interrupt() ? FLAG_INTERRUPT : 0));
    client.write(BAR, DESC_SOURCE, 8, d.source());
    client.write(BAR, DESC_DESTINATION, 8, d.destination());
    write32(DESC_LENGTH, d.length());
    int tag = nextTag++;
    write32(DOORBELL, tag);
    return tag;
  }

  /**
   * Submits and waits for the completion: for the MSI-X vector {@code vector} when the descriptor
   * asks for an interrupt (then acknowledges it), else by polling STATUS.BUSY.
   */
  public Completion copy(Descriptor d, int vector) throws IOException, InterruptedException {
    submit(d);
    boolean interrupted = false;
    if (d.interrupt()) {
      interrupted = vectors.get(vector).await(WAIT) > 0;
      write32(INTERRUPT_STATUS, INTERRUPT_COMPLETION);
    }
    awaitIdle();
    return completion(interrupted);
  }

  /** Waits until STATUS.BUSY is clear. */
  public void awaitIdle() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while ((read32(STATUS) & STATUS_BUSY) != 0) {
      if (System.nanoTime() > deadline) {
        throw new IOException("the copy engine is still busy after " + WAIT.toSeconds() + " s");
      }
      Thread.sleep(1);
    }
  }

  /** The completion registers now. */
  public Completion completion(boolean interrupted) throws IOException {
    return new Completion(CompletionStatus.of(read32(COMPLETION_STATUS)), read32(COMPLETION_TAG),
        Integer.toUnsignedLong(read32(COMPLETION_BYTES)), client.read(BAR, FAULT_ADDRESS, 8), interrupted);
  }

  /** The eventfd of MSI-X vector {@code vector}. */
  public EventFd vector(int vector) {
    return vectors.get(vector);
  }

  /** A 4-byte register read in BAR0. */
  public int read32(int offset) throws IOException {
    return (int) client.read(BAR, offset, 4);
  }

  /** A 4-byte register write in BAR0. */
  public void write32(int offset, int value) throws IOException {
    client.write(BAR, offset, 4, Integer.toUnsignedLong(value));
  }

  // ---------------------------------------------------------------------------------------------

  private static CapabilityOffsets findCapabilities(VfioUserClient client) throws IOException {
    int pcie = 0, msix = 0, ats = 0, pri = 0, pasid = 0;
    int offset = client.config8(0x34) & 0xfc;
    for (int i = 0; offset >= 0x40 && i < 48; i++) { // bounded: a looping chain cannot hang the probe
      int header = client.config16(offset);
      switch (header & 0xff) {
        case 0x10 -> pcie = offset;
        case 0x11 -> msix = offset;
        default -> { }
      }
      offset = header >> 8 & 0xfc;
    }
    offset = 0x100;
    for (int i = 0; offset >= 0x100 && i < 960; i++) {
      int header = client.config32(offset);
      switch (header & 0xffff) {
        case 0x000f -> ats = offset;
        case 0x0013 -> pri = offset;
        case 0x001b -> pasid = offset;
        default -> { }
      }
      offset = header >>> 20 & 0xffc;
    }
    if (pcie == 0 || msix == 0 || ats == 0 || pri == 0 || pasid == 0) {
      throw new IOException("not a copy engine: a capability is missing");
    }
    return new CapabilityOffsets(pcie, msix, ats, pri, pasid);
  }

  @Override
  public void close() {
    if (iommu != null) {
      iommu.close();
    }
    client.close();
    vectors.forEach(EventFd::close);
  }
}
