# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# v3 beside v2 on one port (docs/PROTOCOL.md v3 §3): the independent v3
# peer (tests/peers/v3peer.py) dials a daemon, the session is listed as
# version 3 with its session id, messages pass both ways, a CLOSE ends
# it; a tampered offer and a replayed MSG1 are refused with a counted
# reason and no session; a v2 peer is still served on the same port.
. "$(dirname "$0")/handshake_lib.sh"

V3PEER="$PY $TOP/tests/peers/v3peer.py"
KA=$TOP/tests/vectors/legacy-v2/node-a.key.pem
FA=$(cat "$TOP/tests/vectors/legacy-v2/node-a.fp")

hs_conf B 9002
hs_start B
IDB=$($PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import v3peer
k = v3peer.load_key(sys.argv[2])
print(v3peer.id_of_der(v3peer.der_of(k.public_key())).hex())' \
    "$TOP/tests/peers" "$T/B/key.pem")
[ "${IDB:0:16}" = "$(hs_fp B)" ] || fail "id $IDB does not extend $(hs_fp B)"

sessions() { hs_ctl B sessions --json; }
# field NAME: NAME of B's one session from A, or nothing
field() { sessions | $PY -c '
import json, sys
s = [x for x in json.load(sys.stdin) if x["peer"] == sys.argv[1]]
print(s[0][sys.argv[2]] if len(s) == 1 else "")' "$FA" "$1"; }
refused() { hs_ctl B status --json | $PY -c '
import json, sys
print(json.load(sys.stdin)["handshakes"]["B"].get(sys.argv[1], 0))' "$1"; }

# (a) a session, both ways
hs_bg "$T/dial" nsx timeout 15 $V3PEER dial 127.0.0.1 9002 --key "$KA" \
    --peer-id "$IDB" --send '{"hello": "v3 from a"}' --count 1 \
    --attack save-msg1 --file "$T/msg1" --wire "$T/wire"
wait_for 5 grep -q '"event": "session"' "$T/dial" \
    || fail "(a) no v3 session: $(cat "$T/dial" "$T/dial.err")"
wait_for 5 grep -q "message received: 22 bytes, v3, .*fingerprint: $FA" \
    "$T/B/error.log" || fail "(a) B did not log the v3 message"
[ "$(field version)" = 3 ] || fail "(a) the session is not listed as v3"
[ "$(field suite)" = chacha20-poly1305 ] || fail "(a) suite: $(field suite)"
SID=$($PY -c 'import json, sys
print([json.loads(l) for l in open(sys.argv[1])][0]["sid"])' "$T/dial")
[ "$(field mutual_link)" = "$SID" ] || fail "(a) session id differs"
[ "$(field messages_in)" = 1 ] || fail "(a) B did not count the message"
hs_ctl B send "$FA" '{"hello": "v3 from b"}' > /dev/null \
    || fail "(a) send B -> A"
wait_for 5 grep -q '"event": "message".*v3 from b' "$T/dial" \
    || fail "(a) A did not get B's message: $(cat "$T/dial")"
wait_for 5 grep -q "session closed: closed by peer (v3 code 0)" \
    "$T/B/error.log" || fail "(a) B did not see the CLOSE"
wait_for 3 test -z "$(field version)" || fail "(a) the session outlived CLOSE"
# the capture of both directions holds no message plaintext
[ "$(wc -c < "$T/wire")" -gt 1000 ] || fail "(a) no capture"
! grep -q "v3 from" "$T/wire" || fail "(a) message plaintext on the wire"

# (b) offers tampered in transit: bad signature, counted, no session
ACC=$(refused accepted)
nsx timeout 10 $V3PEER dial 127.0.0.1 9002 --key "$KA" --peer-id "$IDB" \
    --attack tamper-suites > "$T/tamper" 2>&1
grep -q '"reason": "peer_error", "code": 2' "$T/tamper" \
    || fail "(b) no REFUSE auth: $(cat "$T/tamper")"
wait_for 3 grep -q "handshake refused: v3 bad_signature" "$T/B/error.log" \
    || fail "(b) B did not log the bad signature"
[ "$(refused bad_signature)" -ge 1 ] || fail "(b) bad_signature not counted"

# (c) the MSG1 of (a) replayed: refused by the cache, never a session
nsx timeout 10 $V3PEER dial 127.0.0.1 9002 --key "$KA" --peer-id "$IDB" \
    --attack replay-msg1 --file "$T/msg1" > "$T/replay" 2>&1
grep -q '"event": "refused"' "$T/replay" || fail "(c) replay not refused"
wait_for 3 test "$(refused replay)" -ge 1 || fail "(c) replay not counted"
[ "$(refused accepted)" = "$ACC" ] || fail "(c) a session was counted"

# (c2) a copy of a MSG1 with another nonce and the same sig_i, sent first,
# is refused (bad_signature) and does not poison the replay cache: the
# genuine MSG1 after it still makes a session
nsx timeout 10 $V3PEER dial 127.0.0.1 9002 --key "$KA" --peer-id "$IDB" \
    --attack poison-first --send '{}' --count 0 --timeout 1 > "$T/poison" 2>&1
grep -q '"event": "poisoned", "code": 2' "$T/poison" \
    || fail "(c2) the altered copy was not refused: $(cat "$T/poison")"
grep -q '"event": "session"' "$T/poison" \
    || fail "(c2) the genuine MSG1 was refused: $(cat "$T/poison")"
[ "$(refused accepted)" = "$((ACC + 1))" ] || fail "(c2) not one session"

# (d) a zero first byte is v3's: junk after it is a bad magic, in v3
printf '\000\377junk' | nsx timeout 5 $PY -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", 9002))
s.sendall(sys.stdin.buffer.read())
sys.stdout.buffer.write(s.recv(64))' > "$T/junk"
[ "$(od -An -tx1 "$T/junk" | tr -d ' \n')" = 00000003050001 ] \
    || fail "(d) no REFUSE protocol for junk: $(od -An -tx1 "$T/junk")"
wait_for 3 test "$(refused v3_bad_magic)" -ge 1 || fail "(d) not counted"

# (e) v2 on the same port
nsx $V2PEER keygen "$T/orig.pem" > /dev/null || fail "v2peer keygen"
FO=$($V2PEER fp "$T/orig.pem")
nsx timeout 15 $V2PEER dial --key "$T/orig.pem" --connect 127.0.0.1:9002 \
    --target "$(hs_fp B)" --messages 1 --payload '{"hello": "v2"}' \
    --seconds 1 > "$T/v2" 2>&1
grep -q connected "$T/v2" || fail "(e) v2 refused on the v3 port: $(cat "$T/v2")"
wait_for 3 grep -q "message received: .*fingerprint: $FO" "$T/B/error.log" \
    || fail "(e) B did not take the v2 message"
echo "ok"
