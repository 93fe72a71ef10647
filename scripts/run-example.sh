#!/usr/bin/env bash
# Runs latchd with examples/latchd.toml on a private D-Bus bus: no hardware
# and no root needed. Data goes to target/example-data. In another terminal:
#   export BUS=unix:path=$PWD/target/example-bus/socket
#   busctl --address=$BUS tree org.latchd.Panel1
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
state=target/example-bus
mkdir -p "$state"
rm -f "$state/socket"
sed "s|@POLICY@|$PWD/dbus/org.latchd.Panel1.conf|; s|@SOCKET@|$PWD/$state/socket|; s|@USER@|$(id -un)|" \
  tests/data/bus.conf.in > "$state/bus.conf"
dbus-daemon --config-file="$state/bus.conf" --nofork 2>/dev/null &
bus=$!
trap 'kill $bus 2>/dev/null' EXIT
while [ ! -S "$state/socket" ]; do sleep 0.05; done
address="unix:path=$PWD/$state/socket"
echo "bus: $address"
echo "try: busctl --address=$address tree org.latchd.Panel1"
target/debug/latchd --config examples/latchd.toml --bus-address "$address"
