package io.vfu4j.processor.diag;

import java.util.Locale;

/**
 * Every message the processor prints, in one place. Each names what is wrong and how to fix it;
 * the templates use {@link String#format} arguments. docs/device-model.md lists them.
 */
public enum Message {
  // Device class
  DEVICE_NOT_CLASS("@PciDevice goes on a class; %s is a %s"),
  DEVICE_ABSTRACT("@PciDevice class %s is abstract; make it a concrete class the runtime can instantiate"),
  DEVICE_PRIVATE("@PciDevice class %s is private; make it public or package-private"),
  DEVICE_NESTED("@PciDevice class %s is an inner (non-static) class; make it a top-level or static nested class"),
  NO_CONSTRUCTOR("@PciDevice class %s has no usable constructor; add a non-private constructor taking (DeviceContext) or no arguments"),
  ID_RANGE("%s 0x%x is out of range; use a value in 0x0..0x%x"),
  EXPRESS_WITHOUT_CAP("bus = PCI_EXPRESS needs the PCI Express capability; add @PciExpress to %s"),
  EXPRESS_ONLY("@%s needs PCI Express extended config space; set @PciDevice(bus = PciDevice.Bus.PCI_EXPRESS) or remove @%s"),

  // BARs
  BAR_INDEX("BAR index %d is not in 0..5; use an index from 0 to 5"),
  BAR_SIZE_POWER_OF_TWO("BAR%d size %d is not a power of two; use a power of two such as %d"),
  BAR_TOO_SMALL("BAR%d is %d bytes, smaller than the %d bytes a%s BAR needs; make it at least %d bytes"),
  BAR_IO_TOO_LARGE("I/O BAR%d is %d bytes; I/O BARs hold at most 256 bytes, use a memory BAR"),
  BAR64_LAST_INDEX("64-bit BAR%d would take indices 5 and 6; use an index from 0 to 4 or type MEMORY32"),
  BAR_DUPLICATE("BAR index %d is already taken by %s; give each BAR its own index"),
  BAR_PREFETCH_IO("I/O BAR%d cannot be prefetchable; remove prefetchable = true"),

  // Registers and fields
  REGISTER_FIELD_PRIVATE("register field %s is private; the generated %s accesses it directly, make it package-private"),
  REGISTER_FIELD_FINAL("register field %s is final; the generated code stores register values in it, remove final"),
  REGISTER_FIELD_STATIC("register field %s is static; registers belong to a device instance, remove static"),
  REGISTER_TYPE("register %s is %d bytes wide, so field %s must be of type %s, not %s; change the field type or width"),
  REGISTER_WIDTH("register %s has width %d; use 1, 2, 4 or 8"),
  REGISTER_BAR_UNDECLARED("register %s is on BAR%d, which the device does not declare; add @Bar(index = %d, ...) or move the register"),
  REGISTER_MISALIGNED("register %s at offset 0x%x is not aligned to its width %d; use an offset that is a multiple of %d"),
  REGISTER_PAST_END("register %s ends at 0x%x, past the end of BAR%d (size 0x%x); move it or enlarge the BAR"),
  REGISTER_OVERLAP("register %s [0x%x..0x%x) overlaps register %s [0x%x..0x%x) in BAR%d; move one of them to a free offset"),
  REGISTER_DUPLICATE_NAME("register name %s is used twice; give each register a unique name"),
  REGISTER_RESET_WIDE("reset value 0x%x of register %s does not fit in %d bytes; use a value below 0x%x"),
  REGISTER_COUNT("register %s has count %d; use a count of at least 1"),
  REGISTER_STRIDE("register array %s has stride %d, less than its width %d or not a multiple of it; use a stride that is a multiple of %d"),
  REGISTER_ARRAY_TYPE("register %s has count %d, so field %s must be an array (%s[]); change the field type or count"),
  ACCESS_SIZE_INVALID("access size %d of register %s is not 1, 2, 4 or 8; remove it"),
  ACCESS_SIZE_WIDER("access size %d of register %s is wider than its width %d; remove it or widen the register"),
  WHOLE_REGISTER_WITHOUT_NARROW_SIZE("register %s has narrowAccess = WHOLE_REGISTER but accepts no access narrower than its width %d; add a smaller size to accessSizes or remove narrowAccess"),
  READS_ALL_ONES_NOT_WRITE_ONLY("register %s has readsAllOnes = true, which needs a write-only register: access = Access.WO, no fields and onRead = NONE; change those or remove readsAllOnes"),
  BITS_SYNTAX("bits \"%s\" of field %s is not \"msb:lsb\" or \"n\" with msb >= lsb; write e.g. \"7:4\" or \"3\""),
  FIELD_OUTSIDE("field %s bits %d:%d lie outside register %s of %d bits; use bits %d:0 or below"),
  FIELD_OVERLAP("field %s bits %d:%d overlap field %s bits %d:%d of register %s; give each bit to one field"),
  FIELD_DUPLICATE("field name %s is used twice in register %s; rename one"),
  FIELD_RESET_WIDE("reset value 0x%x of field %s does not fit in its %d bits; use a value below 0x%x"),

