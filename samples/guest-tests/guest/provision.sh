#!/usr/bin/env bash
# Provisions everything the guest tests need, from Debian packages only, into one cache folder:
#
#   CACHE/root   a Debian 13 (trixie) chroot holding QEMU (qemu-system-x86 from trixie-backports,
#                the first Debian QEMU with the vfio-user client), the guest kernel
#                (linux-image-amd64) with its headers, the tools the guest runs (busybox-static,
#                pciutils, gpiod, kmod) and the compiler for the guest modules.
#
# The host keeps its own system: only debootstrap is installed on it (when missing). QEMU runs
# inside the chroot (see GuestEnvironment), so a Debian 12 host needs nothing newer.
# Idempotent and cheap when done: a stamp names what was installed; a changed list re-runs apt.
#
# Usage: provision.sh CACHE_DIR      (as root: debootstrap and chroot need it)
set -euo pipefail

cache=${1:?usage: provision.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
root="$cache/root"
suite=trixie
packages="linux-image-amd64 linux-headers-amd64 busybox-static pciutils gpiod kmod cpio gcc make libc6-dev xz-utils"
backports="qemu-system-x86"
stamp_text="suite=$suite packages=$packages backports=$backports"

say() { echo "provision: $*" >&2; }
die() { echo "provision: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot); run as root, or skip the guest tests with -Dvfu4j.guest.skip=true"

exec 9>"$cache/.lock"
flock 9

if [ -f "$root/.vfu4j-provisioned" ] && [ "$(cat "$root/.vfu4j-provisioned")" = "$stamp_text" ]; then
  exit 0
fi

# The Debian mirror this host's apt already uses (deb822 .sources or one-line sources.list).
mirror=${VFU4J_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(awk '
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/ && uri != "") { print uri; exit } }
      /^deb[ \t]/ && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; exit } }
    ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -m1 debian || true)
fi
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt; set VFU4J_DEBIAN_MIRROR"

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap on the host"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
fi

if [ ! -x "$root/usr/bin/apt-get" ] || [ ! -f "$root/.vfu4j-bootstrapped" ]; then
  say "debootstrap $suite into $root (from $mirror)"
  rm -rf "$root"
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; die "debootstrap failed (log: $cache/debootstrap.log)"; }
  touch "$root/.vfu4j-bootstrapped"
fi

printf 'deb %s %s main\ndeb %s %s-backports main\n' "$mirror" "$suite" "$mirror" "$suite" \
  >"$root/etc/apt/sources.list"
rm -f "$root/etc/apt/sources.list.d/"*.list "$root/etc/apt/sources.list.d/"*.sources
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

say "installing QEMU, the guest kernel and tools in the chroot"
# QEMU (and the libelf it upgrades) from backports first; then the rest from trixie, with libdw
# taken from backports too so that it matches that libelf. INITRD=No: the kernel package makes no
# initrd, the tests build their own. A private mount namespace: nothing stays mounted afterwards.
unshare --mount --propagation private bash -c '
  set -e
  root=$1
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive INITRD=No bash -c "
    dpkg --configure -a --force-confdef --force-confold &&
    apt-get update -qq &&
    apt-get install -y -qq --no-install-recommends -t $2-backports $3 &&
    apt-get install -y -qq --no-install-recommends $4 libdw1t64/$2-backports"
' _ "$root" "$suite" "$backports" "$packages" >"$cache/apt.log" 2>&1 \
  || { tail -30 "$cache/apt.log" >&2; die "apt-get in the chroot failed (log: $cache/apt.log)"; }

chroot "$root" qemu-system-x86_64 -device help 2>/dev/null | grep -q '"vfio-user-pci"' \
  || die "the chroot's QEMU has no vfio-user-pci device"
echo "$stamp_text" >"$root/.vfu4j-provisioned"
say "done: $(chroot "$root" qemu-system-x86_64 --version | head -1), kernel $(ls "$root/lib/modules")"
