# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Two daemons: openredctl connect establishes one session seen by both
# sides (out on A, in on B); a message sent either way shows up in the
# other's watch, whichever worker holds the session.
. "$(dirname "$0")/handshake_lib.sh"

hs_conf A 9001
hs_conf B 9002
hs_start A
hs_start B
FA=$(hs_fp A)
FB=$(hs_fp B)

hs_ctl A connect A 127.0.0.1:9002 "$FB" | grep -q session_established \
    || fail "connect A -> B did not establish"
n_out() { hs_ctl A sessions --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(len([x for x in s if x["peer"] == sys.argv[1] and x["direction"] == sys.argv[2]]))' "$@"; }
[ "$(n_out "$FB" out)" = 1 ] || fail "A does not list one out session"
hs_ctl B sessions --json | grep -q "\"peer\":\"$FA\",\"direction\":\"in\"" \
    || fail "B does not list the in session"
# the handshake module's status section counts them, per node
st_sessions() { hs_ctl "$1" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)["sessions"][sys.argv[1]]
print(s["inbound"], s["outbound"])' "$1"; }
[ "$(st_sessions A)" = "0 1" ] || fail "A's status sessions: $(st_sessions A)"
[ "$(st_sessions B)" = "1 0" ] || fail "B's status sessions: $(st_sessions B)"
hs_ctl B status | grep -q "^B  *1  " || fail "B's status table: $(hs_ctl B status)"

# (hs_bg: the cleanup stops them)
hs_bg "$T/watch.B" timeout 20 ip netns exec "$NS" "$OPENREDCTL" \
    -S "$T/B/control.sock" watch --json
hs_bg "$T/watch.A" timeout 20 ip netns exec "$NS" "$OPENREDCTL" \
    -S "$T/A/control.sock" watch --json
# watched FILE FROM PEER: a watch starts from "now" at its first poll, so
# FROM sends probes to PEER until FILE (PEER's watch) shows one.
watched() {
    local i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        hs_ctl "$2" send "$3" "{\"probe\": $i}" > /dev/null || return 1
        wait_for 1 grep -q '"direction":"in","payload":{"probe":' "$1" \
            && return 0
    done
    return 1
}
watched "$T/watch.B" A "$FB" || fail "B's watch never showed a probe from A"
watched "$T/watch.A" B "$FA" || fail "A's watch never showed a probe from B"
hs_ctl A send "$FB" '{"hello": "from A"}' >/dev/null || fail "send A -> B"
hs_ctl B send "$FA" '{"hello": "from B"}' >/dev/null || fail "send B -> A"
# each message with its own direction: in where it arrived, out where it
# was sent, whichever side dialled the session
wait_for 4 grep -q '"direction":"in","payload":{"hello":"from A"}' \
    "$T/watch.B" || fail "B's watch did not show A's message as in"
wait_for 4 grep -q '"direction":"in","payload":{"hello":"from B"}' \
    "$T/watch.A" || fail "A's watch did not show B's message as in"
wait_for 4 grep -q '"direction":"out","payload":{"hello":"from A"}' \
    "$T/watch.A" || fail "A's watch did not show its message as out"
grep -q '"direction":"out","payload":{"hello":"from B"}' "$T/watch.A" \
    && fail "B's message shown as out on A"
grep -q "message received" "$T/B/error.log" || fail "B did not log it"

# sessions: messages and bytes each way and the last activity
hs_ctl B sessions --json | python3 -c '
import json, sys
s = [x for x in json.load(sys.stdin) if x["peer"] == sys.argv[1]][0]
assert s["messages_in"] >= 1 and s["messages_out"] >= 1, s
assert s["bytes_in"] > 0 and s["bytes_out"] > 0, s
assert s["last_activity"] >= s["since"] > 0, s
' "$FA" || fail "B's session lacks counters: $(hs_ctl B sessions --json)"
hs_ctl B sessions | grep -q "MSGS IN/OUT  *BYTES IN/OUT  *IDLE" \
    || fail "sessions table header: $(hs_ctl B sessions)"
hs_ctl B sessions | grep -Eq "^B .* [0-9]+/[0-9]+ +[0-9]+/[0-9]+ +[0-9]+s +#" \
    || fail "sessions table row: $(hs_ctl B sessions)"
# the table watch prints local time, not the epoch
hs_bg "$T/watch.text" timeout 20 ip netns exec "$NS" "$OPENREDCTL" \
    -S "$T/B/control.sock" watch
watched_text() {
    hs_ctl A send "$FB" '{"text": 1}' > /dev/null || return 1
    grep -Eq "^$(date +%Y-)[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} message " \
        "$T/watch.text"
}
wait_for 10 watched_text || fail "watch table: $(cat "$T/watch.text")"
grep -q '"time":' "$T/watch.text" && fail "watch table shows the epoch"
echo "ok"