  // Memory
  MEMORY_TYPE("@Memory field %s must be of type java.lang.foreign.MemorySegment, not %s"),
  MEMORY_FIELD_MODIFIERS("@Memory field %s must not be private, final or static; the generated descriptor assigns it"),
  MEMORY_BAR_UNDECLARED("@Memory %s is on BAR%d, which the device does not declare; add @Bar(index = %d, ...)"),
  MEMORY_EMPTY("@Memory %s has size %d; give it a positive size"),
  MEMORY_PAST_END("@Memory %s ends at 0x%x, past the end of BAR%d (size 0x%x); move it or enlarge the BAR"),
  MEMORY_OVERLAP("@Memory %s [0x%x..0x%x) overlaps %s [0x%x..0x%x) in BAR%d; move one of them"),
  MMAP_ALIGN("mmap @Memory %s has %s 0x%x, not a multiple of 4 KiB; the client maps whole pages, use a multiple of 0x1000"),

  // Hooks
  HOOK_UNKNOWN_REGISTER("@%s(\"%s\") names no register; known registers: %s"),
  HOOK_UNKNOWN_FIELD("@%s(\"%s\"): register %s has no field %s; known fields: %s"),
  HOOK_SIGNATURE("@%s method %s has signature %s; use one of: %s"),
  HOOK_READ_NOT_DECODED("@OnRead method %s would never run: reads of register %s are not decoded (readsAllOnes = true); remove the hook or readsAllOnes"),
  HOOK_MODIFIERS("hook method %s must not be private or static; the generated code calls it on the device"),

  // Capabilities
  MSI_VECTORS("MSI vectors = %d; use 1, 2, 4, 8, 16 or 32"),
  MSIX_VECTORS("MSI-X vectors = %d; use 1..2048"),
  MSIX_BAR_UNDECLARED("MSI-X %s is in BAR%d, which the device does not declare; add @Bar(index = %d, ...)"),
  MSIX_ALIGN("MSI-X %s offset 0x%x is not 8-byte aligned; use a multiple of 8"),
  MSIX_PAST_END("MSI-X %s [0x%x..0x%x) does not fit in BAR%d (size 0x%x); move it or enlarge the BAR"),
  MSIX_OVERLAP("MSI-X %s [0x%x..0x%x) overlaps %s in BAR%d; move one of them"),
  MSIX_IO_BAR("MSI-X %s is in I/O BAR%d; put it in a memory BAR"),
  PRI_WITHOUT_ATS("@Pri needs @Ats: the Page Request Interface works on ATS translations; add @Ats"),
  PASID_WIDTH("PASID width %d is not in 1..20; use a width from 1 to 20"),
  ATS_GLOBAL_WITHOUT_PASID("ATS globalInvalidate = true needs @Pasid: global invalidations address all PASIDs; add @Pasid or set globalInvalidate = false"),
  ATS_QUEUE_DEPTH("ATS invalidateQueueDepth %d is not in 0..31; use 0..31 (0 means 32)"),
  PCIE_MAX_PAYLOAD("maxPayload %d is not one of 128, 256, 512, 1024, 2048, 4096"),
  PCIE_LINK("%s %d is not supported; use %s"),
  VENDOR_TOO_LONG("vendor capability data is %d bytes; at most 249 bytes fit after the 3-byte header"),
  PM_PME_SUPPORT("pmeSupport 0x%x has bits above the five PME_Support bits; use 0x0..0x1f");

  private final String template;

  Message(String template) {
    this.template = template;
  }

  /** The message with its arguments filled in. */
  public String format(Object... args) {
    return String.format(Locale.ROOT, template, args);
  }

  /** The raw template (for the documentation). */
  public String template() {
    return template;
  }
}
