# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Auto-connect end to end: daemon A (nodes A and its sibling A2) and
# daemon B, all with auto_connect, discover each other and end up with
# exactly one session per pair (one side dialled it), never a session
# between A and A2, and a peer whose dials fail is backed off.
# A silent peer ("ghost") beacons from the start: its failed dials, seen
# in the log, show the backoff; a second one, heard once the sessions are
# up, shows that later rounds keep them one per pair.
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

wait_for 60 linked || fail "no sessions A-B and A2-B within 60 s: A: $(hs_ctl \
    A sessions --json) B: $(hs_ctl B sessions --json)"

# Backoff: after the first failed dial the next waits 5 s, after the
# second 10 s. The daemon's own log times say so: rounds come every 5-6 s,
# so without the doubling the second gap would be 5-6 s too; a slow
# machine only makes the gaps longer.
wait_for 90 failed_at_least A A 3 || fail "no third failed dial of node A"
grep "handshake failed: connect() failed.*node: A, peer: .*:9999\$" \
    "$T/A/error.log" | head -n 3 | while read -r day time rest; do
    date -d "$(echo "$day" | tr / -) $time" +%s
done > "$T/dial_times"
set -- $(cat "$T/dial_times")
[ $# = 3 ] || fail "could not read the dial times: $(cat "$T/dial_times")"
dials() {
    echo "$1"
    grep -E "$2|dial" "$T/A/error.log" | sed 's/^/  /'
}
[ $(( $2 - $1 )) -ge 5 ] \
    || fail "$(dials "second dial $(( $2 - $1 )) s after the first, not >= 5" 9999)"
[ $(( $3 - $2 )) -ge 10 ] \
    || fail "$(dials "third dial $(( $3 - $2 )) s after the second, not >= 10" 9999)"
gaps="$(( $2 - $1 )) s and $(( $3 - $2 )) s"

# More auto-connect rounds of each daemon: the sessions stay one per pair.
# The rounds are counted by a second silent peer heard only from now on:
# each of its first two failed dials is a round of that daemon (its
# backoff starts at 5 s, so the two are rounds apart). Not the first
# ghost's: its dials, 5, 10, 20 s... apart, would be the clock of a
# wait that grows with how slowly the sessions came up.
nsx $V2PEER keygen "$T/ghost2.pem" >/dev/null || fail "keygen"
hs_bg "$T/beacons2" nsx timeout 90 $V2PEER beacon send --key \
    "$T/ghost2.pem" --sector tech --port 9998 --count 90 --interval 1
failed2() {
    grep -c "handshake failed: connect() failed.*node: $2, peer: .*:9998\$" \
        "$T/$1/error.log"
}
failed2_at_least() { [ "$(failed2 "$1" "$2")" -ge "$3" ]; }
wait_for 60 failed2_at_least A A 2 \
    || fail "$(dials "A's auto-connect did not dial the second ghost twice" 9998)"
wait_for 60 failed2_at_least B B 2 \
    || fail "B's auto-connect did not dial the second ghost twice"
linked || fail "duplicate sessions after more auto-connect rounds"
[ "$(( $(n A "$FB" out) + $(n B "$FA" out) + $(n B "$FA2" out) ))" = 2 ] \
    || fail "expected two dialled sessions (one per pair)"
[ "$(n A "$FA")" = 0 ] && [ "$(n A "$FA2")" = 0 ] \
    || fail "A holds a session with itself or its sibling"
grep -q "handshake refused: self" "$T/A/error.log" \
    && fail "a node of A dialled itself or its sibling"
echo "ok: dials $gaps apart"
