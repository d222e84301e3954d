package io.vfu4j.samples.copyengine;

import io.vfu4j.api.Access;
import io.vfu4j.api.Bar;
import io.vfu4j.api.DeviceContext;
import io.vfu4j.api.DmaSpace;
import io.vfu4j.api.Field;
import io.vfu4j.api.Iommu;
import io.vfu4j.api.OnRead;
import io.vfu4j.api.OnReset;
import io.vfu4j.api.OnWrite;
import io.vfu4j.api.PciDevice;
import io.vfu4j.api.Register;
import io.vfu4j.api.ResetReason;
import io.vfu4j.api.WriteEffect;
import io.vfu4j.api.capability.Ats;
import io.vfu4j.api.capability.MsiX;
import io.vfu4j.api.capability.Pasid;
import io.vfu4j.api.capability.PciExpress;
import io.vfu4j.api.capability.Pri;
import java.lang.System.Logger.Level;

/**
 * A memory copy accelerator in the spirit of Intel DSA's memmove with shared virtual addressing,
 * much simplified: the driver writes one descriptor (PASID, source, destination, length, flags)
 * and rings the doorbell; the device copies asynchronously through the runtime's IOMMU-aware DMA,
 * so a page that is not present is faulted in with ATS and PRI, then reports a completion status
 * and raises an MSI-X vector. The register map is in README.md.
 *
 * <p>Every access is in the untagged space, or with "use PASID" in the process address space of
 * the descriptor's PASID. Under a VMM without the vfio-user IOMMU extension (QEMU upstream) the
 * untagged copies work over the VMM's DMA mappings and PASID copies complete with
 * {@link CompletionStatus#DMA_ERROR}.
 */
@PciDevice(vendorId = 0x1234, deviceId = 0xce01, classCode = 0x088000, revision = 0x01,
    bus = PciDevice.Bus.PCI_EXPRESS, name = "copy-engine")
@PciExpress(flr = true)
@MsiX(vectors = CopyEngineDevice.VECTORS, tableBar = 0, tableOffset = CopyEngineDevice.MSIX_TABLE,
    pbaBar = 0, pbaOffset = CopyEngineDevice.MSIX_PBA)
@Ats(invalidateQueueDepth = 8)
@Pri(outstandingCapacity = CopyEngineDevice.PRI_CAPACITY)
@Pasid(width = CopyEngineDevice.PASID_WIDTH)
@Bar(index = 0, size = 0x4000, type = Bar.Type.MEMORY64)
public final class CopyEngineDevice {
  static final int VECTORS = 4, PRI_CAPACITY = 16, PASID_WIDTH = 20;
  static final long MSIX_TABLE = 0x2000, MSIX_PBA = 0x3000;
  /** The largest copy: 1 MiB. */
  static final int MAX_LENGTH_LOG2 = 20;

  // Register offsets in BAR0 (README.md has the map).
  static final int ID = 0x00, CAPABILITIES = 0x04, IOMMU_STATE = 0x08, CONTROL = 0x0c, STATUS = 0x10,
      INTERRUPT_STATUS = 0x14;
  static final int DESC_PASID = 0x40, DESC_FLAGS = 0x44, DESC_SOURCE = 0x48, DESC_DESTINATION = 0x50,
      DESC_LENGTH = 0x58, DOORBELL = 0x60;
  static final int COMPLETION_STATUS = 0x80, COMPLETION_TAG = 0x84, COMPLETION_BYTES = 0x88, FAULT_ADDRESS = 0x90,
      COMPLETED_COUNT = 0x98;

  static final long IDENTIFICATION = 0xce01_0100L;
  static final int CAPABILITIES_VALUE = MAX_LENGTH_LOG2 << 16 | PASID_WIDTH << 8 | VECTORS;

  static final int IOMMU_ATS = 1 << 0, IOMMU_PRI = 1 << 1, IOMMU_PASID = 1 << 2, IOMMU_STU_SHIFT = 4,
      IOMMU_ALLOCATION_SHIFT = 16;
  static final int CONTROL_ENABLE = 1 << 0, CONTROL_VECTOR_SHIFT = 8;
  static final int STATUS_BUSY = 1 << 0, STATUS_ABORTED = 1 << 1;
  static final int INTERRUPT_COMPLETION = 1 << 0;
  static final int FLAG_USE_PASID = 1 << 0, FLAG_INTERRUPT = 1 << 1;

  private final DeviceContext ctx;
  private CopyJob job;

  public CopyEngineDevice(DeviceContext ctx) {
    this.ctx = ctx;
  }

  /** 0xce01 (the device ID) and version 1.0. */
  @Register(bar = 0, offset = ID, access = Access.RO, reset = IDENTIFICATION)
  int identification;

  /** MSI-X vectors (7:0), PASID width (15:8), log2 of the largest copy (23:16). */
  @Register(bar = 0, offset = CAPABILITIES, access = Access.RO, reset = CAPABILITIES_VALUE)
  int capabilities;

