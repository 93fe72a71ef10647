#!/usr/bin/env bash
# The unit and integration tests, cross-built for aarch64 and run under
# user-mode emulation (qemu-aarch64): the same tests as scripts/test.sh, on
# the architecture of a Raspberry Pi. Tests that start latchd start the
# arm64 binary, so binfmt_misc hands arm64 programs to QEMU (mounted and
# enabled here, as root). Needs what .ci/run installs
# (crossbuild-essential-arm64, libc6:arm64, qemu-user-static, binfmt-support, the rustup
# target aarch64-unknown-linux-gnu). Ends with one line of totals.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
  $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
$SUDO update-binfmts --enable qemu-aarch64 2>/dev/null || true
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
# libc6:arm64 (multiarch) is the arm64 programs' libraries; QEMU's -L prefix
# instead hangs the test binaries here.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64-static
# The SIGKILL crash test is the same logic on both architectures; under
# emulation its 50 cycles took 289 s here, 10 take about one minute.
export LATCHD_CRASH_CYCLES=${LATCHD_CRASH_CYCLES:-10}
exec ./scripts/test.sh --target aarch64-unknown-linux-gnu "$@"
