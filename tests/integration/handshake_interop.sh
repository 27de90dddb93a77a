# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Interop with the original v2 node, played by tests/peers/v2peer.py, on
# the original's port convention: an openred node on 127.0.0.1:9001 with
# sector tech (where an original dials a "tech" peer).
# (a) the original dials us, then sends messages with "mutual_link": null:
#     session in, messages in `watch` and the log;
# (b) we dial the original (`openredctl connect`): it prints accepted and
#     both sides hold the same mutual link.
. "$(dirname "$0")/handshake_lib.sh"

hs_conf A 9001
hs_start A
FA=$(hs_fp A)
nsx $V2PEER keygen "$T/orig.pem" > /dev/null || fail "v2peer keygen"
FO=$($V2PEER fp "$T/orig.pem")

# sessions_has PEER DIRECTION: A's table holds that session.
sessions_has() {
    hs_ctl A sessions --json | grep -q "\"peer\":\"$1\",\"direction\":\"$2\""
}
outcome() {     # outcome FILE WORD: v2peer printed "outcome": "WORD"
    grep -q "\"outcome\": \"$2\"" "$1"
}

# (a) the original as initiator, on 127.0.0.1:9001.
hs_bg "$T/watch" timeout 20 ip netns exec "$NS" "$OPENREDCTL" \
    -S "$T/A/control.sock" watch --json
# watch starts from "now": a failed dial (nothing on port 9) published
# after it subscribed proves it will see what follows, however slow.
subscribed() {
    hs_ctl A connect A 127.0.0.1:9 "$FO" >/dev/null 2>&1
    grep -q '"type":"handshake_failed"' "$T/watch"
}
wait_for 10 subscribed || fail "watch did not subscribe"
hs_bg "$T/dial" nsx timeout 15 $V2PEER dial --key "$T/orig.pem" \
    --connect 127.0.0.1:9001 --target "$FA" --messages 2 \
    --payload '{"hello": "from the original"}' --seconds 6
wait_for 5 outcome "$T/dial" connected \
    || fail "(a) the original's dial was not accepted: $(cat "$T/dial")"
wait_for 3 sessions_has "$FO" in || fail "(a) A lists no in session"
wait_for 3 grep -q '"sent": 2' "$T/dial" || fail "(a) messages not sent"
wait_for 4 grep -q '"type":"session_established".*"direction":"in"' \
    "$T/watch" || fail "(a) watch did not show the session"
lines() {       # lines N PATTERN FILE: exactly N lines match
    [ "$(grep -c "$2" "$3")" = "$1" ]
}
wait_for 3 lines 2 '"payload":{"hello":"from the original"}' "$T/watch" \
    || fail "(a) watch lacks the 2 messages: $(cat "$T/watch")"
wait_for 3 lines 2 "message received.*fingerprint: $FO" "$T/A/error.log" \
    || fail "(a) the log lacks the 2 messages"

# The original holds its link until --seconds: a live in session would
# win over a new out one (crossed dials keep one), so let it end first.
no_session() { ! hs_ctl A sessions --json | grep -q "\"peer\":\"$FO\""; }
wait_for 10 no_session || fail "(a) the session did not end with the link"
grep -q "session closed: closed by peer.*fingerprint: $FO" "$T/A/error.log" \
    || fail "(a) the end of the session was not logged"

# (b) the original as responder on its own port (9000: sector "other").
hs_bg "$T/resp" nsx timeout 15 $V2PEER respond --key "$T/orig.pem" \
    --listen 127.0.0.1:9000 --count 1 --seconds 10
wait_for 5 grep -q '"event": "listening"' "$T/resp" \
    || fail "(b) v2peer respond did not start"
out=$(hs_ctl A connect A 127.0.0.1:9000 "$FO" 2>&1)
echo "$out" | grep -q session_established \
    || fail "(b) connect A -> original did not establish: $out $(cat "$T/resp")"
wait_for 3 outcome "$T/resp" accepted \
    || fail "(b) the original did not accept: $(cat "$T/resp")"
sessions_has "$FO" out || fail "(b) A lists no out session"
link=$(hs_ctl A sessions --json | $PY -c '
import json, sys
s = json.load(sys.stdin)
print([x["mutual_link"] for x in s if x["direction"] == "out"][0])')
grep -q "\"mutual_link\": \"$link\"" "$T/resp" \
    || fail "(b) the mutual links differ: ours $link, $(cat "$T/resp")"
hs_ctl A send "$FO" '{"hello": "to the original"}' >/dev/null \
    || fail "(b) send to the original (which never reads) failed"
echo "ok"
