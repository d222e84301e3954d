# gpio-pci-idio-16: Linux's own driver binds; outputs written and read back; inputs changed from
# the device side (the host test drives the sample's control socket when it sees VFU4J-WAIT) and
# read with gpioget; the input change reaches gpiomon through the driver's interrupt handler.
. /vfu4j/tests/lib.sh
f=$(pci_function 0x494f 0x0dc8) || { result gpio.found 0; exit 1; }
result gpio.found 1
lspci_checks gpio "$(basename "$f")"
modprobe gpio-pci-idio-16 || result gpio.load failed
result gpio.driver "$(basename "$(readlink "$f/driver")")"
chip=$(basename "$(ls -d "$f"/gpiochip* | head -n 1)")
result gpio.chip "$(gpiodetect | grep "^$chip " | sed 's/^[^ ]* //')"

# bits VALUE FIRST: "FIRST=b0 FIRST+1=b1 ..." for 16 lines.
bits() {
  i=0
  while [ $i -lt 16 ]; do
    printf '%d=%d ' $(($2 + i)) $((($1 >> i) & 1))
    i=$((i + 1))
  done
}
# value FIRST: the 16 lines from FIRST read with gpioget, as a hex number.
value() {
  v=0
  i=0
  for b in $(gpioget --numeric -a -c "$chip" $(seq "$1" $(($1 + 15)))); do
    v=$((v | (b << i)))
    i=$((i + 1))
  done
  printf '0x%04x' $v
}

for pattern in 0xa5c3 0x5a3c 0xffff 0x0000 0x8001; do
  gpioset -c "$chip" -t0 $(bits $pattern 0)
  result "gpio.outputs.$pattern" "$(value 0)"
done
result gpio.inputs.before "$(value 16)"

gpiomon -c "$chip" --num-events=1 -F '%e %o' 16 >/tmp/events 2>&1 &
monitor=$!
sleep 1
echo "VFU4J-WAIT gpio.inputs"
waited=0
while kill -0 $monitor 2>/dev/null && [ $waited -lt 100 ]; do
  sleep 0.1
  waited=$((waited + 1))
done
kill $monitor 2>/dev/null
result gpio.irq.event "$(head -n 1 /tmp/events)"
result gpio.inputs.after "$(value 16)"
irq=$(cat "$f/irq")
result gpio.irq.count "$(awk -v irq="$irq:" '$1 == irq { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n }' /proc/interrupts)"
