# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Hostile requests to the responder, each refused with the right reason
# in the original's {"error": ...} shape, and the initiator's checks of
# bad responses (key not bound, a stale response replayed).
. "$(dirname "$0")/handshake_lib.sh"

hs_conf A 9001
hs_conf B 9002 "handshake_timeout = 2;"
hs_start A
hs_start B
FA=$(hs_fp A)
FB=$(hs_fp B)

attack() {
    nsx $HSTOOL attack 127.0.0.1 9002 "$1" "$2"
}

expect() {
    local case=$1 want=$2 got
    got=$(attack "$FB" "$case")
    case "$got" in
        *"$want"*) ;;
        *) fail "$case: expected $want, got: $got" ;;
    esac
}

expect valid connection_accepted
expect replay '"handshake_verification_failed: replay"'
expect key_not_bound 'key_not_bound'
expect expired '"handshake_expired"'
expect wrong_target '"handshake_not_for_this_node"'
expect bad_signature '"handshake_verification_failed: "}'
expect garbage 'malformed_json'
expect slow_split connection_accepted
expect oversized 'too_big'
expect nan_timestamp 'json_nan'
expect float_timestamp 'timestamp_not_integer'
expect noncanonical_pem 'key_not_canonical'
expect stalled 'timeout'
expect silent_first connection_accepted

# A live session A -> B; a second handshake claiming A's fingerprint
# without A's key is refused and the live session stays.
hs_ctl A connect A 127.0.0.1:9002 "$FB" >/dev/null || fail "connect"
got=$(attack "$FB:$FA" claim_live)
case "$got" in *key_not_bound*) ;; *) fail "claim_live: $got" ;; esac
hs_ctl B sessions --json | grep -q "\"peer\":\"$FA\"" \
    || fail "the live session did not survive"

# Bad responses to our own dial.
# respond PORT CASE OUT: the tool in the background, exec'd so that its
# pid is the python's and the cleanup stops it if the test fails first
respond() {
    (exec ip netns exec "$NS" $HSTOOL respond "$1" "$2") > "$3" &
    HS_BG="$HS_BG $!"
    # it makes an RSA key before it prints its fingerprint: slow under load
    wait_for 30 test -s "$3" || fail "respond did not start"
}
respond 9100 key_not_bound "$T/r1"
hs_ctl A connect A 127.0.0.1:9100 "$(head -1 "$T/r1")" | grep -q \
    key_not_bound || fail "response key not bound was accepted"
wait

respond 9101 stale "$T/r2"
hs_ctl A connect A 127.0.0.1:9101 "$(head -1 "$T/r2")" >/dev/null \
    || fail "first dial to the stale responder failed"
# tsA (whole seconds) must change for the link to differ: wait for the
# next second of the clock it is read from
t0=$(date +%s)
next_second() { [ "$(date +%s)" -gt "$t0" ]; }
wait_for 3 next_second || fail "the clock did not move"
hs_ctl A connect A 127.0.0.1:9101 "$(head -1 "$T/r2")" | grep -q \
    mutual_link_mismatch || fail "a stale response was accepted"
wait

hs_ctl B sessions --json >/dev/null || fail "B stopped answering"
echo "ok"
