package io.vfu4j.runtime.pci;

import static io.vfu4j.runtime.pci.LittleEndian.put16;
import static io.vfu4j.runtime.pci.LittleEndian.put32;
import static io.vfu4j.runtime.pci.LittleEndian.u16;
import static io.vfu4j.runtime.pci.LittleEndian.u32;
import static io.vfu4j.runtime.pci.PciRegs.*;

import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.spi.CapabilityLocation;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;
import io.vfu4j.runtime.spi.DeviceLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Config-space emulation of one function (region 7). Starts from the generated template; guest
 * writes change only writable bits and clear write-1-to-clear bits, so BAR sizing, RO fields and
 * RW1C status registers follow from the masks. On top of the masks it implements the side effects
 * of capability registers: PM D-state changes, MSI Multiple Message Enable clamping and per-vector
 * masking, MSI-X enable and Function Mask (with the {@link MsixTable}), PCIe Initiate FLR, PRI
 * Reset and Stopped, and the ATS/PRI/PASID enables the DMA engine needs.
 *
 * <p>{@link Listener}s hear about changes after the write is applied. Accesses of any size at any
 * offset are fine, including ones that span registers or capabilities. No allocation per access.
 * Not thread-safe: the device thread owns it.
 */
public final class ConfigSpace {
  /** Command register bits. */
  public static final int CMD_IO = 1, CMD_MEMORY = 1 << 1, CMD_BUS_MASTER = 1 << 2, CMD_INTX_DISABLE = 1 << 10;

  /**
   * Hears about guest writes that changed something the runtime acts on. Called on the device
   * thread after the write is applied; a reset request comes last.
   */
  public interface Listener {
    /** The Command register changed (memory/IO decode, bus master, INTx disable). */
    default void commandChanged(int oldCommand, int newCommand) {}

    /** MSI Enable, Multiple Message Enable or a per-vector mask bit changed. */
    default void msiChanged(boolean enabled) {}

    /** A pending MSI vector was unmasked while MSI is enabled; its pending bit is already clear. */
    default void msiVectorUnmasked(int vector) {}

    /** MSI-X Enable or Function Mask changed. */
    default void msixChanged(boolean enabled, boolean functionMasked) {}

    /** The guest asked for a function reset: FLR, or D3hot to D0 without No_Soft_Reset. */
    default void resetRequested(ResetReason reason) {}

    /** ATS, PRI or PASID enables (or STU, PRI allocation) changed; also after a reset that changed them. */
    default void iommuEnablesChanged(IommuEnables enables) {}

    /** PRI Reset took effect (written while PRI is disabled): outstanding page request groups are void. */
    default void priReset() {}
  }

  private final ConfigSpaceTemplate template;
  private final byte[] resetImage;
  private final byte[] bytes;
  private final byte[] writeMask;
  private final byte[] w1cMask;
  // Capability offsets, -1 when absent.
  private final int pm;
  private final int msi;
  private final int msix;
  private final int pcie;
  private final int aer;
  private final int ats;
  private final int pri;
  private final int pasid;
  private final int msiMaskOffset; // -1 without per-vector masking
  private final MsixTable msixTable;
  private final byte[] stickyMask;
  private Listener[] listeners = new Listener[0];
  private boolean priRequestsOutstanding;
  private IommuEnables iommuEnables = IommuEnables.DISABLED;

  public ConfigSpace(DeviceLayout layout) {
    this.template = layout.config();
    this.resetImage = template.image();
    this.bytes = template.image();
    this.writeMask = template.writeMask();
    this.w1cMask = template.w1cMask();
    this.pm = offsetOf(CapabilityLocation.PM, false);
    this.msi = offsetOf(CapabilityLocation.MSI, false);
    this.msix = offsetOf(CapabilityLocation.MSIX, false);
    this.pcie = offsetOf(CapabilityLocation.PCI_EXPRESS, false);
    this.aer = offsetOf(CapabilityLocation.AER, true);
    this.ats = offsetOf(CapabilityLocation.ATS, true);
    this.pri = offsetOf(CapabilityLocation.PRI, true);
    this.pasid = offsetOf(CapabilityLocation.PASID, true);
    if (msi >= 0 && (u16(bytes, msi + MSI_FLAGS) & MSI_MASKABLE) != 0) {
      boolean address64 = (u16(bytes, msi + MSI_FLAGS) & MSI_64BIT) != 0;
      this.msiMaskOffset = msi + ConfigSpaceBuilder.msiDataOffset(address64) + 4;
    } else {
      this.msiMaskOffset = -1;
    }
    this.stickyMask = stickyMask(bytes.length, pm, aer);
    if (msix >= 0) {
      int vectors = (u16(bytes, msix + MSIX_FLAGS) & 0x7ff) + 1;
      int table = u32(bytes, msix + MSIX_TABLE);
      int pba = u32(bytes, msix + MSIX_PBA);
      this.msixTable = new MsixTable(this, vectors, table & 7, Integer.toUnsignedLong(table & ~7),
          pba & 7, Integer.toUnsignedLong(pba & ~7));
    } else {
      this.msixTable = null;
    }
  }

