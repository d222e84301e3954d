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
dmesg -c >/dev/null
modprobe vfu4j_copy mode=plain || result copy.plain.load failed
out=$(kernel_results)
echo "$out"
rc=0
echo "$out" | grep -q '^VFU4J copy\.plain\.done=1$' || rc=1
echo "$out" | grep -q '^VFU4J copy\.plain\.failures=0$' || rc=1
# while the driver holds the function: bus mastering and MSI-X on
bound=$(lspci -vv -s "$(basename "$f")")
result copy.plain.bound.bus_master "$(echo "$bound" | sed -n 's/.*Control:.* \(BusMaster[+-]\).*/\1/p')"
result copy.plain.bound.msix "$(echo "$bound" | sed -n 's/.*MSI-X: \(Enable[+-]\).*/\1/p')"
result copy.plain.driver "$(basename "$(readlink "$f/driver")")"
rmmod vfu4j_copy
exit $rc
