# copy: the copy-engine (1234:ce01) as lspci shows it, then the test driver's plain DMA-API
# copies between coherent buffers with MSI-X completions (with or without a vIOMMU).
. /vfu4j/tests/lib.sh
f=$(pci_function 0x1234 0xce01) || { result copy.found 0; exit 1; }
result copy.found 1
result copy.class "$(cat "$f/class")"
result copy.revision "$(cat "$f/revision")"
result copy.irq_pin "$(setpci -s "$(basename "$f")" INTERRUPT_PIN)"
group=$(basename "$(readlink "$f/iommu_group" 2>/dev/null)" 2>/dev/null)
result copy.iommu_group "${group:-none}"
lspci_checks copy "$(basename "$f")"
# Behind virtio-iommu (a module) the driver's probe waits for it: load it first (see copy-iommu.sh).
if [ -n "$(pci_function 0x1af4 0x1057)" ]; then
  modprobe virtio_iommu || result copy.plain.virtio_load failed
fi
copy_driver plain "$f"
rc=$?
rmmod vfu4j_copy
exit $rc
