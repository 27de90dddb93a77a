# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# v3 dials (docs/PROTOCOL.md Part v3): openredctl connect with a 64-hex
# id dials v3. Daemon to daemon: one session, version 3 on both sides,
# messages both ways. Daemon to the independent v3 peer: a session and a
# message; a peer that tampers with its MSG2 fails the dial with a counted
# bad_signature; a v2-only peer drops the v3 hello, and the dial fails.
. "$(dirname "$0")/handshake_lib.sh"

V3PEER="$PY $TOP/tests/peers/v3peer.py"
KA=$TOP/tests/vectors/legacy-v2/node-a.key.pem
id_of() { $PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import v3peer
k = v3peer.load_key(sys.argv[2])
print(v3peer.id_of_der(v3peer.der_of(k.public_key())).hex())' \
    "$TOP/tests/peers" "$1"; }
version_of() {  # version_of NAME PEER: version of NAME's session with PEER
    hs_ctl "$1" sessions --json | $PY -c '
import json, sys
s = [x for x in json.load(sys.stdin) if x["peer"] == sys.argv[1]]
print(s[0]["version"] if len(s) == 1 else "")' "$2"; }
refused() {     # refused NAME NODE REASON
    hs_ctl "$1" status --json | $PY -c '
import json, sys
print(json.load(sys.stdin)["handshakes"][sys.argv[1]].get(sys.argv[2], 0))' \
    "$2" "$3"; }

hs_conf A 9001
hs_conf B 9002
hs_start A
hs_start B
FA=$(hs_fp A)
FB=$(hs_fp B)
IDB=$(id_of "$T/B/key.pem")

# (a) daemon to daemon
out=$(hs_ctl A connect A 127.0.0.1:9002 "$IDB" 2>&1)
echo "$out" | grep -q session_established \
    || fail "(a) connect A -> B by id did not establish: $out"
wait_for 3 test "$(version_of A "$FB")" = 3 || fail "(a) A: not a v3 session"
wait_for 3 test "$(version_of B "$FA")" = 3 || fail "(a) B: not a v3 session"
hs_ctl A send "$FB" '{"hello": "v3 from A"}' > /dev/null || fail "(a) send A"
hs_ctl B send "$FA" '{"hello": "v3 from B"}' > /dev/null || fail "(a) send B"
wait_for 5 grep -q "message received: .* v3, .*fingerprint: $FA" \
    "$T/B/error.log" || fail "(a) B did not get A's message"
wait_for 5 grep -q "message received: .* v3, .*fingerprint: $FB" \
    "$T/A/error.log" || fail "(a) A did not get B's message"

# (b) daemon to the v3 peer
IDP=$(id_of "$KA")
FP=${IDP:0:16}
hs_bg "$T/serve" nsx timeout 15 $V3PEER serve --key "$KA" --port 9100 \
    --count 1
wait_for 5 grep -q '"event": "listening"' "$T/serve" \
    || fail "(b) v3peer serve did not start"
out=$(hs_ctl A connect A 127.0.0.1:9100 "$IDP" 2>&1)
echo "$out" | grep -q session_established \
    || fail "(b) connect A -> v3 peer: $out $(cat "$T/serve")"
hs_ctl A send "$FP" '{"hello": "to the peer"}' > /dev/null \
    || fail "(b) send A -> peer"
wait_for 5 grep -q '"event": "message".*to the peer' "$T/serve" \
    || fail "(b) the peer did not get the message: $(cat "$T/serve")"

# (c) a responder whose MSG2 is tampered with: no session, counted
hs_bg "$T/tamper" nsx timeout 15 $V3PEER serve --key "$KA" --port 9101 \
    --attack tamper-suite --timeout 3
wait_for 5 grep -q '"event": "listening"' "$T/tamper" \
    || fail "(c) v3peer serve did not start"
! hs_ctl A connect A 127.0.0.1:9101 "$IDP" > "$T/c.out" 2>&1 \
    || fail "(c) a tampered MSG2 established: $(cat "$T/c.out")"
grep -q handshake_failed "$T/c.out" || fail "(c) no handshake_failed"
wait_for 3 grep -q "handshake failed: v3 bad_signature" "$T/A/error.log" \
    || fail "(c) A did not log the bad signature"
[ "$(refused A A bad_signature)" -ge 1 ] || fail "(c) not counted"

# (d) a v2-only peer (the original drops what it cannot decode): the v3
# dial fails, with no fallback to v2 on that connection
nsx $V2PEER keygen "$T/orig.pem" > /dev/null || fail "v2peer keygen"
hs_bg "$T/resp" nsx timeout 15 $V2PEER respond --key "$T/orig.pem" \
    --listen 127.0.0.1:9102 --count 1 --seconds 10
wait_for 5 grep -q '"event": "listening"' "$T/resp" \
    || fail "(d) v2peer respond did not start"
IDO=$(id_of "$T/orig.pem")
! hs_ctl A connect A 127.0.0.1:9102 "$IDO" > "$T/d.out" 2>&1 \
    || fail "(d) a v3 dial to a v2 peer established"
grep -q '"outcome": "dropped"' "$T/resp" || fail "(d) v2peer: $(cat "$T/resp")"
wait_for 3 grep -q "handshake failed: closed_early, node: A, peer: 127.0.0.1:9102" \
    "$T/A/error.log" || fail "(d) A did not log the failed dial"
[ -z "$(version_of A "${IDO:0:16}")" ] || fail "(d) A lists a session"
# (e) a peer answering in v2 ('{'): the dial fails, no fallback
hs_bg "$T/v2ans" nsx timeout 15 $V3PEER serve --key "$KA" --port 9103 \
    --attack answer-v2
wait_for 5 grep -q '"event": "listening"' "$T/v2ans" \
    || fail "(e) v3peer serve did not start"
! hs_ctl A connect A 127.0.0.1:9103 "$IDP" > "$T/e.out" 2>&1 \
    || fail "(e) a v2 answer established"
wait_for 3 grep -q "handshake failed: v3_bad_magic (the peer answered in v2)" \
    "$T/A/error.log" || fail "(e) A did not log the v2 answer"
echo "ok"
