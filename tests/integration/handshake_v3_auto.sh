# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Two openred daemons find each other through signed v3 beacons and hold
# a v3 session by default (auto-connect dials v3 to a peer a verified v3
# beacon listed), while the original node (tests/peers/v2peer.py) gets v2
# on the same port at the same time; a tcpdump capture holds the v2
# message but no v3 plaintext; sessions and watch show the version,
# the suite and the session id of each.
. "$(dirname "$0")/handshake_lib.sh"

AUTO="auto_connect = true; discovery = { interval = 1; };"
hs_conf A 9001 "$AUTO"
hs_conf B 9002 "$AUTO"
nsx $V2PEER keygen "$T/orig.pem" > /dev/null || fail "v2peer keygen"
FO=$($V2PEER fp "$T/orig.pem")
hs_start A
FA=$(hs_fp A)
hs_bg "$T/watch" timeout 60 ip netns exec "$NS" "$OPENREDCTL" \
    -S "$T/A/control.sock" watch --json
# watch starts from "now": a failed dial published after it subscribed
# proves it will see what follows
subscribed() {
    hs_ctl A connect A 127.0.0.1:9 "$FO" >/dev/null 2>&1
    grep -q '"type":"handshake_failed"' "$T/watch"
}
wait_for 10 subscribed || fail "watch did not subscribe"
hs_start B
FB=$(hs_fp B)

# session NAME PEER: the JSON of NAME's session with PEER, or nothing
session() {
    hs_ctl "$1" sessions --json | python3 -c '
import json, sys
s = [x for x in json.load(sys.stdin) if x["peer"] == sys.argv[1]]
print(json.dumps(s[0]) if len(s) == 1 else "")' "$2"
}
linked() { [ -n "$(session A "$FB")" ] && [ -n "$(session B "$FA")" ]; }
wait_for 30 linked || fail "no session A-B within 30 s: A: $(hs_ctl A \
    sessions --json) B: $(hs_ctl B sessions --json)"
python3 - "$(session A "$FB")" "$(session B "$FA")" << 'END' \
    || fail "A-B is not v3: $(session A "$FB") / $(session B "$FA")"
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for s in (a, b):
    assert s["version"] == 3 and s["suite"] == "chacha20-poly1305", s
    assert len(s["session_id"]) == 32, s
assert a["session_id"] == b["session_id"], (a, b)
assert {a["direction"], b["direction"]} == {"in", "out"}, (a, b)
END
hs_ctl A peers --json | grep -q "\"fingerprint\":\"$FB\".*\"protocol\":\"3.0\"" \
    || fail "A does not list B from a v3 beacon"

# A capture of the namespace's loopback (tcpdump, as an eavesdropper on
# the LAN would) while A sends B a message over v3 and the original sends
# A one over v2: the v3 text is nowhere on the wire, the v2 one is (the
# capture does see payloads).
need_cmd tcpdump
hs_bg "$T/cap.out" nsx timeout 60 tcpdump -i lo -U -n -w "$T/cap.pcap" tcp
CAP=${HS_BG##* }
wait_for 10 grep -q "listening on lo" "$T/cap.out.err" \
    || fail "tcpdump did not start: $(cat "$T/cap.out.err")"
hs_ctl A send "$FB" '{"note": "v3-plaintext-marker"}' > /dev/null \
    || fail "send A -> B"
wait_for 10 grep -q "message received: .*v3, .*fingerprint: $FA" \
    "$T/B/error.log" || fail "B did not log A's v3 message"

# the original dials A on the same port: a v2 session beside the v3 one
hs_bg "$T/dial" nsx timeout 15 $V2PEER dial --key "$T/orig.pem" \
    --connect 127.0.0.1:9001 --target "$FA" --messages 1 \
    --payload '{"hello": "v2"}' --seconds 6
wait_for 10 grep -q '"outcome": "connected"' "$T/dial" \
    || fail "the original's dial was not accepted: $(cat "$T/dial")"
v2_in() { [ -n "$(session A "$FO")" ]; }
wait_for 5 v2_in || fail "A lists no session with the original"
python3 - "$(session A "$FO")" "$(session A "$FB")" << 'END' \
    || fail "versions side by side: $(hs_ctl A sessions --json)"
import json, sys
o, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert o["version"] == 2 and o["suite"] is None, o
assert o["session_id"] is None and len(o["mutual_link"]) == 32, o
assert b["version"] == 3, b
END
# the text table shows both, with their version, suite and session id
hs_ctl A sessions > "$T/table"
sid=$(session A "$FB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')
grep -q "$FB .* v3  chacha20-poly1305 $sid" "$T/table" \
    || fail "sessions table, v3 row: $(cat "$T/table")"
grep -q "$FO .* v2  - " "$T/table" \
    || fail "sessions table, v2 row: $(cat "$T/table")"
wait_for 10 grep -q "message received: .*fingerprint: $FO" "$T/A/error.log" \
    || fail "A did not log the original's v2 message"
kill -TERM "$CAP"     # timeout(1) passes TERM on to tcpdump
wait "$CAP" 2>/dev/null
grep -aq 'hello' "$T/cap.pcap" \
    || fail "the capture holds not even the v2 message: $(cat "$T/cap.out.err")"
grep -aq "v3-plaintext-marker" "$T/cap.pcap" \
    && fail "v3 message plaintext on the wire"
# watch: each session_established says its version, suite and id
wait_for 5 grep -q "\"type\":\"session_established\".*\"peer\":\"$FB\".*\"version\":3" \
    "$T/watch" || fail "watch: no v3 session_established: $(cat "$T/watch")"
grep "\"type\":\"session_established\".*\"peer\":\"$FB\"" "$T/watch" \
    | grep -q "\"suite\":\"chacha20-poly1305\".*\"session_id\":\"$sid\"" \
    || fail "watch: v3 fields: $(cat "$T/watch")"
grep "\"type\":\"session_established\".*\"peer\":\"$FO\"" "$T/watch" \
    | grep -q '"version":2.*"suite":null.*"mutual_link":"' \
    || fail "watch: v2 fields: $(cat "$T/watch")"
exit 0
