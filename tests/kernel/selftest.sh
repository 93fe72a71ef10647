#!/usr/bin/env bash
# Proves the kernel rig works: run as
#   scripts/kernel-rig.sh run tests/kernel/selftest.sh
# Checks the simulated GPIO chip (named lines, an output read back from
# sysfs, inputs driven through sysfs and read through the character device,
# edge events, bias, a debounced edge request), a uinput keyboard read back from its event node, and
# the private D-Bus. Prints PASS/FAIL lines and "N passed, N failed"; exits
# non-zero when anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
check() { # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

: "${KERNEL_RIG_CHIP_NAME:?run through scripts/kernel-rig.sh run}"
chip=$KERNEL_RIG_CHIP_NAME
sim=$KERNEL_RIG_SIM_DIR
off() { local v="KERNEL_RIG_LINE_$1"; echo "${!v}"; }

# --- gpio: the chip and its named lines
echo "--- gpio-sim: $KERNEL_RIG_CHIP ($KERNEL_RIG_CHIP_LABEL)"
gpiodetect
info=$(gpioinfo "$chip")
echo "$info"
for name in $KERNEL_RIG_LINES; do
  if grep -q "\"$name\"" <<<"$info"; then pass "gpioinfo shows line $name"; else fail "gpioinfo shows line $name"; fi
done
check "gpiofind GPIO17" "$chip $(off GPIO17)" "$(gpiofind GPIO17)"

# --- an output line driven by a program, read back from sysfs
o=$(off GPIO17)
gpioset --mode=signal "$chip" "$o=1" &
setter=$!
v=
for _ in $(seq 50); do v=$(cat "$sim/sim_gpio$o/value"); [ "$v" = 1 ] && break; sleep 0.1; done
check "GPIO17 driven high reads 1 in sysfs" 1 "$v"
consumer=$(gpioinfo "$chip" | grep '"GPIO17"')
if grep -q 'output' <<<"$consumer" && grep -q '"gpioset"' <<<"$consumer"; then
  pass "GPIO17 shown as output used by gpioset"
else
  fail "GPIO17 shown as output used by gpioset" "$consumer"
fi
kill "$setter"; wait "$setter" 2>/dev/null
gpioset --mode=signal "$chip" "$o=0" &
setter=$!
for _ in $(seq 50); do v=$(cat "$sim/sim_gpio$o/value"); [ "$v" = 0 ] && break; sleep 0.1; done
check "GPIO17 driven low reads 0 in sysfs" 0 "$v"
kill "$setter"; wait "$setter" 2>/dev/null

# --- input lines driven through sysfs pull, read through the chardev
i=$(off EXIT1)
echo pull-up >"$sim/sim_gpio$i/pull"
check "EXIT1 pull-up reads 1 with gpioget" 1 "$(gpioget "$chip" "$i")"
echo pull-down >"$sim/sim_gpio$i/pull"
check "EXIT1 pull-down reads 0 with gpioget" 0 "$(gpioget "$chip" "$i")"
check "EXIT1 active-low pull-down reads 1" 1 "$(gpioget --active-low "$chip" "$i")"

# A consumer's bias request (latchd asks pull-up for active-low inputs)
# sets the simulated level of an undriven line.
d=$(off DOOR2)
check "DOOR2 requested with bias pull-up reads 1" 1 "$(gpioget --bias=pull-up "$chip" "$d")"
check "DOOR2 requested with bias pull-down reads 0" 0 "$(gpioget --bias=pull-down "$chip" "$d")"

# --- edge events (the interrupt path of the out-of-tree irq_sim)
d=$(off DOOR1)
echo pull-down >"$sim/sim_gpio$d/pull"
events=$KERNEL_RIG_TMP/edges
gpiomon --num-events=2 --format='%e %o' "$chip" "$d" >"$events" &
mon=$!
sleep 1 # let gpiomon request the line
echo pull-up >"$sim/sim_gpio$d/pull"
sleep 0.2
echo pull-down >"$sim/sim_gpio$d/pull"
for _ in $(seq 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$mon" 2>/dev/null; then kill "$mon"; fi
wait "$mon" 2>/dev/null
check "DOOR1 rising then falling edge seen by gpiomon" "1 $d,0 $d" "$(paste -sd, "$events")"

# --- a debounced edge request, as latchd makes for buttons and contacts
d=$(off EXIT2)
if out=$(python3 "$here/gpio_debounce_selftest.py" "$KERNEL_RIG_CHIP" "$d" "$sim" 2>&1); then
  echo "$out"
  pass "EXIT2 requested with 10 ms debounce reports a stable rising edge"
else
  echo "$out"
  fail "EXIT2 requested with 10 ms debounce reports a stable rising edge"
fi

# --- uinput: a virtual keyboard read back from its event node
echo "--- uinput"
if out=$(python3 "$here/uinput_selftest.py" 2>&1); then
  echo "$out"
  pass "uinput keyboard: KEY_A press and release read back from $(grep -o '/dev/input/event[0-9]*' <<<"$out" | head -n 1)"
else
  echo "$out"
  fail "uinput keyboard event read back"
fi

# --- the private D-Bus
echo "--- dbus"
if [ -n "${KERNEL_RIG_DBUS_ADDRESS:-}" ] &&
   id=$(dbus-send --bus="$KERNEL_RIG_DBUS_ADDRESS" --print-reply=literal \
          --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetId 2>&1); then
  pass "private dbus-daemon answers GetId (${id// /})"
else
  fail "private dbus-daemon answers GetId" "${id:-no KERNEL_RIG_DBUS_ADDRESS}"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
