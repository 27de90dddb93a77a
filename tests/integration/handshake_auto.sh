# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Auto-connect end to end: daemon A (nodes A and its sibling A2) and
# daemon B, all with auto_connect, discover each other and end up with
# exactly one session per pair (one side dialled it), never a session
# between A and A2, and a peer whose dials fail is backed off.
# A silent peer ("ghost") beacons from the start: each failed dial to it
# is an auto-connect round seen in the log, the clock of this test.
. "$(dirname "$0")/handshake_lib.sh"

AUTO="auto_connect = true; discovery = { interval = 1; };"
hs_conf A 9001 "$AUTO"
hs_conf_sibling A A2 9003 "$AUTO"
hs_conf B 9002 "$AUTO"
nsx $V2PEER keygen "$T/ghost.pem" >/dev/null || fail "keygen"
hs_start A
hs_start B
FA=$(hs_fp A)
FA2=$($HSTOOL fp "$T/A/A2.pem")
FB=$(hs_fp B)
hs_bg "$T/beacons" nsx timeout 90 $V2PEER beacon send --key "$T/ghost.pem" \
    --sector tech --port 9999 --count 90 --interval 1

# n NAME PEER [DIRECTION]: sessions of daemon NAME with PEER.
n() {
    hs_ctl "$1" sessions --json \
        | grep -o "\"peer\":\"$2\",\"direction\":\"${3:-[a-z]*}\"" | wc -l
}
linked() {
    [ "$(n A "$FB")" = 2 ] && [ "$(n B "$FA")" = 1 ] && [ "$(n B "$FA2")" = 1 ]
}
# failed NAME NODE: failed dials of node NODE of daemon NAME to the ghost.
failed() {
    grep -c "handshake failed: connect() failed.*node: $2, peer: .*:9999\$" \
        "$T/$1/error.log"
}
failed_at_least() { [ "$(failed "$1" "$2")" -ge "$3" ]; }

wait_for 30 linked || fail "no sessions A-B and A2-B within 30 s: A: $(hs_ctl \
    A sessions --json) B: $(hs_ctl B sessions --json)"
# Two more auto-connect rounds of each daemon (two more failed dials of
# A's node and of B's): the sessions are still one per pair.
a=$(failed A A) b=$(failed B B)
wait_for 60 failed_at_least A A $((a + 2)) \
    || fail "A's auto-connect did not dial the ghost twice more"
wait_for 60 failed_at_least B B $((b + 2)) \
    || fail "B's auto-connect did not dial the ghost twice more"
linked || fail "duplicate sessions after more auto-connect rounds"
[ "$(( $(n A "$FB" out) + $(n B "$FA" out) + $(n B "$FA2" out) ))" = 2 ] \
    || fail "expected two dialled sessions (one per pair)"
[ "$(n A "$FA")" = 0 ] && [ "$(n A "$FA2")" = 0 ] \
    || fail "A holds a session with itself or its sibling"
grep -q "handshake refused: self" "$T/A/error.log" \
    && fail "a node of A dialled itself or its sibling"

# Backoff: after the first failed dial the next waits 5 s, after the
# second 10 s. The daemon's own log times say so: rounds come every 5-6 s,
# so without the doubling the second gap would be 5-6 s too; a slow
# machine only makes the gaps longer.
wait_for 60 failed_at_least A A 3 || fail "no third failed dial of node A"
grep "handshake failed: connect() failed.*node: A, peer: .*:9999\$" \
    "$T/A/error.log" | head -n 3 | while read -r day time rest; do
    date -d "$(echo "$day" | tr / -) $time" +%s
done > "$T/dial_times"
set -- $(cat "$T/dial_times")
[ $# = 3 ] || fail "could not read the dial times: $(cat "$T/dial_times")"
dials() {
    echo "$1"
    grep -E "9999|dial" "$T/A/error.log" | sed 's/^/  /'
}
[ $(( $2 - $1 )) -ge 5 ] \
    || fail "$(dials "second dial $(( $2 - $1 )) s after the first, not >= 5")"
[ $(( $3 - $2 )) -ge 10 ] \
    || fail "$(dials "third dial $(( $3 - $2 )) s after the second, not >= 10")"
echo "ok: dials $(( $2 - $1 )) s and $(( $3 - $2 )) s apart"