  /** Bits that survive FLR and soft resets (RWS/RW1CS): AER status..control, PME_En, PME_Status. */
  private static byte[] stickyMask(int size, int pm, int aer) {
    byte[] sticky = new byte[size];
    if (pm >= 0) {
      put16(sticky, pm + PM_CTRL, PM_PME_ENABLE | PM_PME_STATUS);
    }
    if (aer >= 0) {
      Arrays.fill(sticky, aer + AER_UNCOR_STATUS, aer + AER_CAP + 4, (byte) 0xff);
    }
    return sticky;
  }

  private int offsetOf(int id, boolean extended) {
    CapabilityLocation cap = template.find(id, extended);
    return cap == null ? -1 : cap.offset();
  }

  /** Adds a listener; listeners are called in the order they were added. */
  public void addListener(Listener listener) {
    Listener[] more = Arrays.copyOf(listeners, listeners.length + 1);
    more[listeners.length] = Objects.requireNonNull(listener);
    listeners = more;
  }

  /** 256 or 4096. */
  public int size() {
    return bytes.length;
  }

  /** Reads {@code dst.remaining()} bytes at {@code offset}; the caller checked the range. */
  public void read(int offset, ByteBuffer dst) {
    Objects.checkFromIndexSize(offset, dst.remaining(), bytes.length);
    dst.put(bytes, offset, dst.remaining());
  }

  /**
   * Applies a guest write of {@code src.remaining()} bytes at {@code offset}: RW bits take the new
   * value, RW1C bits clear where a 1 is written, everything else stays. Then capability side
   * effects run and listeners hear about changes.
   */
  public void write(int offset, ByteBuffer src) {
    int end = offset + src.remaining();
    Objects.checkFromToIndex(offset, end, bytes.length);
    int oldCommand = command();
    int oldPmControl = pm >= 0 ? u16(bytes, pm + PM_CTRL) : 0;
    int oldMsiFlags = msi >= 0 ? u16(bytes, msi + MSI_FLAGS) : 0;
    int oldMsiMask = msiMaskOffset >= 0 ? u32(bytes, msiMaskOffset) : 0;
    int oldMsixFlags = msix >= 0 ? u16(bytes, msix + MSIX_FLAGS) : 0;
    for (int i = offset; i < end; i++) {
      int value = src.get() & 0xff;
      int wm = writeMask[i];
      bytes[i] = (byte) (((bytes[i] & ~wm) | (value & wm)) & ~(value & w1cMask[i]));
    }
    boolean resetFlr = pcie >= 0 && touches(offset, end, pcie + EXP_DEVCTL, 2) && applyInitiateFlr();
    boolean resetPm = pm >= 0 && touches(offset, end, pm + PM_CTRL, 2) && applyPowerState(oldPmControl);
    if (msi >= 0 && touches(offset, end, msi + MSI_FLAGS, 2)) {
      clampMultipleMessageEnable();
    }
    if (pri >= 0 && touches(offset, end, pri + PRI_CTRL, 2)) {
      applyPriControl();
    }
    boolean iommuTouched = (ats >= 0 && touches(offset, end, ats + ATS_CTRL, 2))
        || (pri >= 0 && touches(offset, end, pri + PRI_CTRL, PRI_SIZE - PRI_CTRL))
        || (pasid >= 0 && touches(offset, end, pasid + PASID_CTRL, 2));
    notifyChanges(oldCommand, oldMsiFlags, oldMsiMask, oldMsixFlags, iommuTouched);
    if (resetFlr || resetPm) {
      ResetReason reason = resetFlr ? ResetReason.FLR : ResetReason.POWER_STATE;
      for (Listener listener : listeners) {
        listener.resetRequested(reason);
      }
    }
  }

