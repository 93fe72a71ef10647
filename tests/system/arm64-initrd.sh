#!/usr/bin/env bash
# Makes the arm64 guest's initramfs: busybox and the modules that reach the
# root disk (virtio PCI, virtio-blk, ext4), from Debian's arm64 kernel and
# busybox-static unpacked in KDIR. Debian's own initramfs would be made
# under emulation, which takes minutes.
#   tests/system/arm64-initrd.sh KDIR KVER OUT
set -euo pipefail
kdir=$1 kver=$2 out=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/mods"
cp "$kdir/bin/busybox" "$tmp/bin/"
# One module a call (further names would be taken as its parameters);
# crc32c is ext4's soft dependency, needed to mount.
for want in virtio_pci virtio_blk crc32c ext4; do
  modprobe -d "$kdir" -S "$kver" --show-depends "$want" | awk '$1 == "insmod" { print $2 }'
done | while read -r m; do
  [ -f "$tmp/mods/${m##*/}" ] && continue
  cp "$m" "$tmp/mods/"
  echo "${m##*/}" >>"$tmp/mods/order"
done
cat >"$tmp/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /mods/order); do insmod "/mods/$m" 2>/dev/null; done
for _ in $(seq 100); do [ -b /dev/vda ] && break; sleep 0.1; done
mount -t ext4 -o rw /dev/vda /newroot || { echo "initramfs: no root disk"; exec sh; }
umount /proc /sys
exec switch_root /newroot /sbin/init
EOF
chmod +x "$tmp/init"
(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
