#!/bin/sh
# Runs inside the provisioned chroot (GuestEnvironment calls it): builds the guest modules against
# the guest kernel's headers and packs the guest's initramfs from the chroot's own Debian
# binaries: busybox (shell and coreutils), lspci/setpci, libgpiod's tools, kmod, the kernel
# modules the tests load, this folder's init and tests.
#
# Usage: build-initramfs.sh SOURCE_DIR OUTPUT_DIR
set -eu
src=$1
out=$2
kver=$(ls /lib/modules | head -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r "$src/modules" "$work/modules"
make -s -C "/lib/modules/$kver/build" M="$work/modules" modules >"$work/make.log" 2>&1 \
  || { cat "$work/make.log" >&2; exit 1; }
grep -i 'warning' "$work/make.log" >&2 || true

ir=$work/root
mkdir -p "$ir/bin" "$ir/lib/x86_64-linux-gnu" "$ir/lib64" "$ir/proc" "$ir/sys" "$ir/dev" \
  "$ir/tmp" "$ir/run" "$ir/lib/modules/$kver/extra" "$ir/vfu4j"
ln -s bin "$ir/sbin"
ln -s . "$ir/usr"   # /usr/bin = /bin, /usr/share = /share, as merged-usr paths expect

cp /bin/busybox "$ir/bin/busybox"
for applet in $("$ir/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$ir/bin/$applet"
done

# A dynamically linked program and the shared libraries it needs, at the paths ldd names.
copy_program() {
  cp -L "$1" "$ir/bin/$(basename "$1")"
  ldd "$1" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' | while read -r lib; do
    mkdir -p "$ir$(dirname "$lib")"
    cp -L "$lib" "$ir$lib"
  done
}
for program in /usr/bin/lspci /usr/bin/setpci /usr/bin/gpioget /usr/bin/gpioset /usr/bin/gpiomon \
    /usr/bin/gpiodetect /usr/bin/gpioinfo /usr/bin/kmod; do
  copy_program "$program"
done
for tool in modprobe insmod rmmod lsmod modinfo depmod; do
  ln -sf kmod "$ir/bin/$tool"
done
mkdir -p "$ir/share/misc"
[ -f /usr/share/misc/pci.ids ] && cp -L /usr/share/misc/pci.ids "$ir/share/misc/"

# Debian's modules the tests load, with their dependencies; then ours.
modprobe -a -S "$kver" --show-depends gpio-pci-idio-16 virtio-iommu | awk '$1 == "insmod" { print $2 }' \
  | while read -r module; do
    mkdir -p "$ir$(dirname "$module")"
    cp "$module" "$ir$module"
  done
cp /lib/modules/"$kver"/modules.order /lib/modules/"$kver"/modules.builtin* "$ir/lib/modules/$kver/"
cp "$work"/modules/*.ko "$ir/lib/modules/$kver/extra/"
depmod -b "$ir" "$kver"

cp "$src/init" "$ir/init"
cp -r "$src/tests" "$ir/vfu4j/tests"
chmod +x "$ir/init" "$ir"/vfu4j/tests/*

mkdir -p "$out"
(cd "$ir" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out/initramfs.gz.tmp"
mv "$out/initramfs.gz.tmp" "$out/initramfs.gz"
cp "/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "initramfs: kernel $kver, $(du -k "$out/initramfs.gz" | cut -f1) KiB"
