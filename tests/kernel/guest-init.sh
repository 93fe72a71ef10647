#!/usr/bin/env bash
# Runs inside the kernel rig's guest (scripts/kernel-rig.sh run): prepares
# configfs, gpio-sim, uinput and a private D-Bus, describes them in the
# environment, then runs CMD and exits with its status.
#
# Set by scripts/kernel-rig.sh: KERNEL_RIG_MODULE (path of gpiosim.ko),
# KERNEL_RIG_REPO, KERNEL_RIG_KERNEL, KERNEL_RIG_BOOT_START (host time the
# boot began).
#
# Exported for CMD:
#   KERNEL_RIG_CHIP          /dev/gpiochipN of the simulated chip
#   KERNEL_RIG_CHIP_NAME     gpiochipN
#   KERNEL_RIG_CHIP_LABEL    the chip's label (rig-bank0)
#   KERNEL_RIG_SIM_DIR       /sys/devices/platform/gpio-sim.0/gpiochipN:
#                            sim_gpio<offset>/value (read what a program
#                            drives) and sim_gpio<offset>/pull (write
#                            pull-up/pull-down to drive an input)
#   KERNEL_RIG_LINES         line names in offset order, space-separated
#   KERNEL_RIG_LINE_<NAME>   offset of the line NAME (e.g. KERNEL_RIG_LINE_DOOR1=6)
#   KERNEL_RIG_CONFIGFS      /sys/kernel/config/gpio-sim/rig (configfs dir)
#   KERNEL_RIG_DBUS_ADDRESS  address of a private bus (also
#                            DBUS_SESSION_BUS_ADDRESS and
#                            DBUS_SYSTEM_BUS_ADDRESS), unless KERNEL_RIG_DBUS=0
#   KERNEL_RIG_TMP           a scratch folder (tmpfs)
#   KERNEL_RIG_DISK_DEV      /dev/vdX, the disk image attached with
#                            KERNEL_RIG_DISK (scripts/kernel-rig.sh), if any
#
# KERNEL_RIG_GPIO_LINES overrides the line names (space-separated).
set -euo pipefail

