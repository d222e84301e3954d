package io.vfu4j.runtime.server;

import static io.vfu4j.runtime.server.QemuWire.ACTION_TRIGGER;
import static io.vfu4j.runtime.server.QemuWire.ACTION_UNMASK;
import static io.vfu4j.runtime.server.QemuWire.CONFIG;
import static io.vfu4j.runtime.server.QemuWire.ERR;
import static io.vfu4j.runtime.server.QemuWire.INTX;
import static io.vfu4j.runtime.server.QemuWire.MSI;
import static io.vfu4j.runtime.server.QemuWire.MSIX;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.api.Bar;
import io.vfu4j.api.DmaException;
import io.vfu4j.api.ResetReason;
import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.DeviceMessages.RegionInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.SparseArea;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.MemoryRange;
import io.vfu4j.runtime.sys.EventFd;
import io.vfu4j.runtime.sys.MappedFd;
import io.vfu4j.runtime.sys.Native;
import io.vfu4j.runtime.sys.SharedMemory;
import io.vfu4j.runtime.transport.Fds;
import io.vfu4j.runtime.transport.Message;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays what QEMU 10.1's {@code vfio-user-pci} sends from realize to teardown (read from
 * hw/vfio-user/*.c and the hw/vfio paths it uses; see docs/qemu-audit.md) against a device with
 * INTx, MSI (32 vectors), MSI-X, a 64-bit BAR of mmap-able memory, PM and PCIe, and checks every
 * reply the way QEMU checks it. QEMU 10.1 does not run on this machine; this is its stand-in.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QemuReplayTest {
  private static final Duration WAIT = Duration.ofSeconds(5); // QEMU's default x-msg-timeout
  private static final Duration QUIET = Duration.ofMillis(150);
  private static final int MSIX_VECTORS = 4, MSIX_TABLE = 0x2000, MSIX_PBA = 0x3000;
  private static final long RAM_LOW = 0xa0000, RAM_HIGH = 0x100000, RAM_SIZE = 4 << 20;
  private static final long ROM_IOVA = 0xfffc0000L, ROM_SIZE = 0x40000;

  @TempDir
  Path dir;
  PciTestDevice.Descriptor descriptor;
  VfioUserServer server;
  VfioUserClient client;
  QemuWire q;
  final List<AutoCloseable> toClose = new ArrayList<>();
  int pm, msi, msix;

  static ConfigSpaceBuilder builder() {
    return ConfigSpaceBuilder.express(0x1234, 0x11e9).classCode(0xff0000).interruptPin(1)
        .bar(new BarLayout(0, 1 << 20, Bar.Type.MEMORY32, false))
        .bar(new BarLayout(2, 1 << 16, Bar.Type.MEMORY64, true))
        .powerManagement(false, false, false, 0)
        .msi(32, true, true)
        .msix(MSIX_VECTORS, 0, MSIX_TABLE, 0, MSIX_PBA)
        .pciExpress(0, 128, true, false, 0, false, false, false, 1, 1);
  }

  @BeforeEach
  void start() throws IOException {
    descriptor = new PciTestDevice.Descriptor(builder(), List.of(new MemoryRange(2, 0, 1 << 16, true, false)));
    server = VfioUserServer.start(descriptor, dir.resolve("qemu.sock"));
    client = VfioUserClient.connect(server.socketPath());
    q = new QemuWire(client);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
    client.close();
    server.close();
  }

  private EventFd eventFd() throws IOException {
    EventFd e = EventFd.create();
    toClose.add(e);
    return e;
  }

  private <T> T onDeviceThread(Callable<T> task) throws Exception {
    return server.host().executor().submit(task).get(5, TimeUnit.SECONDS);
  }

  private PciTestDevice device() {
    return descriptor.last;
  }

  // ------------------------------------------------------------------------------------------
  // realize: hw/vfio-user/pci.c vfio_user_pci_realize

  private SharedMemory ram;
  private MappedFd bar2;
  private EventFd intxFd, resampleFd, errFd;

  /** Everything QEMU sends from connect to the end of realize; with or without KVM. */
  private void realize(boolean kvm) throws Exception {
    q.version();
    assertThat(q.maxSendFds).isEqualTo(16);
    assertThat(q.writeMultiple).as("write_multiple offered back").isTrue();

    // vfio_user_device_attach -> container connect -> listener: RAM sections with the memfd,
    // the BIOS ROM without fd and read-only; sent without waiting, waited for at commit.
    ram = SharedMemory.create("qemu-ram", RAM_SIZE);
    toClose.add(ram);
    Set<Integer> ids = new HashSet<>();
    ids.add(q.sendRaw(Command.DMA_MAP, q.dmaMap(0, RAM_LOW, 0, false), false, ram.fileDescriptor()));
    ids.add(q.sendRaw(Command.DMA_MAP, q.dmaMap(RAM_HIGH, RAM_SIZE - RAM_HIGH, RAM_HIGH, false), false,
        ram.fileDescriptor()));
    ids.add(q.sendRaw(Command.DMA_MAP, q.dmaMap(ROM_IOVA, ROM_SIZE, 0, true), false));
    for (int i = 0; i < 3; i++) {
      Message r = q.awaitRaw(WAIT);
      assertThat(r).as("DMA_MAP reply %d", i).isNotNull();
      assertThat(r.header().isError()).as("DMA_MAP error %d", r.header().error()).isFalse();
      assertThat(r.payload().length).isLessThanOrEqualTo(32);
      assertThat(ids.remove(r.header().msgId())).isTrue();
    }

    // vfio_user_device_get -> vfio_device_prepare
    int[] info = q.deviceInfo();
    assertThat(info[0] & 2).as("VFIO_DEVICE_FLAGS_PCI").isNotZero();
    assertThat(info[0] & 1).as("VFIO_DEVICE_FLAGS_RESET (reset_works)").isNotZero();
    assertThat(info[1]).as("num_regions > config index").isGreaterThanOrEqualTo(8);
    assertThat(info[2]).as("num_irqs > MSI-X index").isGreaterThanOrEqualTo(3);

    // vfio_pci_populate_device: BARs 0..5 through vfio_region_setup, then the config region
    long[] barSize = new long[6];
    for (int i = 0; i < 6; i++) {
      QemuWire.Region r = q.regionInfo(i);
      barSize[i] = r.info().size();
      if (i == 2) {
        assertThat(r.requests()).as("argsz retry for the sparse-mmap capability").isEqualTo(2);
        assertThat(r.info().flags()).isEqualTo(RegionInfo.FLAG_READ | RegionInfo.FLAG_WRITE | RegionInfo.FLAG_MMAP
            | RegionInfo.FLAG_CAPS);
        assertThat(r.info().areas()).containsExactly(new SparseArea(0, 1 << 16));
        assertThat(r.fd()).isNotNull();
        // vfio_region_mmap: MAP_SHARED, PROT_READ|WRITE at fd_offset + area offset
        bar2 = MappedFd.map(Native.fdNumber(r.fd()), r.info().offset(), 1 << 16, true);
        toClose.add(bar2);
        Fds.close(r.fd());
      } else {
        assertThat(r.fd()).isNull();
        assertThat(r.requests()).isEqualTo(1);
      }
    }
    assertThat(barSize).containsExactly(1 << 20, 0, 1 << 16, 0, 0, 0); // BAR3 = upper half: size 0
    assertThat(q.noPost).as("an mmap-able region turns posted writes off").isTrue();
    QemuWire.Region config = q.regionInfo(CONFIG);
    assertThat(config.info().size()).as("4 KiB keeps QEMU_PCI_CAP_EXPRESS").isEqualTo(4096);
    assertThat(q.irqInfo(ERR)[1]).as("ERR count 1 -> pci_aer").isEqualTo(1);

    // vfio_pci_config_setup: one read of the whole config space
    byte[] image = q.regionRead(CONFIG, 0, 4096);
    assertThat(image[0] & 0xff | (image[1] & 0xff) << 8).isEqualTo(0x1234);
    // vfio_pci_size_rom: read, write PCI_ROM_ADDRESS_MASK, read, restore
    long orig = q.configRead(0x30, 4);
    q.configWrite(0x30, 4, 0xfffff800L);
    long sized = q.configRead(0x30, 4);
    q.configWrite(0x30, 4, orig);
    assertThat((~(sized & 0xfffff800L) + 1) & 0xffffffffL).as("ROM size from the BAR dance: none").isZero();
    // vfio_bars_prepare: the type bits of every BAR with a region
    assertThat(q.configRead(0x10, 4) & 0xf).as("BAR0: 32-bit memory").isZero();
    assertThat(q.configRead(0x18, 4) & 0xf).as("BAR2: 64-bit prefetchable memory").isEqualTo(0x4 | 0x8);
    // vfio_msix_early_setup: flags, table, PBA, then MSI-X IRQ info
    msix = capability(image, 0x11);
    pm = capability(image, 0x01);
    msi = capability(image, 0x05);
    long ctrl = q.configRead(msix + 2, 2);
    long table = q.configRead(msix + 4, 4);
    long pba = q.configRead(msix + 8, 4);
    assertThat((ctrl & 0x7ff) + 1).isEqualTo(MSIX_VECTORS);
    assertThat(table).isEqualTo(MSIX_TABLE); // BIR 0
    assertThat(pba).isEqualTo(MSIX_PBA);
    assertThat(pba & ~7L).as("PBA inside its BAR").isLessThan(barSize[(int) (pba & 7)]);
    long[] msixInfo = q.irqInfo(MSIX);
    assertThat(msixInfo[1]).isEqualTo(MSIX_VECTORS);
    // vfio_add_std_cap -> vfio_msi_setup reads the MSI flags
    long msiFlags = q.configRead(msi + 2, 2);
    assertThat(1 << ((msiFlags >> 1) & 7)).isEqualTo(32);
    assertThat(msiFlags & 0x180).as("64-bit, per-vector mask").isEqualTo(0x180);

    // vfio_pci_interrupt_setup -> vfio_intx_enable
    assertThat(q.configRead(0x3d, 1)).isEqualTo(1);
    assertThat(q.configRead(0x3d, 1)).isEqualTo(1);
    intxEnable(kvm);
    // vfio_pci_register_err_notifier
    errFd = eventFd();
    q.signaling(ERR, 0, ACTION_TRIGGER, errFd.fileDescriptor());
  }

  /** vfio_intx_enable and, with KVM, vfio_intx_enable_kvm. */
  private void intxEnable(boolean kvm) throws IOException {
    intxFd = eventFd();
    q.signaling(INTX, 0, ACTION_TRIGGER, intxFd.fileDescriptor());
    if (kvm) {
      q.mask(INTX);
      resampleFd = eventFd();
      q.signaling(INTX, 0, ACTION_UNMASK, resampleFd.fileDescriptor());
      q.unmask(INTX);
    }
  }

  /** vfio_intx_disable: (KVM: mask, unmask) then disable the index. */
  private void intxDisable(boolean kvm) throws IOException {
    if (kvm) {
      q.mask(INTX);
      q.unmask(INTX);
    }
    q.disable(INTX);
  }

  private static int capability(byte[] image, int id) {
    for (int at = image[0x34] & 0xfc; at != 0; at = image[at + 1] & 0xfc) {
      if ((image[at] & 0xff) == id) {
        return at;
      }
    }
    throw new AssertionError("no capability " + id);
  }

  private long bar0(long offset, int size) throws IOException {
    return q.regionReadValue(0, offset, size);
  }

  /** A guest BAR0 write; QEMU posts it unless NO_POST (set here by the mmap-able BAR2). */
  private void bar0Write(long offset, long value) throws IOException {
    if (q.noPost) {
      q.regionWrite(0, offset, 4, value);
    } else {
      q.postedWrite(0, offset, 4, value);
    }
  }

  // ------------------------------------------------------------------------------------------

  @Test
  void qemuWithKvmFromRealizeToTeardown() throws Exception {
    realize(true);
    assertThat(q.setIrqsLog).containsExactly(
        "0:24:0:1:1", // INTx TRIGGER|EVENTFD
        "0:9:0:1:0", // MASK
        "0:14:0:1:1", // UNMASK|EVENTFD (KVM resample)
        "0:11:0:1:0", // UNMASK
        "3:24:0:1:1"); // ERR TRIGGER|EVENTFD

    // The guest enables memory decode and bus mastering (config write, never posted).
    q.configWrite(0x04, 2, 0x0006);

    // INTx with KVM: the eventfd fires on the edge; the EOI comes through the resample eventfd
    // (KVM), and a level still up fires again on the next access.
    bar0Write(PciTestDevice.RAISE, 0);
    assertThat(intxFd.await(WAIT)).isEqualTo(1);
    assertThat(q.configRead(0x06, 2) & 0x8).as("Status.Interrupt").isNotZero();
    resampleFd.signal();
    bar0(PciTestDevice.SCRATCH, 4);
    assertThat(intxFd.await(WAIT)).as("level still up after EOI: signalled again").isEqualTo(1);
    bar0Write(PciTestDevice.LOWER, 0);
    resampleFd.signal();
    bar0(PciTestDevice.SCRATCH, 4);
    assertThat(intxFd.await(QUIET)).as("level down: no new signal").isZero();

    // Guest memory through the DMA_MAP fds (offsets kept), and the read-only ROM mapping.
    ram.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, RAM_HIGH + 0x40, 0x0123_4567_89ab_cdefL);
    long seen = onDeviceThread(() -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment dst = a.allocate(8);
        server.host().dma().read(RAM_HIGH + 0x40, dst);
        return dst.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
      }
    });
    assertThat(seen).isEqualTo(0x0123_4567_89ab_cdefL);
    boolean romRefused = onDeviceThread(() -> {
      try (Arena a = Arena.ofConfined()) {
        server.host().dma().write(ROM_IOVA, a.allocate(8));
        return false;
      } catch (DmaException e) {
        return true;
      }
    });
    assertThat(romRefused).as("a write into the read-only ROM mapping").isTrue();

    // BAR2 is mmap'ed by QEMU: guest accesses go to the shared memory, messages see the same.
    bar2.segment().set(ValueLayout.JAVA_INT_UNALIGNED, 0x100, 0xfeedbeef);
    assertThat(q.regionReadValue(2, 0x100, 4)).isEqualTo(0xfeedbeefL);

    msiEnableWithChunkedEventfds(true);
    msixModeSwitchThenPerVector(true);
    resetAsQemuDoes(true);
    teardown(true);
  }

  /** vfio_pci_write_config on the MSI flags, then vfio_msi_enable; back to INTx on disable. */
  private void msiEnableWithChunkedEventfds(boolean kvm) throws Exception {
    q.setIrqsLog.clear();
    q.configWrite(msi + 4, 4, 0xfee0_0000L);
    q.configWrite(msi + 8, 4, 0);
    q.configWrite(msi + 12, 2, 0x4041);
    q.configWrite(msi + 2, 2, 0x0001 | 5 << 4); // enable, 32 vectors
    intxDisable(kvm);
    List<EventFd> vectors = new ArrayList<>();
    List<FileDescriptor> fds = new ArrayList<>();
    for (int v = 0; v < 32; v++) {
      EventFd e = eventFd();
      vectors.add(e);
      fds.add(e.fileDescriptor());
    }
    q.eventfds(MSI, 0, ACTION_TRIGGER, fds);
    assertThat(q.setIrqsLog).containsExactly("0:9:0:1:0", "0:11:0:1:0", "0:21:0:0:0",
        "1:24:0:16:16", "1:24:16:16:16"); // chunks of max_msg_fds
    bar0Write(PciTestDevice.RAISE, 20);
    assertThat(vectors.get(20).await(WAIT)).isEqualTo(1);
    bar0Write(PciTestDevice.RAISE, 0);
    assertThat(vectors.get(0).await(WAIT)).isEqualTo(1);

    // vfio_msi_disable: disable the index, then vfio_intx_enable
    q.configWrite(msi + 2, 2, 5 << 4);
    q.disable(MSI);
    assertThat(q.configRead(0x3d, 1)).isEqualTo(1);
    intxEnable(kvm);
    assertThat(vectors.get(0).await(QUIET)).isZero();
  }

  /**
   * vfio_msix_enable: the guest sets Enable with Function Mask (Linux), QEMU switches the device
   * to MSI-X with one TRIGGER of vector 0 without an fd, then gives each vector its eventfd as
   * the guest unmasks it (table writes stay in QEMU). PBA reads are forwarded.
   */
  private void msixModeSwitchThenPerVector(boolean kvm) throws Exception {
    q.setIrqsLog.clear();
    q.configWrite(msix + 2, 2, 0xc000); // Enable | Function Mask
    intxDisable(kvm);
    q.signaling(MSIX, 0, ACTION_TRIGGER, null); // vfio_enable_msix_no_vec
    q.configWrite(msix + 2, 2, 0x8000); // Function Mask cleared
    EventFd[] v = new EventFd[MSIX_VECTORS];
    for (int n : new int[] {0, 1}) {
      v[n] = eventFd();
      q.signaling(MSIX, n, ACTION_TRIGGER, v[n].fileDescriptor());
    }
    assertThat(q.setIrqsLog).containsExactly("0:9:0:1:0", "0:11:0:1:0", "0:21:0:0:0",
        "2:24:0:1:0", "2:24:0:1:1", "2:24:1:1:1");
    bar0Write(PciTestDevice.RAISE, 1);
    assertThat(v[1].await(WAIT)).isEqualTo(1);

    // A vector without an eventfd yet: pending, visible in the PBA QEMU forwards.
    bar0Write(PciTestDevice.RAISE, 3);
    assertThat(bar0(MSIX_PBA, 8) & 0b1000).isNotZero();
    v[3] = eventFd();
    q.signaling(MSIX, 3, ACTION_TRIGGER, v[3].fileDescriptor());
    assertThat(v[3].await(WAIT)).as("pending vector delivered once it has an fd").isEqualTo(1);
    assertThat(bar0(MSIX_PBA, 8) & 0b1000).isZero();
  }

  /**
   * qdev reset: vfio_user_pci_reset = vfio_pci_pre_reset (interrupts off, Command cleared, D0),
   * VFIO_USER_DEVICE_RESET, vfio_pci_post_reset (INTx on, BARs written 0).
   */
  private void resetAsQemuDoes(boolean kvm) throws Exception {
    bar0Write(PciTestDevice.SCRATCH, 0x77);
    // vfio_msix_disable: vectors go back to QEMU's own fds (KVM), index off, INTx on; then INTx off
    if (kvm) {
      for (int n : new int[] {0, 1, 3}) {
        q.signaling(MSIX, n, ACTION_TRIGGER, eventFd().fileDescriptor());
      }
    }
    q.disable(MSIX);
    assertThat(q.configRead(0x3d, 1)).isEqualTo(1);
    intxEnable(kvm);
    intxDisable(kvm);
    long cmd = q.configRead(0x04, 2);
    q.configWrite(0x04, 2, cmd & ~(0x1 | 0x2 | 0x4 | 0x400));
    long pmcsr = q.configRead(pm + 4, 2);
    assertThat(pmcsr & 3).as("D0").isZero();

    Message reset = q.call(Command.DEVICE_RESET, new byte[0]);
    assertThat(reset.payload()).isEmpty();

    intxEnable(kvm);
    for (int bar = 0; bar < 6; bar++) {
      q.configWrite(0x10 + 4 * bar, 4, 0);
    }
    assertThat(device().resets).containsExactly(ResetReason.DEVICE_RESET);
    assertThat(bar0(PciTestDevice.SCRATCH, 4)).isEqualTo(PciTestDevice.SCRATCH_RESET);
    assertThat(q.configRead(msix + 2, 2) & 0xc000).as("MSI-X off after reset").isZero();
    assertThat(q.configRead(0x04, 2)).isZero();

    // INTx works again once the guest turns decode back on.
    q.configWrite(0x04, 2, 0x0006);
    bar0Write(PciTestDevice.RAISE, 0);
    assertThat(intxFd.await(WAIT)).isEqualTo(1);
    bar0Write(PciTestDevice.LOWER, 0);
  }

  /** vfio_exitfn, then the container's listener unregister (DMA_UNMAP), then disconnect. */
  private void teardown(boolean kvm) throws Exception {
    q.signaling(ERR, 0, ACTION_TRIGGER, null);
    intxDisable(kvm);
    assertThat(q.dmaUnmap(ROM_IOVA, ROM_SIZE, false).payload()).hasSize(24);
    // unmap-all: what QEMU sends for a section spanning 2^64 (a vIOMMU region): iova 0, size 0
    assertThat(q.dmaUnmap(0, 0, true).payload()).hasSize(24);
    assertThat(onDeviceThread(() -> server.host().dma().mappings())).isEmpty();
    assertThat(errFd.await(QUIET)).isZero();
  }

  @Test
  void qemuWithoutKvmEndsIntxWithUnmaskOnTheNextBarAccess() throws Exception {
    realize(false);
    q.configWrite(0x04, 2, 0x0006);
    bar0Write(PciTestDevice.RAISE, 0);
    assertThat(intxFd.await(WAIT)).isEqualTo(1);
    // vfio_intx_interrupt set intx.pending; the guest's next BAR access is vfio_region_read,
    // whose vfio_pci_intx_eoi sends UNMASK: a level still up is signalled again.
    assertThat(bar0(PciTestDevice.SCRATCH, 4)).isEqualTo(PciTestDevice.SCRATCH_RESET);
    q.unmask(INTX);
    assertThat(intxFd.await(WAIT)).isEqualTo(1);
    bar0Write(PciTestDevice.LOWER, 0);
    q.unmask(INTX);
    assertThat(intxFd.await(QUIET)).isZero();
  }

  /**
   * Without an mmap-able region QEMU posts BAR writes (NO_REPLY) and, with write_multiple and a
   * busy socket, batches them in one REGION_WRITE_MULTI (NO_REPLY); a read after them must see
   * all of them applied, in order, and none may be answered.
   */
  @Test
  void postedWritesAndWriteMultiAreAppliedInOrderAndNeverAnswered() throws Exception {
    q.version();
    q.deviceInfo();
    assertThat(q.regionInfo(0).info().flags() & RegionInfo.FLAG_MMAP).isZero();
    q.configWrite(0x04, 2, 0x0002);
    q.postedWrite(0, PciTestDevice.SCRATCH, 4, 1);
    q.postedWrite(0, PciTestDevice.SCRATCH, 4, 2);
    q.writeMulti(List.of(new long[] {0, PciTestDevice.SCRATCH, 4, 3}, new long[] {0, PciTestDevice.SCRATCH, 4, 4},
        new long[] {2, 0x10, 8, 0x1122_3344_5566_7788L}));
    assertThat(bar0(PciTestDevice.SCRATCH, 4)).isEqualTo(4);
    assertThat(q.regionReadValue(2, 0x10, 8)).isEqualTo(0x1122_3344_5566_7788L);
    assertThat(q.awaitRaw(QUIET)).as("no reply to NO_REPLY messages").isNull();
  }

  /** QEMU proposes nothing it would not accept back; its reply buffer is its request's size. */
  @Test
  void versionReplyPassesQemusChecksAndFitsItsBuffer() throws Exception {
    var caps = q.version();
    assertThat(caps.has("migration")).isTrue();
    assertThat(caps.get("max_data_xfer_size").longValue()).isEqualTo(1 << 20);
  }
}
