# edu: identity and capabilities as lspci shows them, then the test driver in INTx and MSI mode.
. /vfu4j/tests/lib.sh
f=$(pci_function 0x1234 0x11e8) || { result edu.found 0; exit 1; }
result edu.found 1
result edu.class "$(cat "$f/class")"
result edu.revision "$(cat "$f/revision")"
result edu.subsystem "$(cat "$f/subsystem_vendor"):$(cat "$f/subsystem_device")"
result edu.irq_pin "$(setpci -s "$(basename "$f")" INTERRUPT_PIN)"
lspci_checks edu "$(basename "$f")"
dmesg -c >/dev/null
for mode in intx msi; do
  modprobe vfu4j_edu irq_mode=$mode || result "edu.$mode.load" failed
  kernel_results
  rmmod vfu4j_edu
done
