#!/usr/bin/env bash
# Key-to-relay latency in the kernel rig: from the kernel's timestamp of the
# submitting key event (Enter) to the relay line being set, over N presses,
# for latchd (keypad, code, decision, relay) and for the smallest program
# that reads one event device and sets one line (examples/min_relay.rs),
# measured in the same guest, one after the other. Run with
#   cargo build --release --bin latchd --example min_relay
#   scripts/kernel-rig.sh run tests/kernel/latency.sh
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
presses=${LATENCY_PRESSES:-200}
tmp=$KERNEL_RIG_TMP/latency
rm -rf "$tmp" && mkdir -p "$tmp"
bus=$KERNEL_RIG_DBUS_ADDRESS

cat > "$tmp/latchd.toml" <<CONF
[storage]
dir = "$tmp/data"
[clock]
require_sync = false
[[lock]]
name = "first"
line = "GPIO17"
open_time_ms = 1
[[input]]
kind = "keypad"
name = "latency keypad"
debounce_ms = 0
CONF

mkfifo "$tmp/keys"
python3 "$repo/tests/kernel/uinput_type.py" "latency keypad" < "$tmp/keys" > /dev/null 2>&1 &
exec 3> "$tmp/keys"
"$repo/target/release/latchd" --config "$tmp/latchd.toml" --bus-address "$bus" > "$tmp/latchd.log" 2>&1 &
latchd=$!
until grep -q "input device connected" "$tmp/latchd.log"; do sleep 0.05; done
busctl --address="$bus" call org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers \
  Create s '{"identifier_owner":{"name":"A","type":"owner"},"identifier_type":"inputCode","identifier_number":"4711","lock":"first"}' > /dev/null
for _ in $(seq "$presses"); do echo 4711 >&3; sleep 0.1; done
sleep 1
kill -TERM "$latchd"; wait "$latchd"
exec 3>&-
grep -o 'latency_us=[0-9]*' "$tmp/latchd.log" | cut -d= -f2 > "$tmp/latchd.us"

# The baseline on a keypad of its own.
mkfifo "$tmp/keys2"
python3 "$repo/tests/kernel/uinput_type.py" "baseline keypad" < "$tmp/keys2" > "$tmp/keypad2.log" 2>&1 &
exec 4> "$tmp/keys2"
until grep -q "keypad ready" "$tmp/keypad2.log"; do sleep 0.05; done
node=$(grep -l "baseline keypad" /sys/class/input/event*/device/name | head -1 | sed 's|/sys/class/input/\(event[0-9]*\)/.*|/dev/input/\1|')
"$repo/target/release/examples/min_relay" "$node" GPIO17 > "$tmp/min.log" 2>&1 &
baseline=$!
sleep 0.5
for _ in $(seq "$presses"); do echo 4711 >&4; sleep 0.1; done
sleep 1
kill "$baseline"
exec 4>&-
grep -o 'latency_us=[0-9]*' "$tmp/min.log" | cut -d= -f2 > "$tmp/min.us"

stats() { sort -n "$1" | awk '{ a[NR] = $1 } END { m = a[int((NR + 1) / 2)]; p = a[int(NR * 0.99 + 0.5)]; printf "%d %d %d\n", NR, m, p }'; }
read -r n1 m1 p1 < <(stats "$tmp/latchd.us")
read -r n2 m2 p2 < <(stats "$tmp/min.us")
printf '%-34s %8s %10s %10s\n' "" presses "median µs" "p99 µs"
printf '%-34s %8d %10d %10d\n' "latchd (keypad, decision, relay)" "$n1" "$m1" "$p1"
printf '%-34s %8d %10d %10d\n' "smallest program (Enter -> line)" "$n2" "$m2" "$p2"
awk -v a="$m1" -v b="$m2" -v c="$p1" -v d="$p2" 'BEGIN { printf "ratio latchd/smallest: median %.2f, p99 %.2f\n", a / b, c / d }'
[ "$n1" -ge "$presses" ] && [ "$n2" -ge "$presses" ]
