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

# copy_driver MODE FUNCTION: loads vfu4j_copy with mode=MODE, copies its results to the console,
# reports the bound function's bus mastering, MSI-X and driver; fails unless the driver reported
# done=1 and failures=0. The module stays loaded: the caller removes it.
copy_driver() {
  dmesg -c >/dev/null
  modprobe vfu4j_copy mode="$1" || result "copy.$1.load" failed
  out=$(kernel_results)
  echo "$out"
  status=0
  echo "$out" | grep -q "^VFU4J copy\\.$1\\.done=1\$" || status=1
  echo "$out" | grep -q "^VFU4J copy\\.$1\\.failures=0\$" || status=1
  # while the driver holds the function: bus mastering and MSI-X on
  bound=$(lspci -vv -s "$(basename "$2")")
  result "copy.$1.bound.bus_master" "$(echo "$bound" | sed -n 's/.*Control:.* \(BusMaster[+-]\).*/\1/p')"
  result "copy.$1.bound.msix" "$(echo "$bound" | sed -n 's/.*MSI-X: \(Enable[+-]\).*/\1/p')"
  result "copy.$1.driver" "$(basename "$(readlink "$2/driver")")"
  return $status
}
