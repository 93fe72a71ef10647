#!/usr/bin/env bash
# Runs inside the system test's guest (tests/system/run.sh), as root under
# systemd:
#   guest.sh gpio   before latchd: the gpio-sim chip with GPIO17 and GPIO27
#   guest.sh run    first boot: install the package with apt, reboot;
#                   second boot: the checks, then power off
# Results go to the second serial port, one line a check.
set -uo pipefail
export SYSTEMD_COLORS=0
dir=/opt/systest
arch=$(cat $dir/arch)
version=$(cat $dir/version)
state=/var/lib/systest
passed=0 failed=0

check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@"; then echo "PASS $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}
skip() { echo "SKIP $*"; }
# apt-get, its output kept for a failure.
apt_get() {
  apt-get -y -q "$@" >/run/apt.log 2>&1 || { tail -n 20 /run/apt.log; return 1; }
}
note() { echo "  $*"; }
# Waits up to $1 seconds for the command to succeed.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

gpio() {
  modprobe -a configfs uinput evdev
  # Without gpio-sim (the arm64 guest) the board's own chip is used.
  [ -f $dir/gpiosim.ko ] || return 0
  mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
  grep -q '^gpiosim ' /proc/modules || insmod $dir/gpiosim.ko
  local cfg=/sys/kernel/config/gpio-sim/panel
  mkdir -p $cfg/bank0/line0 $cfg/bank0/line1
  echo 2 >$cfg/bank0/num_lines
  echo GPIO17 >$cfg/bank0/line0/name
  echo GPIO27 >$cfg/bank0/line1/name
  echo 1 >$cfg/live
  mkdir -p /run/systest
  echo "/sys/devices/platform/$(cat $cfg/dev_name)/$(cat $cfg/bank0/chip_name)" >/run/systest/sim
  udevadm settle
}

case ${1:-} in
  gpio) gpio; exit ;;
  run) ;;
  *) echo "usage: guest.sh gpio|run" >&2; exit 2 ;;
esac

finish() {
  echo "systest: $passed passed, $failed failed"
  echo "systest: finished"
  sync
  systemctl poweroff
  exit 0
}

# First boot: the package, as a panel owner installs it.
if ! dpkg -s latchd >/dev/null 2>&1 && [ ! -e $state/installed ]; then
  echo "systest: first boot ($arch, kernel $(uname -r))"
  check "apt installs the package" apt_get install --no-install-recommends \
    $dir/latchd_"${version}"_"$arch".deb
  if [ -f $dir/gpiosim.ko ]; then
    check "the service is started by the installation" systemctl is-active --quiet latchd
    systemctl is-active --quiet latchd || journalctl -b --no-pager -n 40 -o short-monotonic -u latchd
  else
    skip "the service is started by the installation (smoke part: the packaged lines GPIO17 and GPIO27 do not exist on this board)"
  fi
  check "the configuration is root:latchd 0640" \
    test "$(stat -c '%U:%G %a' /etc/latchd/latchd.toml)" = "root:latchd 640"
  check "the latchd user and the role groups exist" \
    sh -c "getent passwd latchd >/dev/null && getent group latchd-admin >/dev/null"
  check "the unit is enabled" systemctl is-enabled --quiet latchd
  if [ ! -f $dir/gpiosim.ko ]; then
    # The smoke part: the relays on the virt machine's PL061 chip, lines 0
    # and 1, as an integrator sets them for a board without named lines.
    sed -i 's/^line = "GPIO17"/chip = "gpiochip0"\noffset = 0/; s/^line = "GPIO27"/chip = "gpiochip0"\noffset = 1/' \
      /etc/latchd/latchd.toml
    note "smoke part: relays on gpiochip0 ($(tr -d '\0' </sys/bus/gpio/devices/gpiochip0/of_node/name 2>/dev/null || echo '?')) lines 0 and 1"
  fi
  mkdir -p $state && touch $state/installed
  echo "systest: rebooting"
  sync
  systemctl reboot
  exit 0
fi

