# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Sessions across a reload of daemon A (nodes A and A2, auto_connect, to
# daemon B): A's node block is unchanged, so its session is taken over by
# the new workers with the same link, direction and counters, and B sees
# nothing (no close, the same session); A2 is removed, so its session is
# closed at once with a logged, counted reason.
. "$(dirname "$0")/handshake_lib.sh"

AUTO="auto_connect = true; discovery = { interval = 1; };"
hs_conf A 9001 "$AUTO"
cp "$T/A/openred.conf" "$T/A/one-node.conf"
hs_conf_sibling A A2 9003 "$AUTO"
hs_conf B 9002
hs_start A
hs_start B
FB=$(hs_fp B)
MA=$(cat "$T/A/openred.pid")

# sess NAME NODE PEER: "pid link direction messages_in messages_out" of
# daemon NAME's session of NODE with PEER (nothing if none); fails if two.
sess() {
    hs_ctl "$1" sessions --json | $PY -c '
import json, sys
s = [x for x in json.load(sys.stdin)
     if x["node"] == sys.argv[1] and x["peer"] == sys.argv[2]]
assert len(s) <= 1, s
if s:
    x = s[0]
    print(x["pid"], x["mutual_link"], x["direction"], x["messages_in"],
          x["messages_out"])' "$2" "$3"
}
has() { [ -n "$(sess A "$1" "$FB")" ]; }
wait_for 20 has A && wait_for 10 has A2 \
    || fail "auto-connect did not establish A-B and A2-B"
FA=$(hs_fp A)
field() { sess "$1" "$2" "$3" | cut -d' ' -f"$4"; }
out_is() { [ "$(field A A "$FB" 5)" = "$1" ]; }
# A and A2 both hold a session with B: a send must name its node (it went
# out on whichever came first in the table, A2's about 1 run in 4)
hs_ctl A send "$FB" '{"n": 0}' > "$T/ambiguous" 2>&1 \
    && fail "a send to B without a node was not refused"
grep -q "both hold a session with $FB" "$T/ambiguous" \
    && grep -q " A " "$T/ambiguous" && grep -q "A2" "$T/ambiguous" \
    || fail "the refusal does not name A and A2: $(cat "$T/ambiguous")"
hs_ctl A send --node A "$FB" '{"n": 1}' >/dev/null || fail "send A->B"
wait_for 15 out_is 1 || fail "A's message was not counted"
BEFORE=$(sess A A "$FB")
set -- $BEFORE
OLD=$1 LINK=$2 DIR=$3
BSIDE=$(sess B B "$FA" | cut -d' ' -f2-3)

cp "$T/A/one-node.conf" "$T/A/openred.conf"
kill -HUP "$MA"
# A2 is gone from the config: its session is closed at once, with a reason.
wait_for 15 grep -q "session closed: node removed by reload, .*node: A2," \
    "$T/A/error.log" || fail "A2's session was not closed with a reason"
# A is unchanged: its session moves to a new worker, the same session.
moved() { s=$(sess A A "$FB"); [ -n "$s" ] && [ "${s%% *}" != "$OLD" ]; }
wait_for 15 moved || fail "A's session was not taken over: $(sess A A "$FB")"
set -- $(sess A A "$FB")
[ "$2 $3" = "$LINK $DIR" ] || fail "link or direction changed: $* vs $BEFORE"
[ "$5" -ge 1 ] || fail "counters reset: $*"
grep -q "session taken over after a reload: $DIR, fingerprint: $FB, mutual_link: $LINK" \
    "$T/A/error.log" || fail "no 'taken over' line"
wait_for 15 pid_gone "$OLD" || fail "the old worker $OLD did not exit"
grep -q "session closed: worker exiting, .*node: A," "$T/A/error.log" \
    && fail "the old worker closed A's session"
# B saw nothing: the same session, never closed
[ "$(sess B B "$FA" | cut -d' ' -f2-3)" = "$BSIDE" ] \
    || fail "B's session changed: $(sess B B "$FA")"
grep -q "session closed: .*fingerprint: $FA" "$T/B/error.log" \
    && fail "B logged a close of A's session"
# the new worker carries it on: a message each way
hs_ctl A send "$FB" '{"after": "reload"}' >/dev/null \
    || fail "send A->B after the reload"
hs_ctl B send "$FA" '{"back": 1}' >/dev/null || fail "send B->A after the reload"
in_after() { [ "$(sess A A "$FB" | cut -d' ' -f4)" -ge 1 ]; }
wait_for 15 in_after || fail "B's message did not reach A: $(sess A A "$FB")"
# counted in status
hs_ctl A status --json | $PY -c '
import json, sys
r = json.load(sys.stdin)["reload"]
assert r["sessions_kept"] >= 1, r
assert r["sessions_closed"]["node removed by reload"] >= 1, r' \
    || fail "status does not count the reload's sessions"
has A2 && fail "A2 has a session after its removal"
echo "ok"