  private static boolean touches(int start, int end, int register, int length) {
    return start < register + length && end > register;
  }

  /** Initiate FLR reads 0: clears it and reports whether a reset is due (only writable if FLR capable). */
  private boolean applyInitiateFlr() {
    int control = u16(bytes, pcie + EXP_DEVCTL);
    if ((control & EXP_DEVCTL_BCR_FLR) == 0) {
      return false;
    }
    put16(bytes, pcie + EXP_DEVCTL, control & ~EXP_DEVCTL_BCR_FLR);
    return true;
  }

  /** Ignores unsupported D-states; returns true on D3hot to D0 without No_Soft_Reset. */
  private boolean applyPowerState(int oldControl) {
    int control = u16(bytes, pm + PM_CTRL);
    int state = control & PM_STATE_MASK;
    int pmc = u16(bytes, pm + PM_PMC);
    boolean supported = switch (state) {
      case PM_D1 -> (pmc & 1 << 9) != 0;
      case PM_D2 -> (pmc & 1 << 10) != 0;
      default -> true;
    };
    if (!supported) {
      state = oldControl & PM_STATE_MASK;
      put16(bytes, pm + PM_CTRL, (control & ~PM_STATE_MASK) | state);
    }
    return (oldControl & PM_STATE_MASK) == PM_D3HOT && state == PM_D0 && (control & PM_NO_SOFT_RESET) == 0;
  }

  /** Multiple Message Enable may not exceed Multiple Message Capable. */
  private void clampMultipleMessageEnable() {
    int flags = u16(bytes, msi + MSI_FLAGS);
    int capable = (flags & MSI_QMASK) >> 1;
    int enabled = (flags & MSI_QSIZE) >> 4;
    if (enabled > capable) {
      put16(bytes, msi + MSI_FLAGS, (flags & ~MSI_QSIZE) | capable << 4);
    }
  }

  /** Reset reads 0 and, while PRI is disabled, clears the status and the request state. */
  private void applyPriControl() {
    int control = u16(bytes, pri + PRI_CTRL);
    if ((control & PRI_RESET) != 0) {
      control &= ~PRI_RESET;
      put16(bytes, pri + PRI_CTRL, control);
      if ((control & PRI_ENABLE) == 0) {
        priRequestsOutstanding = false;
        int status = u16(bytes, pri + PRI_STATUS);
        put16(bytes, pri + PRI_STATUS, status & ~(PRI_STATUS_RF | PRI_STATUS_UPRGI));
        for (Listener listener : listeners) {
          listener.priReset();
        }
      }
    }
    updatePriStopped();
  }

  /** Stopped = PRI disabled and no page request outstanding (Linux refuses to enable PRI otherwise). */
  private void updatePriStopped() {
    boolean stopped = (u16(bytes, pri + PRI_CTRL) & PRI_ENABLE) == 0 && !priRequestsOutstanding;
    int status = u16(bytes, pri + PRI_STATUS);
    put16(bytes, pri + PRI_STATUS, stopped ? status | PRI_STATUS_STOPPED : status & ~PRI_STATUS_STOPPED);
  }

  private void notifyChanges(int oldCommand, int oldMsiFlags, int oldMsiMask, int oldMsixFlags, boolean iommuTouched) {
    int newCommand = command();
    if (newCommand != oldCommand) {
      for (Listener listener : listeners) {
        listener.commandChanged(oldCommand, newCommand);
      }
    }
    if (msi >= 0) {
      notifyMsi(oldMsiFlags, oldMsiMask);
    }
    if (msix >= 0) {
      int flags = u16(bytes, msix + MSIX_FLAGS);
      if (flags != oldMsixFlags) {
        boolean enabled = msixEnabled();
        boolean functionMasked = msixFunctionMasked();
        for (Listener listener : listeners) {
          listener.msixChanged(enabled, functionMasked);
        }
        if (enabled && !functionMasked) {
          msixTable.deliverPendingUnmasked();
        }
      }
    }
    if (iommuTouched) {
      updateIommuEnables();
    }
  }