echo "systest: second boot"
sim=$(cat /run/systest/sim 2>/dev/null || true)
relay() { cat "$sim/sim_gpio0/value"; } # GPIO17, the lock "first"
relay_is() { [ "$(relay)" = "$1" ]; }
main_pid() { systemctl show -P MainPID latchd; }
active() { [ "$(systemctl is-active latchd)" = active ]; }
bus() { busctl --system "$@"; }
ids() { bus call org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers "$@"; }
present() { bus call org.latchd.Panel1 /org/latchd/Panel1/Access org.latchd.Panel1.Access Present ss "$@"; }
open_first() { bus call org.latchd.Panel1 /org/latchd/Panel1/Locks org.latchd.Panel1.Locks Open s first; }
journal_has() { journalctl -u latchd -b --no-pager -o cat | grep -q "$1"; }

check "latchd is active after boot" wait_for 60 active
check "systemd-analyze verify: the installed unit is clean" \
  sh -c '[ -z "$(systemd-analyze verify --man=no latchd.service 2>&1)" ]'
# What the package installs beside the binaries: the reviewed interface of
# every object latchd serves, and a manual page for each.
installed() {
  for i in Identifiers TimeProfiles Apartments Locks Access; do
    test -s /usr/share/dbus-1/interfaces/org.latchd.Panel1.$i.xml &&
      test -s /usr/share/man/man5/org.latchd.Panel1.$i.5.gz || return 1
  done
}
check "the interface XML and manual page of all five objects are installed" installed
[ -n "$sim" ] && check "the relay line is requested locked" relay_is 0

# The system bus and its policy: a member of latchd-admin may manage, a
# user with no role is refused by latchd, and may not take latchd's name.
useradd -m -G latchd-admin alice
useradd -m bob
as() { local who=$1; shift; runuser -u "$who" -- "$@"; }
check "an admin creates with latchctl on the system bus" \
  sh -c "runuser -u alice -- latchctl identifiers create --type inputCode --number 4711 --name Alice >/dev/null"
check "an admin lists with busctl" sh -c "runuser -u alice -- busctl --system call \
  org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers List s '{}' | grep -q Alice"
out=$(as bob busctl --system call org.latchd.Panel1 /org/latchd/Panel1/Identifiers \
  org.latchd.Panel1.Identifiers List s '{}' 2>&1)
check "a user with no role is refused (Log In)" grep -q "Log In" <<<"$out"
out=$(as bob dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.RequestName string:org.latchd.Panel1 uint32:0 2>&1)
check "the bus policy keeps latchd's name from other users" grep -q AccessDenied <<<"$out"
# The unit's folder (StateDirectoryMode=0750), and files latchd made 0600
# itself: none found open, none made private with a warning.
data_private() {
  [ "$(stat -c '%U %a' /var/lib/latchd)" = "latchd 750" ] &&
    [ -n "$(find /var/lib/latchd -mindepth 1 -type f)" ] &&
    [ -z "$(find /var/lib/latchd -mindepth 1 -type f ! -perm 600)" ]
}
check "the data folder is latchd's 0750 and every file in it 0600" data_private
check "no data file had to be made private" \
  sh -c "! journalctl -u latchd -b --no-pager -o cat | grep -q 'made private'"

if [ ! -f $dir/gpiosim.ko ]; then
  check "smoke: Locks.Open drives the board's line" open_first
  systemctl stop latchd
  check "smoke: systemctl stop" sh -c "! systemctl is-active --quiet latchd"
  finish
fi

# The clock: a time-limited identifier is denied while the clock is not
# synchronised (no time service in the guest) and granted once it is.
today=$(date -u +%F)
check "a time-limited identifier is created" sh -c "latchctl identifiers create --type card \
  --number 11:22:33:44 --name Timed --from $today --to $(date -u -d '+2 days' +%F) >/dev/null"
check "denied while the clock is not synchronised" \
  sh -c "busctl --system call org.latchd.Panel1 /org/latchd/Panel1/Access org.latchd.Panel1.Access \
    Present ss card 11:22:33:44 | grep -q 'false \"clock not synchronised\"'"
