# Helpers for the guest test scripts (sourced).

# Prints the kernel log's result lines ("VFU4J key=value", from the test modules) and clears it.
kernel_results() {
  dmesg -c | sed -n 's/^.*\] \(VFU4J .*\)$/\1/p'
}

# result KEY VALUE: one result line.
result() {
  echo "VFU4J $1=$2"
}

# The sysfs folder of the first PCI function with vendor $1 and device $2 (0x-prefixed hex).
pci_function() {
  for _pci_function in /sys/bus/pci/devices/*; do
    if [ "$(cat "$_pci_function/vendor")" = "$1" ] && [ "$(cat "$_pci_function/device")" = "$2" ]; then
      echo "$_pci_function"
      return 0
    fi
  done
  return 1
}

# lspci_checks PREFIX SLOT: decodes the function's config space with lspci -vvv, prints it, and
# reports the capabilities it found and every line lspci marks as unknown or broken.
lspci_checks() {
  out=$(lspci -vvv -s "$2" 2>&1)
  echo "$out" | sed 's/^/lspci: /'
  result "$1.lspci.capabilities" "$(echo "$out" | sed -n 's/^[[:space:]]*Capabilities: \[\([0-9a-f]*\)[^]]*\] \([^:,]*\).*/\1:\2/p' | tr '\n' ';' | tr -s ' ' '_')"
  result "$1.lspci.problems" "$(echo "$out" | grep -c -E '<\?>|Unknown|!!!|cannot|[Ii]nvalid([^a]|$)' || true)"
}