  /** The device's view of what the guest enabled in ATS, PRI and PASID: see {@link #refreshIommuState}. */
  @Register(bar = 0, offset = IOMMU_STATE, access = Access.RO)
  int iommuState;

  @Register(bar = 0, offset = CONTROL, fields = {
      @Field(name = "enable", bits = "0"),
      @Field(name = "vector", bits = "9:8")})
  int control;

  @Register(bar = 0, offset = STATUS, access = Access.RO)
  int status;

  @Register(bar = 0, offset = INTERRUPT_STATUS, onWrite = WriteEffect.W1C)
  int interruptStatus;

  @Register(bar = 0, offset = DESC_PASID, fields = @Field(name = "pasid", bits = "19:0"))
  int descriptorPasid;

  @Register(bar = 0, offset = DESC_FLAGS, fields = {
      @Field(name = "usePasid", bits = "0"),
      @Field(name = "interrupt", bits = "1")})
  int descriptorFlags;

  @Register(bar = 0, offset = DESC_SOURCE, width = 8, accessSizes = {4, 8})
  long descriptorSource;

  @Register(bar = 0, offset = DESC_DESTINATION, width = 8, accessSizes = {4, 8})
  long descriptorDestination;

  @Register(bar = 0, offset = DESC_LENGTH)
  int descriptorLength;

  /** Writing submits the descriptor; the value written is the submission's tag. */
  @Register(bar = 0, offset = DOORBELL, access = Access.WO)
  int doorbell;

  @Register(bar = 0, offset = COMPLETION_STATUS, access = Access.RO)
  int completionStatus;

  @Register(bar = 0, offset = COMPLETION_TAG, access = Access.RO)
  int completionTag;

  @Register(bar = 0, offset = COMPLETION_BYTES, access = Access.RO)
  int completionBytes;

  @Register(bar = 0, offset = FAULT_ADDRESS, width = 8, accessSizes = {4, 8}, access = Access.RO)
  long faultAddress;

  @Register(bar = 0, offset = COMPLETED_COUNT, access = Access.RO)
  int completedCount;

  /** ATS (0), PRI (1), PASID (2) enables, the STU (7:4) and the PRI allocation (31:16, saturated). */
  @OnRead("iommuState")
  void refreshIommuState() {
    Iommu iommu = ctx.iommu();
    iommuState = (iommu.atsEnabled() ? IOMMU_ATS : 0)
        | (iommu.priEnabled() ? IOMMU_PRI : 0)
        | (iommu.pasidEnabled() ? IOMMU_PASID : 0)
        | (iommu.stu() & 0xf) << IOMMU_STU_SHIFT
        | Math.min(iommu.priAllocation(), 0xffff) << IOMMU_ALLOCATION_SHIFT;
  }

  /** Latches the descriptor and starts the copy; ignored while disabled or busy. */
  @OnWrite("doorbell")
  void ring(int tag) {
    if ((control & CONTROL_ENABLE) == 0 || (status & STATUS_BUSY) != 0) {
      ctx.log().log(Level.WARNING, "doorbell {0} ignored: the engine is {1}", tag,
          (status & STATUS_BUSY) != 0 ? "busy" : "disabled");
      return;
    }
    Submission submission = new Submission(tag, (descriptorFlags & FLAG_USE_PASID) != 0, descriptorPasid,
        descriptorSource, descriptorDestination, Integer.toUnsignedLong(descriptorLength),
        (descriptorFlags & FLAG_INTERRUPT) != 0);
    status = STATUS_BUSY; // also clears ABORTED
    if (submission.length() == 0 || submission.length() > 1L << MAX_LENGTH_LOG2) {
      finished(submission, CompletionStatus.INVALID_DESCRIPTOR, 0, 0);
      return;
    }
    DmaSpace space = submission.usePasid() ? ctx.dma().space(submission.pasid()) : ctx.dma().untagged();
    job = new CopyJob(space, submission, ctx::execute, this::finished);
    job.start();
  }

  private void finished(Submission submission, CompletionStatus result, long bytes, long fault) {
    job = null;
    completionStatus = result.code();
    completionTag = submission.tag();
    completionBytes = (int) bytes;
    faultAddress = fault;
    completedCount++;
    status &= ~STATUS_BUSY;
    if (result != CompletionStatus.SUCCESS) {
      ctx.log().log(Level.DEBUG, "submission {0} ended {1} at 0x{2} after {3} bytes", submission.tag(), result,
          Long.toHexString(fault), bytes);
    }
    if (submission.interrupt()) {
      interruptStatus |= INTERRUPT_COMPLETION;
      if (ctx.interrupts().msixEnabled()) { // no INTx pin: without MSI-X the driver polls
        ctx.interrupts().raise(control >>> CONTROL_VECTOR_SHIFT & (VECTORS - 1));
      }
    }
  }

  /** A copy in flight belongs to the old state: drop it, and say so in STATUS. */
  @OnReset
  void abandon(ResetReason reason) {
    if (job != null) {
      job.cancel();
      job = null;
      status |= STATUS_ABORTED;
      ctx.log().log(Level.INFO, "copy abandoned by {0}", reason);
    }
  }
}
