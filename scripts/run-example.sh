#!/usr/bin/env bash
# Runs latchd with examples/latchd.toml on a private D-Bus bus, no hardware
# and no root needed. The bus address is printed; use it with busctl:
#   busctl --address=unix:path=$PWD/target/example-bus/socket tree org.latchd.Panel1
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
state=target/example-bus
mkdir -p "$state"
sed "s|@POLICY@|$PWD/dbus/org.latchd.Panel1.conf|; s|@SOCKET@|$PWD/$state/socket|" \
  tests/data/bus.conf.in > "$state/bus.conf"
dbus-daemon --config-file="$state/bus.conf" --nofork --print-address=3 3>"$state/address" &
bus=$!
trap 'kill $bus 2>/dev/null' EXIT
while [ ! -s "$state/address" ]; do sleep 0.05; done
echo "bus: $(head -1 "$state/address")"
echo "try: busctl --address=$(head -1 "$state/address") tree org.latchd.Panel1"
target/debug/latchd --config examples/latchd.toml --bus-address "$(head -1 "$state/address")"
