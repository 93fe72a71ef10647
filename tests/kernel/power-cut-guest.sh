#!/usr/bin/env bash
# One boot of the power-cut test, in the kernel rig's guest (run by
# tests/kernel/power-cut.sh, not by hand): mounts the test disk, points
# latchd's [storage] dir at it and runs the guest half of
# tests/kernel/power_cut.rs, which checks and starts latchd, lists what it serves
# and, with POWER_CUT_MODE=load, makes mutations until the host cuts the power.
# POWER_CUT_MODE=final stops latchd with SIGTERM instead, then the file
# system is unmounted and checked with e2fsck.
#
# From the host (KERNEL_RIG_PASS_ENV): POWER_CUT_MODE (load or final),
# POWER_CUT_BOOT, POWER_CUT_CLIENT_SEED, POWER_CUT_CLIENTS, POWER_CUT_BIN
# (the example binary), LATCHD_BIN.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${LATCHD_BIN:-$repo/target/debug/latchd}
tool=${POWER_CUT_BIN:-$repo/target/debug/examples/power_cut}
emit() { "$tool" emit "$1"; }

[ -b "${KERNEL_RIG_DISK_DEV:-}" ] || { echo "power-cut-guest: no disk (KERNEL_RIG_DISK)"; exit 2; }
mnt=$KERNEL_RIG_TMP/disk
mkdir -p "$mnt"
modprobe ext4
# ext4 with its defaults, as on a panel: data=ordered, barriers on. Mounting
# replays the file system's own journal after a cut.
if ! mount -t ext4 "$KERNEL_RIG_DISK_DEV" "$mnt"; then
  emit '{"e":"mount-failed"}'
  exit 1
fi
data=$mnt/latchd
conf=$KERNEL_RIG_TMP/latchd.toml
cat > "$conf" <<CONF
[storage]
dir = "$data"

[panel]
master_code = "1234"
master_card = "12:34:56:78"

[clock]
require_sync = false
CONF

mode=${POWER_CUT_MODE:-load}
args=(guest --config "$conf" --data "$data" --bus "$KERNEL_RIG_DBUS_ADDRESS" --latchd "$bin"
      --boot "${POWER_CUT_BOOT:-0}" --seed "${POWER_CUT_CLIENT_SEED:-0}"
      --clients "${POWER_CUT_CLIENTS:-4}")
if [ "$mode" = load ]; then
  # Runs until the power goes; returning at all is a failure.
  "$tool" "${args[@]}" --load
  exit 1
fi
set +e
"$tool" "${args[@]}"
rc=$?
umount "$mnt"
fsck_out=$(e2fsck -fn "$KERNEL_RIG_DISK_DEV" 2>&1)
fsck=$?
set -e
printf '%s\n' "$fsck_out"
emit "{\"e\":\"fsck\",\"status\":$fsck}"
[ "$rc" = 0 ] && [ "$fsck" = 0 ]