# What an NTP client does when it has the time: clear STA_UNSYNC, set a
# small maximum error (adjtimex(2); timedated reads it back).
python3 - <<'EOF'
import ctypes, ctypes.util
class Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("rest", ctypes.c_long * 32)]
t = Timex(modes=0x0010 | 0x0004, maxerror=1000, status=0)  # ADJ_STATUS | ADJ_MAXERROR
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
assert libc.adjtimex(ctypes.byref(t)) >= 0, ctypes.get_errno()
EOF
check "timedated says synchronised" \
  sh -c "busctl --system get-property org.freedesktop.timedate1 /org/freedesktop/timedate1 \
    org.freedesktop.timedate1 NTPSynchronized | grep -q true"
granted() { present card 11:22:33:44 | grep -q '^bs true'; }
check "granted once the clock is synchronised" wait_for 30 granted
check "the grant opened the relay" wait_for 5 relay_is 1
wait_for 10 relay_is 0

# Time profiles, in the unit's sandbox with the system's time zone: one
# repeated daily around now lets its identifier in, one later today not.
tp() { bus call org.latchd.Panel1 /org/latchd/Panel1/TimeProfiles org.latchd.Panel1.TimeProfiles "$@"; }
now=$(date +%s)
profile() { # name, from, to, repeat_type or "" for none
  local repeat='{"repeat_enable":false}'
  [ -n "$4" ] && repeat='{"repeat_enable":true,"repeat_format":{"repeat_type":"'$4'","repeat_end":{"format":"never"}}}'
  echo '{"name":"'$1'","time_options":{"is_all_day":false,"date_from":'$2',"date_to":'$3'},"repeat_options":'$repeat'}'
}
inside=$(tp Create s "$(profile Now $((now - 3600)) $((now + 3600)) day)" | awk '{print $2}')
later=$(tp Create s "$(profile Later $((now + 7200)) $((now + 10800)) "")" | awk '{print $2}')
check "time profiles are created" test -n "$inside" -a -n "$later"
card() { # number, then the identifier's uid is printed
  ids Create s '{"identifier_owner":{"name":"Shift","type":"owner"},"identifier_type":"card","identifier_number":"'$1'","lock":"first"}' | awk '{print $2}'
}
day=$(card 55:66:77:01); night=$(card 55:66:77:02)
ids AttachTimeProfile uu "$day" "$inside" >/dev/null
ids AttachTimeProfile uu "$night" "$later" >/dev/null
check "inside its time profile: granted" sh -c "busctl --system call org.latchd.Panel1 /org/latchd/Panel1/Access \
  org.latchd.Panel1.Access Present ss card 55:66:77:01 | grep -q '^bs true'"
wait_for 10 relay_is 0
check "outside its time profiles: denied" sh -c "busctl --system call org.latchd.Panel1 /org/latchd/Panel1/Access \
  org.latchd.Panel1.Access Present ss card 55:66:77:02 | grep -q 'false \"outside its time profiles\"'"
check "the system's time zone was read in the sandbox" sh -c "! journalctl -u latchd -b --no-pager -o cat | grep -q \"cannot read the system's time zone\""
# Apartments and QR images through the packaged bus policy.
apt_uid=$(bus call org.latchd.Panel1 /org/latchd/Panel1/Apartments org.latchd.Panel1.Apartments Create s \
  '{"apartment_name":"Flat 1","apartment_address":{"building":1,"unit":0,"floor":1,"room":1}}' | awk '{print $2}')
bus call org.latchd.Panel1 /org/latchd/Panel1/Apartments org.latchd.Panel1.Apartments BindIdentifier uu "$apt_uid" "$day" >/dev/null
get_has() { ids Get u "$1" | grep -q "$2"; }
check "an identifier bound to an apartment reads it back" \
  get_has "$day" "apartment[^{]*{[^}]*uid[^0-9]*$apt_uid}"
qr=$(ids Create s '{"identifier_owner":{"name":"Courier","type":"guest"},"identifier_type":"qr","identifier_number":"123e4567-e89b-12d3-a456-426614174000","lock":"first"}' | awk '{print $2}')
check "GetQr answers a PNG" sh -c "busctl --system call org.latchd.Panel1 /org/latchd/Panel1/Identifiers \
  org.latchd.Panel1.Identifiers GetQr u $qr | grep -q '^ay [0-9]* 137 80 78 71 13 10 26 10'"

