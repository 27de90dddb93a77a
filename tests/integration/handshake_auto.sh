# Auto-connect end to end: daemon A (nodes A and its sibling A2) and
# daemon B, all with auto_connect, discover each other and end up with
# exactly one session per pair (one side dialled it), never a session
# between A and A2, and a peer whose dials fail is backed off.
# Polls are one openredctl call and a grep on its compact JSON, every
# 0.5 s, bounded.
. "$(dirname "$0")/handshake_lib.sh"

AUTO="auto_connect = true; discovery = { interval = 1; };"
hs_conf A 9001 "$AUTO"
hs_conf_sibling A A2 9003 "$AUTO"
hs_conf B 9002 "$AUTO"
hs_start A
hs_start B
FA=$(hs_fp A)
FA2=$($HSTOOL fp "$T/A/A2.pem")
FB=$(hs_fp B)

# n NAME PEER [DIRECTION]: sessions of daemon NAME with PEER.
n() {
    hs_ctl "$1" sessions --json \
        | grep -o "\"peer\":\"$2\",\"direction\":\"${3:-[a-z]*}\"" | wc -l
}
poll() {        # poll SECONDS COMMAND...: every 0.5 s, bounded
    local i=$(( $1 * 2 ))
    shift
    while [ "$i" -gt 0 ]; do
        "$@" && return 0
        sleep 0.5
        i=$(( i - 1 ))
    done
    return 1
}
linked() {
    [ "$(n A "$FB")" = 2 ] && [ "$(n B "$FA")" = 1 ] && [ "$(n B "$FA2")" = 1 ]
}
poll 30 linked || fail "no sessions A-B and A2-B within 30 s: A: $(hs_ctl A \
    sessions --json) B: $(hs_ctl B sessions --json)"
sleep 12           # two more auto-connect rounds: still one session each
linked || fail "duplicate sessions after more auto-connect rounds"
[ "$(( $(n A "$FB" out) + $(n B "$FA" out) + $(n B "$FA2" out) ))" = 2 ] \
    || fail "expected two dialled sessions (one per pair)"
[ "$(n A "$FA")" = 0 ] && [ "$(n A "$FA2")" = 0 ] \
    || fail "A holds a session with itself or its sibling"
grep -q "handshake refused: self" "$T/A/error.log" \
    && fail "a node of A dialled itself or its sibling"

# A peer that is discovered but does not answer: dials fail and back
# off (5 s, then 10 s), so over 12 s from the first failure there are at
# most two dials; without backoff every 5-6 s round would dial again.
nsx $V2PEER keygen "$T/ghost.pem" >/dev/null || fail "keygen"
FG=$($V2PEER fp "$T/ghost.pem")
hs_bg "$T/beacons" nsx timeout 40 $V2PEER beacon send --key "$T/ghost.pem" \
    --sector tech --port 9999 --count 40 --interval 1
failed() {
    grep -c "handshake failed: connect() failed.*node: A, peer: .*:9999\$" \
        "$T/A/error.log"
}
dialled_once() { [ "$(failed)" -ge 1 ]; }
poll 20 dialled_once || fail "the silent peer was never dialled"
sleep 12
[ "$(failed)" -le 2 ] || fail "no backoff: $(failed) failed dials in 12 s"
echo "ok"