  /** Re-reads the ATS/PRI/PASID controls and reports a change (allocates only then). */
  private void updateIommuEnables() {
    IommuEnables now = readIommuEnables();
    if (!now.equals(iommuEnables)) {
      iommuEnables = now;
      for (Listener listener : listeners) {
        listener.iommuEnablesChanged(now);
      }
    }
  }

  private void notifyMsi(int oldFlags, int oldMask) {
    int flags = u16(bytes, msi + MSI_FLAGS);
    int mask = msiMaskOffset >= 0 ? u32(bytes, msiMaskOffset) : 0;
    if ((flags & (MSI_ENABLE | MSI_QSIZE)) == (oldFlags & (MSI_ENABLE | MSI_QSIZE)) && mask == oldMask) {
      return;
    }
    boolean enabled = msiEnabled();
    for (Listener listener : listeners) {
      listener.msiChanged(enabled);
    }
    if (enabled && msiMaskOffset >= 0) {
      int deliverable = msiPendingBits() & ~mask;
      for (int v = 0; deliverable != 0; v++, deliverable >>>= 1) {
        if ((deliverable & 1) != 0) {
          setMsiPending(v, false);
          for (Listener listener : listeners) {
            listener.msiVectorUnmasked(v);
          }
        }
      }
    }
  }

  private IommuEnables readIommuEnables() {
    if (ats < 0 && pri < 0 && pasid < 0) {
      return IommuEnables.DISABLED;
    }
    int atsControl = ats >= 0 ? u16(bytes, ats + ATS_CTRL) : 0;
    int priControl = pri >= 0 ? u16(bytes, pri + PRI_CTRL) : 0;
    int allocation = pri >= 0 ? u32(bytes, pri + PRI_ALLOC_REQ) : 0;
    int pasidControl = pasid >= 0 ? u16(bytes, pasid + PASID_CTRL) : 0;
    boolean pasidOn = (pasidControl & PASID_ENABLE) != 0;
    return new IommuEnables((atsControl & ATS_ENABLE) != 0, atsControl & ATS_STU,
        (priControl & PRI_ENABLE) != 0, allocation, pasidOn,
        pasidOn && (pasidControl & PASID_EXEC) != 0, pasidOn && (pasidControl & PASID_PRIV) != 0);
  }

  /**
   * Back to the template's reset image, sticky bits included (power-on state): the config-space
   * step of DEVICE_RESET and client loss. Same as {@code reset(ResetReason.CLIENT_LOST)}.
   */
  public void reset() {
    reset(ResetReason.CLIENT_LOST);
  }

  /**
   * The config-space step of a reset. FLR and a PM soft reset keep the sticky bits (AER status,
   * masks, severity and control; PME_En and PME_Status), as hardware does; the other reasons
   * restore everything. Also resets the MSI-X table (every vector masked) and PRI state.
   * Listeners hear only about changed IOMMU enables (the ATC must go); the caller owns the rest.
   */
  public void reset(ResetReason reason) {
    boolean keepSticky = reason == ResetReason.FLR || reason == ResetReason.POWER_STATE;
    for (int i = 0; i < bytes.length; i++) {
      int sticky = keepSticky ? stickyMask[i] : 0;
      bytes[i] = (byte) ((resetImage[i] & ~sticky) | (bytes[i] & sticky));
    }
    priRequestsOutstanding = false;
    if (msixTable != null) {
      msixTable.reset();
    }
    updateIommuEnables();
  }

  // ------------------------------------------------------------------ header

  /** The Command register. */
  public int command() {
    return u16(bytes, COMMAND);
  }

  public boolean busMasterEnabled() {
    return (command() & CMD_BUS_MASTER) != 0;
  }

  public boolean memoryEnabled() {
    return (command() & CMD_MEMORY) != 0;
  }

  public boolean ioEnabled() {
    return (command() & CMD_IO) != 0;
  }

  public boolean intxDisabled() {
    return (command() & CMD_INTX_DISABLE) != 0;
  }

