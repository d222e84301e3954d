package io.vfu4j.processor.model;

import java.util.List;

/** One capability annotation; the records mirror the annotation attributes one to one. */
public sealed interface CapabilityModel {

  /** The annotation it came from. */
  Source source();

  /** True for capabilities that only exist in PCI Express extended config space (or the PCIe cap). */
  default boolean needsExpress() {
    return false;
  }

  record PowerManagement(boolean d1, boolean d2, boolean noSoftReset, int pmeSupport,
      Source source) implements CapabilityModel {}

  record Msi(int vectors, boolean address64, boolean perVectorMask, Source source)
      implements CapabilityModel {}

  record MsiX(int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset,
      Source source) implements CapabilityModel {
    /** Table size in bytes: 16 a vector. */
    public long tableSize() {
      return 16L * vectors;
    }

    /** PBA size in bytes: one bit a vector, in whole 64-bit words. */
    public long pbaSize() {
      return 8L * ((vectors + 63) / 64);
    }
  }

  record PciExpress(int deviceType, int maxPayload, boolean flr, boolean extendedTag,
      int completionTimeoutRanges, boolean completionTimeoutDisable, boolean tag10BitCompleter,
      boolean tag10BitRequester, int linkSpeed, int linkWidth, Source source)
      implements CapabilityModel {
    @Override
    public boolean needsExpress() {
      return true;
    }
  }

  record Vendor(List<Byte> data, Source source) implements CapabilityModel {
    public Vendor {
      data = List.copyOf(data);
    }
  }

  record Aer(int uncorrectableSeverity, boolean ecrcGeneration, boolean ecrcCheck, Source source)
      implements CapabilityModel {
    @Override
    public boolean needsExpress() {
      return true;
    }
  }

  record SerialNumber(long value, Source source) implements CapabilityModel {
    @Override
    public boolean needsExpress() {
      return true;
    }
  }

  record Ats(int invalidateQueueDepth, boolean pageAlignedRequest, boolean globalInvalidate,
      Source source) implements CapabilityModel {
    @Override
    public boolean needsExpress() {
      return true;
    }
  }

  record Pri(int outstandingCapacity, boolean pasidRequired, Source source)
      implements CapabilityModel {
    @Override
    public boolean needsExpress() {
      return true;
    }
  }

  record Pasid(int width, boolean execute, boolean privileged, Source source)
      implements CapabilityModel {
    @Override
    public boolean needsExpress() {
      return true;
    }
  }
}
