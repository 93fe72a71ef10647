#!/usr/bin/env bash
# System test: latchd as it ships. A Debian bookworm image (mmdebstrap,
# cached), booted under QEMU with systemd as PID 1 and the real system bus;
# the checkout's .deb installed with apt; gpio-sim lines as the relays and a
# uinput keypad, through the packaged configuration and unit.
#
#   tests/system/run.sh              amd64, the whole test (tests/system/guest.sh)
#   SYSTEM_TEST_ARCH=arm64 tests/system/run.sh    the arm64 package's smoke part
#   SYSTEM_TEST_PREPARE_ONLY=1 ...   only the cached base image and kernel
#
# The packages come from target/debian/ (scripts/build-debs.sh builds them
# when missing, or always with SYSTEM_TEST_BUILD=1). The first boot installs
# the package and reboots; the second runs the checks and powers off. Each
# check prints PASS, FAIL or SKIP; the guest's console is in
# target/system-test/<arch>/console.log. Exits 1 when a check failed or the
# guest did not finish.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
arch=${SYSTEM_TEST_ARCH:-amd64}
work=$repo/target/system-test/$arch
cache=${SYSTEM_TEST_CACHE:-$repo/target/system-test/cache}
say() { printf 'system-test: %s\n' "$*"; }
die() { say "error: $*"; exit 2; }
t0=$SECONDS

case $arch in
  # The results go to a second port: a second serial port on amd64; the
  # arm64 virt machine has one UART, so there a virtio console (hvc0).
  amd64) qemu=qemu-system-x86_64; console=ttyS0; results_tty=ttyS1; limit=${SYSTEM_TEST_TIMEOUT:-900} ;;
  arm64) qemu=qemu-system-aarch64; console=ttyAMA0; results_tty=hvc0; limit=${SYSTEM_TEST_TIMEOUT:-1500} ;;
  *) die "SYSTEM_TEST_ARCH is amd64 or arm64, not $arch" ;;
esac
command -v mmdebstrap >/dev/null || die "mmdebstrap missing (apt-get install mmdebstrap)"
command -v $qemu >/dev/null || die "$qemu missing (apt-get install qemu-system-x86 qemu-system-arm)"

version=$(dpkg-parsechangelog -S Version)
deb=$repo/target/debian/latchd_${version}_$arch.deb
# SYSTEM_TEST_PREPARE_ONLY=1: the base image and the kernel only (cached),
# no package and no boot; CI makes the arm64 ones while it builds packages.
prepare_only=${SYSTEM_TEST_PREPARE_ONLY:-0}
if [ "$prepare_only" != 1 ] && { [ "${SYSTEM_TEST_BUILD:-0}" = 1 ] || [ ! -f "$deb" ]; }; then
  scripts/build-debs.sh "$arch"
fi

# An arm64 image runs its packages' maintainer scripts under user-mode
# emulation: binfmt_misc hands arm64 programs to qemu-aarch64.
if [ "$arch" = arm64 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  mountpoint -q /proc/sys/fs/binfmt_misc || $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  $SUDO update-binfmts --enable qemu-aarch64 2>/dev/null || true
fi

# The base image: Debian's own packages only, cached on its package list.
packages=systemd-sysv,systemd,dbus,dbus-bin,udev,kmod,python3,procps,ca-certificates
key=$(printf '%s %s %s' "$arch" bookworm "$packages" | sha256sum | cut -c1-16)
base=$cache/rootfs-$arch-$key.tar
mkdir -p "$cache"
if [ ! -f "$base" ]; then
  say "building the $arch base image (cached as $base)"
  mmdebstrap --quiet --format=tar --variant=minbase --architectures="$arch" --include="$packages" \
    bookworm "$base.part" http://deb.debian.org/debian
  mv "$base.part" "$base"
fi

# The kernel: the host's Debian kernel for amd64 (the kernel rig's, with its
# gpiosim.ko); for arm64, Debian's arm64 kernel package unpacked.
if [ "$arch" = amd64 ]; then
  kver=$(scripts/kernel-rig.sh info | awk '/^kernel:/ { sub(".*/vmlinuz-", ""); print }')
  kernel=/boot/vmlinuz-$kver
  initrd=/boot/initrd.img-$kver
  modules=/lib/modules/$kver
  gpiosim=$(scripts/kernel-rig.sh info | awk '/^gpiosim.ko:/ { print $2 }')
  [ -f "$gpiosim" ] || die "gpiosim.ko missing: scripts/kernel-rig.sh setup"
else
  # Debian's arm64 kernel and busybox, unpacked; the initramfs is made here
  # (tests/system/arm64-initrd.sh). That kernel has no gpio-sim: the relays
  # are lines of the virt machine's own GPIO chip (PL061) and the checks are
  # the smoke part (tests/system/README.md).
  k=$cache/kernel-arm64
  if [ ! -d "$k/boot" ]; then
    say "fetching Debian's arm64 kernel and busybox"
    rm -rf "$k" && mkdir -p "$k/debs"
    image=$(apt-cache depends linux-image-arm64:arm64 | awk '/Depends: linux-image-6/ { sub(":arm64", "", $2); print $2; exit }')
    (cd "$k/debs" && apt-get download "$image:arm64" busybox-static:arm64 2>/dev/null)
    for d in "$k"/debs/*.deb; do dpkg-deb -x "$d" "$k"; done
    depmod -b "$k" "$(ls "$k/lib/modules")"
  fi
  kernel=$(ls "$k"/boot/vmlinuz-* | head -n 1)
  kver=${kernel##*/vmlinuz-}
  modules=$k/lib/modules/$kver
  gpiosim=
  initrd=$cache/initrd-arm64-$kver.img
  [ -f "$initrd" ] || tests/system/arm64-initrd.sh "$k" "$kver" "$initrd"