  /** Sets or clears Status bit 3 (Interrupt Status), which mirrors the INTx level. */
  public void setInterruptStatus(boolean asserted) {
    bytes[STATUS] = (byte) (asserted ? bytes[STATUS] | STATUS_INTERRUPT : bytes[STATUS] & ~STATUS_INTERRUPT);
  }

  /**
   * Sets Status error bits the device detected (e.g. Received Master Abort after a failed DMA);
   * only the write-1-to-clear error bits (0xf900) are accepted, the guest clears them.
   */
  public void recordStatusErrors(int bits) {
    put16(bytes, STATUS, u16(bytes, STATUS) | (bits & STATUS_W1C));
  }

  /**
   * Current base address of BAR {@code index} (both halves of a 64-bit BAR), type bits masked
   * off; 0 for an unimplemented BAR.
   */
  public long barAddress(int index) {
    int low = u32(bytes, BAR0 + 4 * index);
    if ((low & 1) != 0) {
      return Integer.toUnsignedLong(low & ~0x3);
    }
    long address = Integer.toUnsignedLong(low & ~0xf);
    if ((low & 0x6) == 0x4 && index < 5) {
      address |= Integer.toUnsignedLong(u32(bytes, BAR0 + 4 * index + 4)) << 32;
    }
    return address;
  }

  // ------------------------------------------------------------------ power management

  /** PM PowerState 0..3 (D0..D3hot); 0 without PM. */
  public int powerState() {
    return pm >= 0 ? u16(bytes, pm + PM_CTRL) & PM_STATE_MASK : PM_D0;
  }

  /** Sets PME_Status (if PME is supported, i.e. the bit is write-1-to-clear). */
  public void signalPme() {
    if (pm >= 0 && (u16(w1cMask, pm + PM_CTRL) & PM_PME_STATUS) != 0) {
      put16(bytes, pm + PM_CTRL, u16(bytes, pm + PM_CTRL) | PM_PME_STATUS);
    }
  }

  // ------------------------------------------------------------------ MSI

  /** MSI Enable of the MSI capability; false without one. */
  public boolean msiEnabled() {
    return msi >= 0 && (u16(bytes, msi + MSI_FLAGS) & MSI_ENABLE) != 0;
  }

  /** Vectors granted by Multiple Message Enable (1..32); 0 without MSI. */
  public int msiVectors() {
    return msi >= 0 ? 1 << ((u16(bytes, msi + MSI_FLAGS) & MSI_QSIZE) >> 4) : 0;
  }

  /** Message Address (64-bit when the capability has an upper dword). */
  public long msiAddress() {
    if (msi < 0) {
      return 0;
    }
    long low = Integer.toUnsignedLong(u32(bytes, msi + MSI_ADDRESS_LO));
    boolean address64 = (u16(bytes, msi + MSI_FLAGS) & MSI_64BIT) != 0;
    return address64 ? low | Integer.toUnsignedLong(u32(bytes, msi + MSI_ADDRESS_LO + 4)) << 32 : low;
  }

  /** Message Data for {@code vector}: the low MME bits of the data replaced by the vector number. */
  public int msiData(int vector) {
    if (msi < 0) {
      return 0;
    }
    boolean address64 = (u16(bytes, msi + MSI_FLAGS) & MSI_64BIT) != 0;
    int data = u16(bytes, msi + ConfigSpaceBuilder.msiDataOffset(address64));
    int granted = msiVectors();
    return (data & ~(granted - 1)) | (vector & (granted - 1));
  }

  /** Per-vector mask bit; false without per-vector masking. */
  public boolean msiVectorMasked(int vector) {
    return msiMaskOffset >= 0 && vector >= 0 && vector < 32 && (u32(bytes, msiMaskOffset) & 1 << vector) != 0;
  }

  /** Sets or clears the MSI pending bit of {@code vector} (ignored without per-vector masking). */
  public void setMsiPending(int vector, boolean pending) {
    if (msiMaskOffset < 0 || vector < 0 || vector >= 32) {
      return;
    }
    int bits = msiPendingBits();
    put32(bytes, msiMaskOffset + 4, pending ? bits | 1 << vector : bits & ~(1 << vector));
  }

  private int msiPendingBits() {
    return u32(bytes, msiMaskOffset + 4);
  }

  // ------------------------------------------------------------------ MSI-X