# A keypad (uinput), found by the packaged configuration's by-id path.
mkfifo /run/systest/keys
python3 $dir/uinput_type.py "latchd system test keypad" 1234:5678 </run/systest/keys >/run/systest/keypad.log 2>&1 &
exec 7>/run/systest/keys
check "latchd grabs the keypad" wait_for 30 journal_has "input device connected and grabbed"
echo 4711 >&7
check "the keypad opens the relay" wait_for 10 relay_is 1
check "the relay locks again" wait_for 10 relay_is 0

# A reload with a changed configuration: the new open time is used.
sed -i 's/^open_time_ms = 3000/open_time_ms = 1000/' /etc/latchd/latchd.toml
pid=$(main_pid)
systemctl reload latchd
check "systemctl reload takes the new configuration" wait_for 20 journal_has "configuration reloaded"
check "a reload keeps the process" test "$(main_pid)" = "$pid"
open_first
wait_for 5 relay_is 1
ms() { echo $(($(date +%s%N) / 1000000)); }
start=$(ms)
wait_for 10 relay_is 0
open_ms=$(($(ms) - start))
note "open for $open_ms ms after the reload (1000 ms configured, 3000 before)"
# Seen open from just after the line went high; polled every 0.2 s.
check "the new open time is used" test "$open_ms" -lt 2500

# Every way out leaves the relay locked, and the service comes back.
open_first && wait_for 5 relay_is 1
systemctl kill -s HUP latchd
check "kill -HUP: relay locked" wait_for 5 relay_is 0
check "kill -HUP: still running, same process" sh -c "sleep 1; test \"\$(systemctl show -P MainPID latchd)\" = $pid"

open_first && wait_for 5 relay_is 1
systemctl kill -s KILL latchd
check "kill -9: relay locked" wait_for 5 relay_is 0
check "kill -9: restarted" wait_for 30 sh -c "systemctl is-active --quiet latchd && test \"\$(systemctl show -P MainPID latchd)\" != $pid"
pid=$(main_pid)

wait_for 30 sh -c "busctl --system call org.latchd.Panel1 /org/latchd/Panel1/Locks org.latchd.Panel1.Locks Open s first" || true
wait_for 5 relay_is 1
start=$SECONDS
kill -STOP "$pid"
check "stalled (SIGSTOP): killed by the watchdog and restarted" \
  wait_for 60 sh -c "systemctl is-active --quiet latchd && test \"\$(systemctl show -P MainPID latchd)\" != $pid"
note "restarted $((SECONDS - start)) s after the stall (WatchdogSec=10s, TimeoutAbortSec=5s)"
check "stalled: relay locked" wait_for 5 relay_is 0

wait_for 30 sh -c "busctl --system call org.latchd.Panel1 /org/latchd/Panel1/Locks org.latchd.Panel1.Locks Open s first" || true
wait_for 5 relay_is 1
systemctl stop latchd
check "systemctl stop: relay locked" relay_is 0
check "systemctl stop: inactive" sh -c "! systemctl is-active --quiet latchd"
systemctl start latchd
check "started again" wait_for 30 active

# The data survives an upgrade, and a remove followed by an install.
count() {
  bus get-property org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers Count |
    awk '{ print $2 }'
}
count_is() { [ "$(count)" = "$1" ]; }
before=$(count)
check "apt upgrades the package" apt_get install $dir/latchd_"${version}"+systest1_"$arch".deb
check "after the upgrade: active" wait_for 30 active
check "after the upgrade: the identifiers are kept ($before)" wait_for 10 count_is "$before"
check "apt removes the package" apt_get remove latchd
check "remove keeps /var/lib/latchd" test -d /var/lib/latchd
check "apt installs it again" apt_get install --allow-downgrades $dir/latchd_"${version}"_"$arch".deb
check "after the reinstall: active" wait_for 30 active
check "after the reinstall: the identifiers are kept ($before)" wait_for 10 count_is "$before"
check "apt purges the package" apt_get purge latchd
check "purge deletes the configuration and the data" sh -c "! test -e /etc/latchd/latchd.toml && ! test -e /var/lib/latchd"

exec 7>&-
finish
