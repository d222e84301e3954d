# copy-iommu: the copy-engine behind a vIOMMU (QEMU's intel-iommu or virtio-iommu, passthrough
# off): the test driver's streaming DMA mappings, IOVA against guest-physical addresses,
# remapping and copies to unmapped IOVAs.
. /vfu4j/tests/lib.sh
f=$(pci_function 0x1234 0xce01) || { result copy.found 0; exit 1; }
result copy.found 1
slot=$(basename "$f")
# virtio-iommu (1af4:1057) is a module and must be loaded before the test driver binds. The
# copy-engine has no IOMMU group yet after that: the VIOT table names it, and the kernel probes
# its IOMMU when a driver binds (pci_dma_configure -> acpi_dma_configure_id -> VIOT ->
# iommu_probe_device), so the driver below gets a translated DMA domain without a rescan.
# (pci_function runs in $(...): its loop variable would overwrite $f.)
if [ -n "$(pci_function 0x1af4 0x1057)" ]; then
  result copy.iommu.kind virtio
  modprobe virtio_iommu || result copy.iommu.virtio_load failed
elif [ -d /sys/class/iommu/dmar0 ]; then
  result copy.iommu.kind intel
else
  result copy.iommu.kind none
fi
result copy.iommu.devices "$(ls /sys/class/iommu | tr '\n' ' ' | sed 's/ $//')"
lspci_checks copy.iommu "$slot"
copy_driver iommu "$f"
rc=$?
group=$(basename "$(readlink "$f/iommu_group" 2>/dev/null)" 2>/dev/null)
result copy.iommu.group "${group:-none}"
result copy.iommu.group_type "$(cat "/sys/kernel/iommu_groups/$group/type" 2>/dev/null || echo none)"
rmmod vfu4j_copy
exit $rc
