# Two daemons with auto_connect discover each other and end up with one
# session between them: out on one side, in on the other, no duplicates.
. "$(dirname "$0")/handshake_lib.sh"

hs_conf A 9001 "auto_connect = true; discovery = { interval = 1; };"
hs_conf B 9002 "auto_connect = true; discovery = { interval = 1; };"
hs_start A
hs_start B
FA=$(hs_fp A)
FB=$(hs_fp B)

count() {   # count NAME PEER DIRECTION
    hs_ctl "$1" sessions --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(len([x for x in s if x["peer"] == sys.argv[1]
           and (sys.argv[2] == "any" or x["direction"] == sys.argv[2])]))' \
        "$2" "$3"
}
linked() {
    [ "$(count A "$FB" any)" = 1 ] && [ "$(count B "$FA" any)" = 1 ]
}
wait_for 30 linked || fail "no session between A and B within 30 s"
sleep 6            # two more auto-connect rounds: still one session each
linked || fail "duplicate sessions after more auto-connect rounds"
out=$(( $(count A "$FB" out) + $(count B "$FA" out) ))
[ "$out" = 1 ] || fail "expected one dialled session, found $out"
echo "ok"
