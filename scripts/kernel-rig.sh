#!/usr/bin/env bash
# Kernel test rig: a Debian bookworm kernel booted under QEMU (TCG, no KVM)
# with virtme-ng, the host's root file system shared read-only, gpio-sim
# (built out of tree: Debian's kernel has CONFIG_GPIO_SIM off) and uinput.
#
#   scripts/kernel-rig.sh setup          install packages, build gpiosim.ko
#   scripts/kernel-rig.sh run CMD...     boot once, run CMD via
#                                        tests/kernel/guest-init.sh, return
#                                        its exit status
#   scripts/kernel-rig.sh info           print the kernel and cache paths
#
# Environment:
#   KERNEL_RIG_CACHE       cache folder (default: <repo>/target/kernel-rig)
#   KERNEL_RIG_MEMORY      guest memory (default: 1G)
#   KERNEL_RIG_CPUS        guest CPUs (default: 2)
#   KERNEL_RIG_RWDIRS      space-separated host folders the guest may write
#                          (default: the repository); the rest of the root
#                          is read-only or a throw-away overlay
#   KERNEL_RIG_TIMEOUT     seconds before the guest is killed (default: 1800)
#   KERNEL_RIG_PASS_ENV    names of host variables to pass to CMD
#   KERNEL_RIG_GUEST_PATH  PATH in the guest (default: system folders and
#                          ~/.cargo/bin)
#   KERNEL_RIG_GPIO_LINES  names of the simulated lines (guest-init.sh)
#   KERNEL_RIG_DBUS=0      no private dbus-daemon in the guest
#   KERNEL_RIG_DISK        a raw disk image to attach as a virtio-blk disk
#                          with the host's page cache off (cache=none); the
#                          guest finds its device in KERNEL_RIG_DISK_DEV
#   KERNEL_RIG_PIDFILE     QEMU writes its pid there (to cut the power:
#                          kill -KILL "$(cat FILE)")
#   KERNEL_RIG_VERBOSE=1   show the whole console, kernel messages included
#   KERNEL_RIG_VIRTME_NG_VERSION  virtme-ng from PyPI (default: 1.42)
#
# Exit status of run: CMD's; 124 timed out; 125 the guest gave no status
# (boot failure, panic; the console is in <cache>/run/console.log); 143
# interrupted; 97 guest-init.sh failed before CMD.
#
# See tests/kernel/README.md.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${KERNEL_RIG_CACHE:-$REPO/target/kernel-rig}
VENV=$CACHE/venv
MODDIR=$CACHE/gpiosim
VNG=$VENV/bin/vng

# Debian packages. qemu-system-x86: the emulator. linux-image-amd64 and
# linux-headers-amd64: bookworm's 6.1 kernel and the headers to build
# against it. linux-source-6.1: the source of gpio-sim.c and irq_sim.c.
# gpiod: gpiodetect/gpioinfo/gpioget/gpioset. dbus-daemon: a private bus in
# the guest. busybox-static: virtme-ng's initramfs (Debian's kernel has 9p
# and virtio as modules, loaded before the root file system is mounted).
# python3-venv: for virtme-ng's venv. make, gcc: the module build.
APT_PACKAGES=(
  qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-source-6.1
  gpiod dbus-daemon busybox-static python3-venv make gcc xz-utils
)
VIRTME_NG_VERSION=${KERNEL_RIG_VIRTME_NG_VERSION:-1.42}

