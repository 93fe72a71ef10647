#!/usr/bin/env bash
# A tour of org.latchd.Panel1.Identifiers with busctl: every method and every
# error class, against a running latchd (start one with scripts/run-example.sh
# on a fresh target/example-data). Its output is what README.md shows.
#   BUS=unix:path=$PWD/target/example-bus/socket scripts/api-tour.sh
# The Forbidden and Unauthorized examples need root (setpriv) and a user
# "latchd-demo" in group latchd-view: useradd -r -M -G latchd-view latchd-demo
set -uo pipefail
: "${BUS:?set BUS to the bus address latchd serves on}"
ID="org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers"

# Prints the command as one would type it, then runs it.
run() {
  local shown=() arg
  for arg in "$@"; do
    case "$arg" in
      bc) shown+=('busctl --address=$BUS') ;;
      *[!A-Za-z0-9_./:=-]* | '') shown+=("'$arg'") ;;
      *) shown+=("$arg") ;;
    esac
  done
  printf '$ %s\n' "${shown[*]}" | sed "s|$BUS|\$BUS|g; s#\(call\|get-property\) $ID#\1 \$ID#g"
  "$@" 2>&1
  echo
}
bc() { busctl --address="$BUS" "$@"; }

echo '## Methods'
run bc call $ID Create s '{"identifier_owner":{"name":"Alice","type":"owner"},"identifier_type":"card","identifier_number":"12:34:56:79","lock":"first"}'
run bc call $ID Create s '{"identifier_owner":{"name":"Guest","type":"guest"},"identifier_type":"inputCode","identifier_number":"4711","lock":"all","valid":{"time":{"is_permanent":false,"from":1767225600,"to":1798761600},"passes":{"is_permanent":false,"max_passes":10}}}'
run bc call $ID Get u 2
run bc call $ID Update us 1 '{"identifier_owner":{"name":"Alice B.","type":"owner"},"identifier_type":"card","identifier_number":"12-34-56-79","lock":"second"}'
run bc call $ID Import s '{"list_items":[{"identifier_owner":{"name":"Bob","type":"owner"},"identifier_type":"qr","identifier_number":"123e4567-e89b-12d3-a456-426614174000","lock":"first"},{"identifier_owner":{"name":"Van","type":"guest"},"identifier_type":"license_plate","identifier_number":"AB 123-CD","lock":"second"}]}'
run bc call $ID List s '{"limit":2,"page_number":2,"sort_type":"desc"}'
run bc call $ID List s '{"filter_field":"identifier_number","filter_type":"equal","filter_format":"string","filter_value":"305419897"}'
run bc call $ID ResetPasses u 2
run bc get-property $ID Count
run bc call $ID DeleteMany s '{"uid_items":[3,4]}'
run bc call $ID Delete u 1

echo '## Errors'
run bc call $ID Get u 1
run bc call $ID Create s 'not json'
run bc call $ID Create s '{"identifier_owner":{"name":"Eve"},"identifier_type":"card","identifier_number":"1","lock":"first"}'
run bc call $ID Create s '{"identifier_owner":{"name":"Eve","type":"owner"},"identifier_type":"card","identifier_number":7,"lock":"first"}'
run bc call $ID Create s '{"identifier_owner":{"name":"Eve","type":"owner"},"identifier_type":"card","identifier_number":"12:3","lock":"first"}'
run bc call $ID Create s '{"identifier_owner":{"name":"Eve","type":"owner"},"identifier_type":"card","identifier_number":"7","lock":"first","valid":{"time":{"is_permanent":false,"from":20,"to":10},"passes":{"is_permanent":true}}}'
run bc call $ID Create s '{"identifier_owner":{"name":"Eve","type":"owner"},"identifier_type":"face_id","identifier_number":"AAAA","lock":"first"}'
run bc call $ID Create s '{"identifier_owner":{"name":"Eve","type":"owner"},"identifier_type":"inputCode","identifier_number":"1234","lock":"first"}'
run bc call $ID Create s '{"identifier_owner":{"name":"Eve","type":"owner"},"identifier_type":"card","identifier_number":"305419896","lock":"first"}'
run bc call $ID Create s '{"identifier_owner":{"name":"Eve","type":"owner"},"identifier_type":"inputCode","identifier_number":"4711","lock":"first"}'
run bc call $ID Import s '{"list_items":[{"identifier_owner":{"name":"A","type":"owner"},"identifier_type":"card","identifier_number":"7","lock":"first"},{"identifier_owner":{"name":"B","type":"owner"},"identifier_type":"card","identifier_number":"00:07","lock":"first"}]}'
run bc call $ID List s '{"limit":5000}'
echo '# busctl prints only the message; dbus-send shows the error name too:'
run dbus-send --bus="$BUS" --print-reply --dest=org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers.Get uint32:99
run setpriv --reuid=latchd-demo --regid=latchd-view --init-groups dbus-send --bus="$BUS" --print-reply --dest=org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers.Delete uint32:2
run setpriv --reuid=nobody --regid=nogroup --clear-groups dbus-send --bus="$BUS" --print-reply --dest=org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers.List string:''