t_start=$(date +%s.%N)
# Without udev in the guest, vng runs the command on the console; keep its
# tty from turning each newline into CR LF.
if [ -t 1 ]; then stty -onlcr <&1 2>/dev/null || true; fi
say() { printf 'guest-init: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 97; }
# Any failure before CMD runs is reported as 97 (the host reads the status
# from KERNEL_RIG_STATUS: vng's own is unreliable, see scripts/kernel-rig.sh).
report() {
  [ -n "${KERNEL_RIG_STATUS:-}" ] && echo "$1" >"$KERNEL_RIG_STATUS" && sync
}
trap 'rc=$?; [ "$rc" = 0 ] || say "set-up failed ($rc)"; report 97' EXIT

# The host shows the console from this line on.
say "starting"
[ $# -gt 0 ] || die "usage: guest-init.sh CMD [ARGS...]"
[ -n "${KERNEL_RIG_MODULE:-}" ] || die "KERNEL_RIG_MODULE is not set (run through scripts/kernel-rig.sh run)"

# Modules come from the shared root file system (/lib/modules/<6.1>).
# gpiosim.ko needs configfs loaded first ("Unknown symbol" otherwise).
# Without udev nothing loads evdev: no /dev/input/event* without it.
# (Each process start costs ~0.1-0.3 s under TCG: few of them.)
modprobe -a configfs uinput evdev
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
if ! grep -q '^gpiosim ' /proc/modules; then
  insmod "$KERNEL_RIG_MODULE"
fi
[ -c /dev/uinput ] || die "/dev/uinput missing after modprobe uinput"

# Relays on GPIO17/GPIO27 (as in examples/latchd-system.toml), two spare
# outputs, exit buttons and door contacts.
read -r -a lines <<<"${KERNEL_RIG_GPIO_LINES:-GPIO17 GPIO27 GPIO22 GPIO23 EXIT1 EXIT2 DOOR1 DOOR2}"
cfg=/sys/kernel/config/gpio-sim/rig
dirs=("$cfg" "$cfg/bank0")
for i in "${!lines[@]}"; do dirs+=("$cfg/bank0/line$i"); done
mkdir -p "${dirs[@]}"
echo "${#lines[@]}" >"$cfg/bank0/num_lines"
echo rig-bank0 >"$cfg/bank0/label"
for i in "${!lines[@]}"; do echo "${lines[$i]}" >"$cfg/bank0/line$i/name"; done
echo 1 >"$cfg/live"

dev_name=$(cat "$cfg/dev_name")            # gpio-sim.0
chip_name=$(cat "$cfg/bank0/chip_name")    # gpiochipN
sim_dir=/sys/devices/platform/$dev_name/$chip_name
[ -c "/dev/$chip_name" ] || die "/dev/$chip_name did not appear"
[ -d "$sim_dir/sim_gpio0" ] || die "$sim_dir/sim_gpio0 missing"

export KERNEL_RIG_CHIP=/dev/$chip_name
export KERNEL_RIG_CHIP_NAME=$chip_name
export KERNEL_RIG_CHIP_LABEL
KERNEL_RIG_CHIP_LABEL=$(cat "$cfg/bank0/label")
export KERNEL_RIG_SIM_DIR=$sim_dir
export KERNEL_RIG_CONFIGFS=$cfg
export KERNEL_RIG_LINES="${lines[*]}"
for i in "${!lines[@]}"; do
  name=${lines[$i]}
  export "KERNEL_RIG_LINE_${name//[^A-Za-z0-9_]/_}=$i"
done

export KERNEL_RIG_TMP
KERNEL_RIG_TMP=$(mktemp -d /tmp/kernel-rig.XXXXXX)

if [ -n "${KERNEL_RIG_DISK_SERIAL:-}" ]; then
  # The disk of KERNEL_RIG_DISK, found by the serial the rig gave it. No
  # udev: devtmpfs makes the node.
  modprobe virtio_blk
  for _ in $(seq 100); do
    for b in /sys/block/vd*; do
      if [ "$(cat "$b/serial" 2>/dev/null)" = "$KERNEL_RIG_DISK_SERIAL" ]; then
        export KERNEL_RIG_DISK_DEV=/dev/${b##*/}
      fi
    done
    [ -n "${KERNEL_RIG_DISK_DEV:-}" ] && [ -b "$KERNEL_RIG_DISK_DEV" ] && break
    sleep 0.05
  done
  [ -b "${KERNEL_RIG_DISK_DEV:-}" ] || die "no disk with serial $KERNEL_RIG_DISK_SERIAL"
fi

dbus_pid=
if [ "${KERNEL_RIG_DBUS:-1}" = 1 ] && command -v dbus-daemon >/dev/null; then
  # A session-type bus (no policy beyond same-uid) on a socket in tmpfs.
  cat >"$KERNEL_RIG_TMP/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$KERNEL_RIG_TMP/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
  dbus-daemon --config-file="$KERNEL_RIG_TMP/bus.conf" --nofork --nopidfile \
    --print-address=3 3>"$KERNEL_RIG_TMP/bus.address" &
  dbus_pid=$!
  for _ in $(seq 100); do [ -s "$KERNEL_RIG_TMP/bus.address" ] && break; sleep 0.05; done
  [ -s "$KERNEL_RIG_TMP/bus.address" ] || die "private dbus-daemon did not start"
  export KERNEL_RIG_DBUS_ADDRESS
  KERNEL_RIG_DBUS_ADDRESS=$(head -n 1 "$KERNEL_RIG_TMP/bus.address")
  export DBUS_SESSION_BUS_ADDRESS=$KERNEL_RIG_DBUS_ADDRESS
  export DBUS_SYSTEM_BUS_ADDRESS=$KERNEL_RIG_DBUS_ADDRESS
fi

t_ready=$(date +%s.%N)
uptime_s=$(cut -d' ' -f1 /proc/uptime)
if [ -n "${KERNEL_RIG_BOOT_START:-}" ]; then
  # Host and guest clocks: the guest's RTC comes from the host, to the second.
  boot_to_cmd=$(awk -v a="$KERNEL_RIG_BOOT_START" -v b="$t_ready" 'BEGIN{printf "%.1f", b-a}')
else
  boot_to_cmd=?
fi
say "ready: $KERNEL_RIG_CHIP ($KERNEL_RIG_CHIP_LABEL, ${#lines[@]} lines: $KERNEL_RIG_LINES)"
say "sysfs: $KERNEL_RIG_SIM_DIR/sim_gpio<offset>/{value,pull}"
say "kernel $(uname -r), guest uptime ${uptime_s} s, setup in guest $(awk -v a="$t_start" -v b="$t_ready" 'BEGIN{printf "%.1f", b-a}') s, host boot start to command ~${boot_to_cmd} s"

trap - EXIT
set +e
"$@"
rc=$?
set -e

if [ -n "$dbus_pid" ]; then
  kill "$dbus_pid" 2>/dev/null || true
  wait "$dbus_pid" 2>/dev/null || true
fi
say "command exited $rc"
report "$rc" || true
exit "$rc"
