#!/usr/bin/env bash
# A tour of org.latchd.Panel1 with busctl: every method of Identifiers,
# TimeProfiles and Apartments, and every error class, against a running
# latchd (start one with scripts/run-example.sh on a fresh
# target/example-data). Its output is what docs/api-tour.md shows.
#   BUS=unix:path=$PWD/target/example-bus/socket scripts/api-tour.sh
# The Forbidden and Unauthorized examples need root (setpriv) and a user
# "latchd-demo" in group latchd-view: useradd -r -M -G latchd-view latchd-demo
set -uo pipefail
: "${BUS:?set BUS to the bus address latchd serves on}"
ID="org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers"
TP="org.latchd.Panel1 /org/latchd/Panel1/TimeProfiles org.latchd.Panel1.TimeProfiles"
AP="org.latchd.Panel1 /org/latchd/Panel1/Apartments org.latchd.Panel1.Apartments"
AC="org.latchd.Panel1 /org/latchd/Panel1/Access org.latchd.Panel1.Access"

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
  show "${shown[*]}"
  "$@" 2>&1
  echo
}
# Prints a command line with $BUS, $ID, $TP, $AP and $AC in place of their values.
show() {
  printf '$ %s\n' "$1" | sed "s|$BUS|\$BUS|g; s#\(call\|get-property\) $ID#\1 \$ID#g;
    s#call $TP#call \$TP#g; s#call $AP#call \$AP#g; s#call $AC#call \$AC#g"
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

echo '## Time profiles'
echo '# Work week: 09:00 to 17:00 (panel time) from Monday 5 January 2026, Monday to Friday'
WORK='{"name":"Work week","time_options":{"is_all_day":false,"date_from":1767603600,"date_to":1767632400},"repeat_options":{"repeat_enable":true,"repeat_format":{"repeat_type":"custom","repeat_end":{"format":"never"},"repeat_custom":{"repeat_point_type":"week","repeat_looper":1,"repeat_options":["MON","TUE","WED","THU","FRI"]}}}}'
run bc call $TP Create s "$WORK"
run bc call $TP Get u 1
run bc call $TP Update us 1 "${WORK/\"FRI\"/\"FRI\",\"SAT\"}"
run bc call $TP Create s '{"name":"Cleaning","time_options":{"is_all_day":false,"date_from":1767592800,"date_to":1767600000},"repeat_options":{"repeat_enable":true,"repeat_format":{"repeat_type":"twoWeeks","repeat_end":{"format":"date","date":1798675200}}}}'
run bc call $TP List s '{"sort_field":"name"}'
echo '# identifier 2 opens only inside its profiles from now on:'
run bc call $ID AttachTimeProfile uu 2 1
run bc call $ID AttachTimeProfile uu 2 2
run bc call $ID DetachTimeProfile uu 2 2
run bc call $TP Get u 1
echo '# deleting a profile detaches it from every identifier, in one durable step:'
run bc call $TP Delete u 1
run bc call $ID Get u 2

echo '## Apartments'
run bc call $AP Create s '{"apartment_name":"Flat 12","apartment_address":{"building":1,"unit":0,"floor":3,"room":12},"residents":{"count":2}}'
run bc call $AP Get u 1
run bc call $AP Update us 1 '{"apartment_name":"Flat 12","apartment_address":{"building":1,"unit":0,"floor":3,"room":12},"residents":{"count":3}}'
run bc call $AP BindIdentifier uu 1 2
run bc call $AP List s ''
run bc call $AP UnbindIdentifier u 2
run bc call $AP Create s '{"apartment_name":"Flat 14","apartment_address":{"building":1,"unit":0,"floor":3,"room":14}}'
run bc call $AP BindIdentifier uu 2 2
echo '# deleting an apartment unbinds its identifiers, in one durable step:'
run bc call $AP Delete u 2
run bc call $ID Get u 2

echo '## QR images'
run bc call $ID Create s '{"identifier_owner":{"name":"Bob","type":"owner"},"identifier_type":"qr","identifier_number":"123e4567-e89b-12d3-a456-426614174000","lock":"first"}'
echo '# the reply is the PNG (ay: its length, then the bytes), cut here to its first ten words:'
show "busctl --address=\$BUS call $ID GetQr u 5 | cut -d' ' -f1-10"
bc call $ID GetQr u 5 2>&1 | cut -d' ' -f1-10
echo

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
run bc call $ID GetQr u 2
run bc call $ID AttachTimeProfile uu 2 99
run bc call $TP Get u 1
run bc call $TP Create s '{"name":"Hourly","time_options":{"is_all_day":false,"date_from":1767603600,"date_to":1767607200},"repeat_options":{"repeat_enable":true,"repeat_format":{"repeat_type":"hour","repeat_end":{"format":"never"}}}}'
run bc call $TP Create s '{"name":"Backwards","time_options":{"is_all_day":false,"date_from":1767632400,"date_to":1767603600},"repeat_options":{"repeat_enable":false}}'
run bc call $AP Create s '{"apartment_name":"Attic","apartment_address":{"building":0,"unit":0,"floor":3,"room":12}}'
run bc call $AP Create s '{"apartment_name":"Flat 12b","apartment_address":{"building":1,"unit":0,"floor":3,"room":12}}'
run bc call $AP BindIdentifier uu 7 2
echo '# face_id with [panel] face_recognition = false (the example):'
run bc call $AC Present ss face_id AAAA
echo '# busctl prints only the message; dbus-send shows the error name too:'
run dbus-send --bus="$BUS" --print-reply --dest=org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers.Get uint32:99
run dbus-send --bus="$BUS" --print-reply --dest=org.latchd.Panel1 /org/latchd/Panel1/Access org.latchd.Panel1.Access.Present string:face_id string:AAAA
run setpriv --reuid=latchd-demo --regid=latchd-view --init-groups dbus-send --bus="$BUS" --print-reply --dest=org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers.Delete uint32:2
run setpriv --reuid=nobody --regid=nogroup --clear-groups dbus-send --bus="$BUS" --print-reply --dest=org.latchd.Panel1 /org/latchd/Panel1/Identifiers org.latchd.Panel1.Identifiers.List string:''