log() { printf 'kernel-rig: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The installed Debian kernel's release (e.g. 6.1.0-56-amd64), read from
# dpkg, never from `uname -r`: the host runs a kernel of its own.
kernel_release() {
  local dep
  dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null) || true
  dep=${dep%%[ ,(]*}
  if [ -n "$dep" ] && [ -e "/boot/vmlinuz-${dep#linux-image-}" ]; then
    echo "${dep#linux-image-}"
    return
  fi
  # Fall back to the newest 6.1 image in /boot.
  local k
  k=$(ls -1 /boot/vmlinuz-6.1.* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1)
  [ -n "$k" ] || die "no Debian 6.1 kernel in /boot; run: $0 setup"
  echo "$k"
}

cmd_setup() {
  local t0 t1
  t0=$(date +%s)
  export DEBIAN_FRONTEND=noninteractive
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo

  log "apt-get update"
  $sudo apt-get update -qq

  local missing=()
  local p
  for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  # The kernel image needs an initramfs tool. initramfs-tools, apt's first
  # pick, brings udev, and a udev on the shared root makes every guest boot
  # ~20 s slower (coldplug under TCG). tiny-initramfs brings no udev; it
  # conflicts with the other tools, so it is only taken where none is.
  local tools
  tools=$(dpkg-query -W -f='${Status}\n' initramfs-tools dracut tiny-initramfs 2>/dev/null || true)
  grep -q 'install ok installed' <<<"$tools" || missing+=(tiny-initramfs)
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    # INITRD=No: initramfs-tools' kernel hook skips building an initramfs;
    # vng makes its own.
    $sudo env INITRD=No apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "Debian packages already installed: ${APT_PACKAGES[*]}"
  fi

  if [ -x /lib/systemd/systemd-udevd ] || [ -x /usr/lib/systemd/systemd-udevd ]; then
    log "note: udev is installed on this host; the guest runs its coldplug, 10-20 s more per boot"
  fi

  local kver
  kver=$(kernel_release)
  log "kernel: /boot/vmlinuz-$kver"
  if [ ! -d "/lib/modules/$kver/build" ]; then
    # linux-headers-amd64 can point at another ABI than the image installed
    # earlier: take the headers of the image itself.
    log "apt-get install linux-headers-$kver"
    $sudo apt-get install -y -qq --no-install-recommends "linux-headers-$kver" >/dev/null
  fi
  [ -d "/lib/modules/$kver/build" ] || die "no headers at /lib/modules/$kver/build"

  mkdir -p "$CACHE"
  if [ "$("$VNG" --version 2>/dev/null || true)" = "virtme-ng $VIRTME_NG_VERSION" ]; then
    log "virtme-ng $VIRTME_NG_VERSION already in $VENV"
  else
    log "pip install virtme-ng==$VIRTME_NG_VERSION into $VENV"
    # Debian's python3, not whatever python3 comes first on PATH.
    /usr/bin/python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "virtme-ng==$VIRTME_NG_VERSION"
  fi

  build_gpiosim "$kver"
  t1=$(date +%s)
  log "setup done in $((t1 - t0)) s"
  cmd_info
}

build_gpiosim() {
  local kver=$1
  local ko=$MODDIR/gpiosim.ko
  if [ -f "$ko" ] && [ "$(cat "$MODDIR/.kernel" 2>/dev/null)" = "$kver" ] &&
     [ "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" = "$kver" ]; then
    log "gpiosim.ko for $kver already built: $ko"
    return
  fi
  local src
  src=$(ls -1 /usr/src/linux-source-6.1.tar.xz 2>/dev/null) || die "no /usr/src/linux-source-6.1.tar.xz"
  log "building gpiosim.ko for $kver from $src"
  rm -rf "$MODDIR"
  mkdir -p "$MODDIR/src"
  # Unpack only the three files needed.
  tar -xJf "$src" -C "$MODDIR/src" --strip-components=1 --wildcards \
    '*/drivers/gpio/gpio-sim.c' '*/drivers/gpio/gpiolib.h' '*/kernel/irq/irq_sim.c'
  local b=$MODDIR/build
  mkdir -p "$b"
  cp "$MODDIR/src/drivers/gpio/gpio-sim.c" "$MODDIR/src/drivers/gpio/gpiolib.h" \
     "$MODDIR/src/kernel/irq/irq_sim.c" "$b/"
  # irq_to_desc is not exported to modules; generic_handle_irq does the
  # same for a simple irq and is.
  grep -q 'handle_simple_irq(irq_to_desc(' "$b/irq_sim.c" ||
    die "irq_sim.c has no handle_simple_irq(irq_to_desc(...)) call to patch"
  sed -i 's/handle_simple_irq(irq_to_desc(\([^)]*\)))/generic_handle_irq(\1)/' "$b/irq_sim.c"
  grep -q 'irq_to_desc' "$b/irq_sim.c" && die "irq_sim.c still calls irq_to_desc after the patch"
  cat >"$b/Makefile" <<'EOF'
obj-m += gpiosim.o
gpiosim-y := gpio-sim.o irq_sim.o
EOF
  make -s -C "/lib/modules/$kver/build" M="$b" -j"$(nproc)" modules >"$MODDIR/build.log" 2>&1 || {
    cat "$MODDIR/build.log" >&2
    die "module build failed"
  }
  cp "$b/gpiosim.ko" "$ko"
  echo "$kver" >"$MODDIR/.kernel"
  log "built $ko ($(modinfo -F vermagic "$ko"))"
}

cmd_info() {
  local kver
  kver=$(kernel_release)
  echo "kernel:     /boot/vmlinuz-$kver"
  echo "modules:    /lib/modules/$kver"
  echo "gpiosim.ko: $MODDIR/gpiosim.ko"
  echo "vng:        $VNG ($("$VNG" --version 2>/dev/null || echo missing))"
  echo "qemu:       $(qemu-system-x86_64 --version 2>/dev/null | head -n 1 || echo missing)"
}

cmd_run() {
  [ $# -gt 0 ] || die "usage: $0 run CMD [ARGS...]"
  local kver
  kver=$(kernel_release)
  [ -x "$VNG" ] || die "virtme-ng missing; run: $0 setup"
  [ -f "$MODDIR/gpiosim.ko" ] || die "gpiosim.ko missing; run: $0 setup"
  [ "$(cat "$MODDIR/.kernel" 2>/dev/null)" = "$kver" ] || die "gpiosim.ko is not for $kver; run: $0 setup"

  # The guest reports CMD's exit status in a file: without udev in the guest
  # there are no /dev/virtio-ports links, vng falls back to the console and
  # its own exit status is always 255.
  local rundir status
  rundir=$CACHE/run
  mkdir -p "$rundir"
  status=$(mktemp "$rundir/status.XXXXXX")
  rm -f "$status"
  local rwdirs=() d under=0
  for d in ${KERNEL_RIG_RWDIRS:-$REPO}; do
    rwdirs+=("$(cd "$d" && pwd)")
    case $rundir/ in "${rwdirs[-1]}"/*) under=1 ;; esac
  done
  [ $under = 1 ] || rwdirs+=("$rundir")

  # The command line the guest runs, quoted for its shell. The guest does
  # not inherit the host's environment: it gets a system PATH (plus cargo's
  # bin folder), the rig's settings and any variables named in
  # KERNEL_RIG_PASS_ENV. Not the host's PATH: pyenv's shims there take
  # seconds per python3 start under TCG and can hang on the read-only root.
  local guest_cmd q v guest_path
  guest_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  [ -d "${CARGO_HOME:-$HOME/.cargo}/bin" ] && guest_path+=:${CARGO_HOME:-$HOME/.cargo}/bin
  guest_cmd="cd $(printf %q "$PWD") && exec env"
  guest_cmd+=" PATH=$(printf %q "${KERNEL_RIG_GUEST_PATH:-$guest_path}")"
  [ -z "${KERNEL_RIG_DISK:-}" ] || guest_cmd+=" KERNEL_RIG_DISK_SERIAL=kernel-rig-disk"
  for v in ${KERNEL_RIG_PASS_ENV:-} KERNEL_RIG_GPIO_LINES KERNEL_RIG_DBUS; do
    [ -n "${!v+x}" ] && guest_cmd+=" $v=$(printf %q "${!v}")"
  done
  guest_cmd+=" KERNEL_RIG_REPO=$(printf %q "$REPO")"
  guest_cmd+=" KERNEL_RIG_MODULE=$(printf %q "$MODDIR/gpiosim.ko")"
  guest_cmd+=" KERNEL_RIG_KERNEL=$(printf %q "$kver")"
  guest_cmd+=" KERNEL_RIG_STATUS=$(printf %q "$status")"
  guest_cmd+=" KERNEL_RIG_BOOT_START=$(date +%s.%N)"
  guest_cmd+=" $(printf %q "$REPO/tests/kernel/guest-init.sh")"
  for q in "$@"; do guest_cmd+=" $(printf %q "$q")"; done

  # --force-9p: without KVM there is no microvm and so no gain from
  # virtio-fs; bookworm has only the C virtiofsd, which vng rejects after
  # ~3 s of retries per shared folder.
  local args=(--run "/boot/vmlinuz-$kver" --user root --disable-kvm --force-9p
              --memory "${KERNEL_RIG_MEMORY:-1G}" --cpus "${KERNEL_RIG_CPUS:-2}")
  for d in "${rwdirs[@]}"; do args+=(--rwdir "$d"); done
  # Without udev in the guest, vng runs the command on the serial console,
  # which it sends to /dev/null unless --verbose: use --verbose and keep the
  # kernel quiet (loglevel=1 still lets a panic through). edd=off and
  # nokaslr silence the boot stub's messages.
  args+=(--verbose)
  [ "${KERNEL_RIG_VERBOSE:-0}" = 1 ] || args+=(--append "quiet loglevel=1 edd=off nokaslr")
  # Options for QEMU itself. vng splices --qemu-opts into a shell command
  # line, so each word is quoted for that shell.
  local qemu=()
  if [ -n "${KERNEL_RIG_DISK:-}" ]; then
    local disk
    disk=$(cd "$(dirname "$KERNEL_RIG_DISK")" && pwd)/$(basename "$KERNEL_RIG_DISK")
    [ -f "$disk" ] || die "KERNEL_RIG_DISK: no file $disk"
    case $disk in *,*) die "KERNEL_RIG_DISK: QEMU cannot take a path with a comma: $disk" ;; esac
    # vng's own --disk leaves QEMU's default cache=writeback, where the
    # image's writes sit in the host's page cache. cache=none opens the
    # image with O_DIRECT (no host page cache) and shows the guest a
    # volatile write cache, so the guest's kernel sends flushes as to a real
    # disk and QEMU turns each into an fdatasync of the image; directsync
    # would show a write-through disk and the guest would send no flushes at
    # all. Killing QEMU then loses what the guest had not written to the
    # disk yet (its page cache, requests in flight), as a power cut does.
    # Writes QEMU had completed stay in the image: a disk's own cache losing
    # written but unflushed blocks is not modelled. aio=threads (QEMU's
    # default) works on any host file system and under any seccomp profile;
    # aio=native would bring nothing where the emulated CPU is the
    # bottleneck.
    qemu+=(-drive "if=none,id=rigdisk,format=raw,file=$disk,cache=none,aio=threads"
           -device "virtio-blk-pci,drive=rigdisk,serial=kernel-rig-disk")
  fi
  [ -z "${KERNEL_RIG_PIDFILE:-}" ] || qemu+=(-pidfile "$KERNEL_RIG_PIDFILE")
  for q in "${qemu[@]}"; do args+=("--qemu-opts=$(printf %q "$q")"); done

  log "booting $kver under QEMU (TCG): $*"
  local t0 rc vng_rc fifo console_log vng_pid filter_pid
  t0=$(date +%s.%N)
  # QEMU writes the console into a pipe: it reopens its standard output,
  # and into a plain file it would write over the lines around it. The whole
  # console goes to a log; the terminal gets the guest's output from
  # guest-init's first line on, without the kernel's boot messages.
  console_log=$rundir/console.log
  fifo=$(mktemp -u "$rundir/console.XXXXXX")
  mkfifo "$fifo"
  awk -v verbose="${KERNEL_RIG_VERBOSE:-0}" -v logfile="$console_log" '
    { print > logfile; fflush(logfile); sub(/\r$/, "") }
    verbose == 1 { print; fflush(); next }
    !started && /^guest-init: / { started = 1 }
    !started { next }
    /^\[ *[0-9]+\.[0-9]+\] reboot: Power down$/ { next }
    { print; fflush() }' <"$fifo" &
  filter_pid=$!
  # No standard input: vng would otherwise wire the terminal to the guest.
  # timeout runs in a process group of its own: end it with the rig.
  PATH=$VENV/bin:$PATH timeout --kill-after=10 "${KERNEL_RIG_TIMEOUT:-1800}" \
    "$VNG" "${args[@]}" --exec "$guest_cmd" </dev/null >"$fifo" 2>&1 &
  vng_pid=$!
  local interrupted=0
  trap 'interrupted=1; kill -TERM -- "-$vng_pid" 2>/dev/null; kill -TERM "$vng_pid" 2>/dev/null' INT TERM HUP
  set +e
  wait "$vng_pid"
  vng_rc=$?
  wait "$filter_pid"
  set -e
  trap - INT TERM HUP
  rm -f "$fifo"
  if [ "$interrupted" = 1 ]; then
    log "interrupted; the guest was stopped"
    rc=143
  elif [ -s "$status" ]; then
    rc=$(cat "$status")
  elif [ "$vng_rc" = 124 ]; then
    log "timed out after ${KERNEL_RIG_TIMEOUT:-1800} s; the console's last lines ($console_log):"
    tail -n 30 "$console_log" | tr -d '\r' >&2
    rc=124
  else
    log "the guest reported no exit status (vng exited $vng_rc); the console's last lines ($console_log):"
    tail -n 30 "$console_log" | tr -d '\r' >&2
    rc=125
  fi
  rm -f "$status"
  log "guest exited $rc after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
  return "$rc"
}

case ${1:-} in
  setup) shift; cmd_setup "$@" ;;
  run) shift; cmd_run "$@" ;;
  info) shift; cmd_info ;;
  *) echo "usage: $0 setup | run CMD [ARGS...] | info" >&2; exit 2 ;;
esac
