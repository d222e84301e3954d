package io.vfu4j.runtime.server;

import io.vfu4j.api.DeviceContext;
import io.vfu4j.api.Dma;
import io.vfu4j.api.Interrupts;
import io.vfu4j.api.Iommu;
import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.dma.DmaEngine;
import io.vfu4j.runtime.iommu.IommuDma;
import io.vfu4j.runtime.irq.IntxResampleWatcher;
import io.vfu4j.runtime.irq.IrqController;
import io.vfu4j.runtime.irq.IrqFlags;
import io.vfu4j.runtime.pci.ConfigSpace;
import io.vfu4j.runtime.pci.IommuEnables;
import io.vfu4j.runtime.pci.MsixTable;
import io.vfu4j.runtime.protocol.DeviceMessages.DeviceInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.RegionInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.SparseArea;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.spi.DeviceModel;
import io.vfu4j.runtime.spi.MemoryRange;
import java.io.FileDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One device instance and everything around it: config space, model, memory ranges, interrupts,
 * DMA, migration. Lives as long as its server; clients come and go. Every method except
 * {@link #executor()} and {@link #close()} runs on the device thread.
 */
final class DeviceHost implements AutoCloseable {
  private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final DeviceDescriptor descriptor;
  private final DeviceLayout layout;
  private final ScheduledThreadPoolExecutor executor;
  private final ConfigSpace config;
  private final IrqController irq;
  private final DmaEngine dma;
  private final IommuDma iommuDma;
  private volatile Thread deviceThread;
  private final BarMemory memory;
  private final DeviceModel model;
  private final Migration migration;
  private final System.Logger log;
  private final ConfigEvents configEvents;
  private final DeviceIommu iommu;
  private final IntxResampleWatcher resampleWatcher;
  private volatile BarAccessInterceptor interceptor = BarAccessInterceptor.NONE;

  DeviceHost(DeviceDescriptor descriptor) throws java.io.IOException {
    this.descriptor = descriptor;
    this.layout = descriptor.layout();
    this.log = System.getLogger("io.vfu4j.device." + descriptor.name());
    this.executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "vfu4j-device-" + descriptor.name());
      t.setDaemon(true);
      deviceThread = t;
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    this.config = new ConfigSpace(layout);
    this.irq = new IrqController(ConfigInterruptState.counts(layout.config()), new ConfigInterruptState(config));
    this.resampleWatcher = new IntxResampleWatcher(descriptor.name(), executor, irq::intxResampled);
    irq.setResampleWatcher(resampleWatcher);
    this.dma = new DmaEngine(config::busMasterEnabled, t -> t == deviceThread, executor);
    this.iommuDma = new IommuDma(dma, config, executor, t -> t == deviceThread);
    this.iommu = new DeviceIommu(log);
    this.configEvents = new ConfigEvents(irq);
    config.addListener(configEvents);
    MsixTable msix = config.msixTable();
    if (msix != null) {
      msix.onUnmask(irq::msixUnmasked);
      this.interceptor = new MsixInterceptor(msix);
    }
    this.memory = BarMemory.create(layout, descriptor.name());
    this.model = descriptor.create(new Context(), memory.segments());
    this.migration = new Migration(this);
  }

  ScheduledThreadPoolExecutor executor() {
    return executor;
  }

  IrqController irq() {
    return irq;
  }

  DmaEngine dma() {
    return dma;
  }

  /** The IOMMU-aware DMA (ATC, page requests, PASID spaces) on top of {@link #dma()}. */
  IommuDma iommuDma() {
    return iommuDma;
  }

  DeviceModel model() {
    return model;
  }

  ConfigSpace config() {
    return config;
  }

  Migration migration() {
    return migration;
  }

  System.Logger log() {
    return log;
  }

  /** Installs the step that serves MSI-X table/PBA (or other runtime-emulated BAR ranges). */
  void interceptor(BarAccessInterceptor interceptor) {
    this.interceptor = interceptor;
  }

  DeviceInfo deviceInfo() {
    return new DeviceInfo(DeviceInfo.FLAG_RESET | DeviceInfo.FLAG_PCI, Regions.COUNT, IrqFlags.INDEX_COUNT);
  }

  long regionSize(int index) {
    return Regions.size(layout, config.size(), index);
  }

  /** Region info for a client that accepts {@code argsz} bytes, and the fd to send (or null). */
  record RegionAnswer(RegionInfo info, FileDescriptor fd) {}

  RegionAnswer regionInfo(int index, long argsz) throws ProtocolException {
    if (index < 0 || index >= Regions.COUNT) {
      throw ProtocolException.invalid("GET_REGION_INFO: region " + index + " does not exist");
    }
    long size = regionSize(index);
    int flags = size == 0 ? 0 : RegionInfo.FLAG_READ | RegionInfo.FLAG_WRITE;
    List<SparseArea> areas = index < Regions.ROM ? memory.mmapAreas(index) : List.of();
    FileDescriptor fd = areas.isEmpty() ? null : memory.fd(index);
    if (fd != null) {
      flags |= RegionInfo.FLAG_MMAP;
    }
    RegionInfo info = RegionInfo.answer(argsz, flags, index, size, 0, areas);
    return new RegionAnswer(info, info.capsIncluded() ? fd : null);
  }

  /** Serves a region read; the range was not checked yet. */
  byte[] readRegion(int region, long offset, int count) throws ProtocolException {
    checkRange(region, offset, count);
    byte[] out = new byte[count];
    ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    if (region == Regions.CONFIG) {
      for (AlignedPieces.Piece p : AlignedPieces.split(offset, count, 4)) {
        config.read((int) p.offset(), buf.slice(p.index(), p.size()));
      }
      return out;
    }
    for (AlignedPieces.Piece p : AlignedPieces.split(offset, count, 8)) {
      long v = readBar(region, p.offset(), p.size());
      for (int i = 0; i < p.size(); i++) {
        out[p.index() + i] = (byte) (v >>> (8 * i));
      }
    }
    return out;
  }

  /** Serves a region write; the range was not checked yet. */
  void writeRegion(int region, long offset, byte[] data) throws ProtocolException {
    checkRange(region, offset, data.length);
    ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    if (region == Regions.CONFIG) {
      for (AlignedPieces.Piece p : AlignedPieces.split(offset, data.length, 4)) {
        config.write((int) p.offset(), buf.slice(p.index(), p.size()));
      }
      afterConfigWrite();
      return;
    }
    for (AlignedPieces.Piece p : AlignedPieces.split(offset, data.length, 8)) {
      long v = 0;
      for (int i = 0; i < p.size(); i++) {
        v |= (data[p.index() + i] & 0xffL) << (8 * i);
      }
      writeBar(region, p.offset(), p.size(), v);
    }
  }

  private void checkRange(int region, long offset, long count) throws ProtocolException {
    if (region < 0 || region >= Regions.COUNT) {
      throw ProtocolException.invalid("region " + Integer.toUnsignedString(region) + " does not exist");
    }
    long size = regionSize(region);
    if (size == 0) {
      throw ProtocolException.invalid("region " + region + " is not implemented");
    }
    if (offset < 0 || offset > size || count > size - offset) {
      throw ProtocolException.invalid("region " + region + ": " + count + " bytes at 0x" + Long.toHexString(offset)
          + " overrun its size 0x" + Long.toHexString(size));
    }
  }

  private long readBar(int bar, long offset, int size) {
    MemoryRange range = memory.rangeAt(bar, offset, size);
    if (range != null) {
      return memory.read(range, offset, size);
    }
    BarAccessInterceptor i = interceptor;
    if (i.claims(bar, offset, size)) {
      return i.read(bar, offset, size);
    }
    return model.read(bar, offset, size);
  }

  private void writeBar(int bar, long offset, int size, long value) {
    MemoryRange range = memory.rangeAt(bar, offset, size);
    if (range != null) {
      if (!range.readOnly()) {
        memory.write(range, offset, size, value);
      }
      return;
    }
    BarAccessInterceptor i = interceptor;
    if (i.claims(bar, offset, size)) {
      i.write(bar, offset, size, value);
      return;
    }
    model.write(bar, offset, size, value);
  }

  /**
   * A config write (all its pieces) is complete: run the reset it requested (FLR, PM D3hot to
   * D0), then hand changed IOMMU enables to the DMA engine and the device. Runs before the reply.
   * Interrupt consequences already happened through {@link ConfigEvents}.
   */
  void afterConfigWrite() {
    ResetReason reset = configEvents.takeReset();
    if (reset != null) {
      resetDevice(reset);
    }
    publishIommuChange();
  }

  private void publishIommuChange() {
    IommuEnables changed = configEvents.takeIommuChange();
    if (changed != null) {
      dma.setIommuEnables(changed);
      iommuDma.enablesChanged(changed);
      iommu.update(changed);
    }
  }

  /**
   * The one reset path (DEVICE_RESET, client loss, FLR, PM): config space back to its reset
   * image (sticky bits kept for FLR and PM, so MSI/MSI-X are off), the interrupt state the
   * device drove (INTx level, pending messages) dropped, then the model's registers and
   * {@code @OnReset} hooks with the reason, then Status bit 3 re-synced to the INTx level and the
   * IOMMU enables (now off) published. Eventfds stay registered, as with kernel VFIO and
   * libvfio-user: QEMU reprograms interrupts itself around a reset. Client loss closes them
   * first ({@link #clientLost()}).
   */
  void resetDevice(ResetReason reason) {
    log.log(System.Logger.Level.DEBUG, "reset: {0}", reason);
    resetHappened = true;
    config.reset(reason);
    iommuDma.deviceReset();
    irq.deviceReset();
    model.reset(reason);
    config.setInterruptStatus(irq.intxAsserted());
    irq.intxDisableChanged();
    configEvents.takeReset(); // a reset supersedes any request made before it
    publishIommuChange();
  }

  private boolean resetHappened;

  /**
   * True when {@link #resetDevice} ran since the last call (a config write that started an FLR or
   * a PM reset): the command's reply then waits until the device is quiet.
   */
  boolean takeResetHappened() {
    boolean r = resetHappened;
    resetHappened = false;
    return r;
  }

  /** The client went: drop its mappings and eventfds, reset for the next client. */
  void clientLost() {
    iommuDma.clientLost();
    dma.close();
    irq.close();
    migration.clientLost();
    resetDevice(ResetReason.CLIENT_LOST);
  }

  @Override
  public void close() {
    resampleWatcher.close();
    executor.shutdownNow();
    memory.close();
  }

  private final class Context implements DeviceContext {
    @Override
    public Interrupts interrupts() {
      return irq;
    }

    @Override
    public Dma dma() {
      return iommuDma;
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
      ScheduledFuture<?> f = executor.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    }

    @Override
    public void execute(Runnable task) {
      executor.execute(guarded(task));
    }

    @Override
    public Iommu iommu() {
      return iommu;
    }

    @Override
    public System.Logger log() {
      return log;
    }

    private Runnable guarded(Runnable task) {
      return () -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.log(System.Logger.Level.WARNING, "device task failed", e);
        }
      };
    }
  }

  /** Little-endian value access on a memory-range segment; used by {@link BarMemory}. */
  static long readLe(MemorySegment s, long at, int size) {
    long v = 0;
    for (int i = 0; i < size; i++) {
      v |= (s.get(ValueLayout.JAVA_BYTE, at + i) & 0xffL) << (8 * i);
    }
    return v;
  }

  static void writeLe(MemorySegment s, long at, int size, long value) {
    if (size == 8) {
      s.set(LONG_LE, at, value);
      return;
    }
    for (int i = 0; i < size; i++) {
      s.set(ValueLayout.JAVA_BYTE, at + i, (byte) (value >>> (8 * i)));
    }
  }
}
