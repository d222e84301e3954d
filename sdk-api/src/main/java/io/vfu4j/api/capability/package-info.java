/**
 * Capability annotations, placed on the device class. Standard capabilities are laid out from
 * config offset 0x40 and extended ones (PCI Express only) from 0x100, in a fixed order, so their
 * offsets are stable across builds: PM, MSI, MSI-X, PCIe, vendor-specific; then AER, DSN, ATS,
 * PRI, PASID.
 */
package io.vfu4j.api.capability;
