#!/usr/bin/env bash
# Runs the command behind a published figure and writes what it printed to
# docs/figures/NAME.txt, so that the docs link to the figures a command
# wrote instead of numbers typed again. With no NAME, lists them.
#
#   scripts/figures.sh NAME...
#
# The benchmarks take from minutes (face_match) to an hour (guessing); the
# key-to-relay latency needs the kernel rig (scripts/kernel-rig.sh setup).
# Run them on a quiet machine and commit the files with the change they
# measure. The first lines of each file say how it was made.
set -euo pipefail
cd "$(dirname "$0")/.."

# NAME: the command (run by bash) and a filter that keeps the figures.
command_of() {
  case $1 in
    create_roundtrip) echo "cargo bench --bench create_roundtrip" ;;
    access_under_load) echo "cargo bench --bench access_under_load" ;;
    face_match) echo "cargo bench --bench face_match" ;;
    guessing) echo "cargo bench --bench guessing" ;;
    key_to_relay) echo "cargo build --release --bin latchd --example min_relay && scripts/kernel-rig.sh run tests/kernel/latency.sh" ;;
    crash) echo "cargo test --locked --test lifecycle crash -- --nocapture" ;;
    fuzz) echo "FUZZ_SECONDS=300 FUZZ_PARALLEL=1 scripts/fuzz.sh" ;;
    *) return 1 ;;
  esac
}
filter_of() {
  case $1 in
    key_to_relay) awk '/presses/ { p = 1 } p' ;;
    crash) grep '^crash test:' ;;
    fuzz) awk '/^target +runs/ { p = 1 } p' ;;
    *) cat ;;
  esac
}
NAMES="create_roundtrip access_under_load face_match guessing key_to_relay crash fuzz"

if [ $# = 0 ]; then
  for name in $NAMES; do printf '%-18s %s\n' "$name" "$(command_of "$name")"; done
  exit 0
fi
for name in "$@"; do
  cmd=$(command_of "$name") || { echo "unknown figure: $name (known: $NAMES)" >&2; exit 2; }
  out=docs/figures/$name.txt
  tmp=$(mktemp)
  echo "--- $name: $cmd" >&2
  bash -c "$cmd" | tee /dev/stderr | filter_of "$name" >"$tmp"
  {
    echo "# Written by scripts/figures.sh $name on $(date -u +%Y-%m-%d), $(nproc) cores."
    echo "# Do not edit; run it again to regenerate."
    echo "\$ $cmd"
    cat "$tmp"
  } >"$out"
  rm -f "$tmp"
  echo "--- $name: written to $out" >&2
done
