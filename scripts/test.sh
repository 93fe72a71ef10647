#!/usr/bin/env bash
# Runs every test: unit tests of the domain and access logic, and the
# integration tests against a real private dbus-daemon and the real latchd
# binary. As root, the authorization tests also create real users and groups.
# Ends with one line of totals.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --locked "$@" 2>&1 | tee "$log" || status=$?
awk '/^test result:/ { p += $4; f += $6; s += $8 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