  /** MSI-X Enable of the MSI-X capability; false without one. */
  public boolean msixEnabled() {
    return msix >= 0 && (u16(bytes, msix + MSIX_FLAGS) & MSIX_ENABLE) != 0;
  }

  /** MSI-X Function Mask; false without MSI-X. */
  public boolean msixFunctionMasked() {
    return msix >= 0 && (u16(bytes, msix + MSIX_FLAGS) & MSIX_FUNCTION_MASK) != 0;
  }

  /** The MSI-X table and PBA, or null without MSI-X. */
  public MsixTable msixTable() {
    return msixTable;
  }

  /** True when the vector may not fire now (Function Mask or its mask bit); false without MSI-X. */
  public boolean msixVectorMasked(int vector) {
    return msixTable != null && msixTable.masked(vector);
  }

  /** Sets or clears the PBA bit of {@code vector}; ignored without MSI-X. */
  public void setMsixPending(int vector, boolean pending) {
    if (msixTable != null) {
      msixTable.setPending(vector, pending);
    }
  }

  // ------------------------------------------------------------------ PCIe, ATS, PRI, PASID

  /** True when Device Capabilities advertises Function Level Reset. */
  public boolean flrCapable() {
    return pcie >= 0 && (u32(bytes, pcie + EXP_DEVCAP) & EXP_DEVCAP_FLR) != 0;
  }

  /**
   * Sets AER Uncorrectable Error Status bits (defined bits only; ignored without AER) and the
   * PCIe Device Status bits that report them regardless of masking: Fatal or Non-Fatal Error
   * Detected by the severity register, and Unsupported Request Detected for a UR.
   */
  public void recordUncorrectableErrors(int bits) {
    int defined = bits & AER_UNCOR_BITS;
    recordAer(AER_UNCOR_STATUS, defined);
    if (defined != 0) {
      int severity = aer >= 0 ? u32(bytes, aer + AER_UNCOR_SEVER) : 0;
      int detected = ((defined & severity) != 0 ? EXP_DEVSTA_FED : 0)
          | ((defined & ~severity) != 0 ? EXP_DEVSTA_NFED : 0)
          | ((defined & AER_UNSUPPORTED_REQUEST) != 0 ? EXP_DEVSTA_URD : 0);
      recordDeviceStatus(detected);
    }
  }

  /**
   * Sets AER Correctable Error Status bits (defined bits only; ignored without AER) and PCIe
   * Device Status Correctable Error Detected.
   */
  public void recordCorrectableErrors(int bits) {
    int defined = bits & AER_COR_BITS;
    recordAer(AER_COR_STATUS, defined);
    if (defined != 0) {
      recordDeviceStatus(EXP_DEVSTA_CED);
    }
  }

  private void recordDeviceStatus(int bits) {
    if (pcie >= 0) {
      put16(bytes, pcie + EXP_DEVSTA, u16(bytes, pcie + EXP_DEVSTA) | bits);
    }
  }

  private void recordAer(int register, int bits) {
    if (aer >= 0) {
      put32(bytes, aer + register, u32(bytes, aer + register) | bits);
    }
  }

  /** The enabled state of ATS, PRI and PASID. */
  public IommuEnables iommuEnables() {
    return iommuEnables;
  }

  /** Records a PRG Response with Response Failure: sets PRI Status.Response Failure. */
  public void setPriResponseFailure() {
    setPriStatus(PRI_STATUS_RF);
  }

  /** Records a PRG Response for a group with nothing outstanding: sets PRI Status.UPRGI. */
  public void setPriUnexpectedGroupIndex() {
    setPriStatus(PRI_STATUS_UPRGI);
  }

  /** Tells whether page requests are outstanding; Stopped reads 1 only when disabled and idle. */
  public void setPriRequestsOutstanding(boolean outstanding) {
    if (pri >= 0) {
      priRequestsOutstanding = outstanding;
      updatePriStopped();
    }
  }

  private void setPriStatus(int bit) {
    if (pri >= 0) {
      put16(bytes, pri + PRI_STATUS, u16(bytes, pri + PRI_STATUS) | bit);
    }
  }

  /** The template this config space was built from. */
  public ConfigSpaceTemplate template() {
    return template;
  }
}