fi

if [ "$prepare_only" = 1 ]; then
  say "base image and kernel $kver ready ($arch) in $((SECONDS - t0)) s"
  exit 0
fi

say "preparing the disk ($arch, kernel $kver)"
rm -rf "$work" && mkdir -p "$work/root"
tar -C "$work/root" -xf "$base"
root=$work/root
mkdir -p "$root/lib/modules" "$root/opt/systest"
cp -a "$modules" "$root/lib/modules/"
[ -n "$gpiosim" ] && cp "$gpiosim" "$root/opt/systest/gpiosim.ko"
cp "$deb" "$root/opt/systest/"
# The upgrade: the same package under a higher version, so that apt runs
# the upgrade's maintainer scripts (and the service's restart) for real.
up=$work/upgrade
dpkg-deb -R "$deb" "$up"
sed -i "s/^Version: .*/Version: ${version}+systest1/" "$up/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz -b "$up" "$root/opt/systest/latchd_${version}+systest1_$arch.deb" >/dev/null
rm -rf "$up"
cp tests/system/guest.sh tests/kernel/uinput_type.py "$root/opt/systest/"
echo "$arch" >"$root/opt/systest/arch"
echo "$version" >"$root/opt/systest/version"
echo latchd-systest >"$root/etc/hostname"
echo "/dev/vda / ext4 rw 0 1" >"$root/etc/fstab"
# The keypad of the packaged configuration is found by this by-id path, as
# udev names a USB keypad; the test's uinput keypad gets it by this rule.
cat >"$root/etc/udev/rules.d/70-systest-keypad.rules" <<'EOF'
SUBSYSTEM=="input", KERNEL=="event*", ATTRS{name}=="latchd system test keypad", SYMLINK+="input/by-id/usb-KEYPAD-event-kbd"
EOF
# The relay lines GPIO17 and GPIO27 of the packaged configuration, on a
# simulated chip made before latchd starts.
cat >"$root/etc/systemd/system/systest-gpio.service" <<'EOF'
[Unit]
Description=gpio-sim chip with the panel's relay lines
DefaultDependencies=no
After=systemd-udevd.service systemd-modules-load.service
Before=latchd.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/opt/systest/guest.sh gpio
[Install]
WantedBy=multi-user.target
EOF
cat >"$root/etc/systemd/system/systest.service" <<EOF
[Unit]
Description=latchd system test
After=multi-user.target
[Service]
Type=simple
ExecStart=/opt/systest/guest.sh run
StandardOutput=tty
StandardError=tty
TTYPath=/dev/$results_tty
[Install]
WantedBy=multi-user.target
EOF
for unit in systest-gpio systest; do
  ln -s "/etc/systemd/system/$unit.service" "$root/etc/systemd/system/multi-user.target.wants/$unit.service"
done
truncate -s 3G "$work/disk.img"
mkfs.ext4 -q -F -d "$root" "$work/disk.img"
rm -rf "$root"

say "booting ($qemu, TCG; at most $limit s)"
results=$work/results.log
: >"$results"
common=(-m 1024 -smp 2 -display none -monitor none
  -drive "file=$work/disk.img,if=virtio,format=raw,cache=unsafe"
  -serial "file:$work/console.log" -no-user-config -nic none)
if [ "$arch" = amd64 ]; then
  common+=(-serial "file:$results")
else
  common+=(-device virtio-serial-pci -chardev "file,id=results,path=$results"
    -device virtconsole,chardev=results)
fi
append="root=/dev/vda rw console=$console panic=-1"
boot_start=$SECONDS
if [ "$arch" = amd64 ]; then
  timeout "$limit" $qemu "${common[@]}" -kernel "$kernel" -initrd "$initrd" -append "$append" || true
else
  timeout "$limit" $qemu -M virt -cpu cortex-a72 "${common[@]}" -kernel "$kernel" \
    -initrd "$initrd" -append "$append" || true
fi
say "guest ran $((SECONDS - boot_start)) s"

cat "$results" | tr -d '\r'
pass=$(grep -c '^PASS' "$results" || true)
fail=$(grep -c '^FAIL' "$results" || true)
skip=$(grep -c '^SKIP' "$results" || true)
say "$pass passed, $fail failed, $skip skipped in $((SECONDS - t0)) s ($arch)"
if ! grep -q '^systest: finished' "$results"; then
  say "the guest did not finish: see $work/console.log"
  tail -n 30 "$work/console.log" | tr -d '\r'
  exit 1
fi
[ "$fail" = 0 ] || exit 1
