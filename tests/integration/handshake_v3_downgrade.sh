# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# No downgrade to v2 (docs/PROTOCOL.md v3 §6.2): once a peer completed v3
# (tests/peers/v3peer.py), a v2 handshake claiming its fingerprint is
# refused as v3_downgrade and counted, also after a restart (the seen-v3
# set is saved to seen_v3_file); openredctl connect with its 16-hex
# fingerprint dials v3; a node with protocol.min_version = 3 refuses v2
# outright (v2_refused), and a fresh v2 peer is still served where v2 is
# allowed.
. "$(dirname "$0")/handshake_lib.sh"

V3PEER="$PY $TOP/tests/peers/v3peer.py"
KA=$TOP/tests/vectors/legacy-v2/node-a.key.pem
FA=$(cat "$TOP/tests/vectors/legacy-v2/node-a.fp")
refused() {     # refused NAME NODE REASON
    hs_ctl "$1" status --json | $PY -c '
import json, sys
print(json.load(sys.stdin)["handshakes"][sys.argv[1]].get(sys.argv[2], 0))' \
    "$2" "$3"; }
# v2dial KEY PORT TARGET OUT: the original dials with KEY
v2dial() {
    nsx timeout 15 $V2PEER dial --key "$1" --connect "127.0.0.1:$2" \
        --target "$3" --messages 1 --payload '{"hello": "v2"}' \
        --seconds 1 > "$4" 2>&1
}

hs_conf B 9002
# the workers write the set: $T is root's alone, so they stay root here
sed -i "1i seen_v3_file = \"$T/B/seen-v3\"; user = \"root\";" \
    "$T/B/openred.conf"
hs_conf C 9003 'protocol = { min_version = 3; };'
hs_start B
hs_start C
FB=$(hs_fp B)
IDB=$($PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import v3peer
k = v3peer.load_key(sys.argv[2])
print(v3peer.id_of_der(v3peer.der_of(k.public_key())).hex())' \
    "$TOP/tests/peers" "$T/B/key.pem")
IDA=$($PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import v3peer
k = v3peer.load_key(sys.argv[2])
print(v3peer.id_of_der(v3peer.der_of(k.public_key())).hex())' \
    "$TOP/tests/peers" "$KA")

# (a) before any v3, A's key is served in v2 by B
v2dial "$KA" 9002 "$FB" "$T/v2a"
grep -q '"outcome": "connected"' "$T/v2a" \
    || fail "(a) v2 from A refused before v3: $(cat "$T/v2a")"

# (b) A completes v3 with B: B keeps A's id, and writes it down
nsx timeout 15 $V3PEER dial 127.0.0.1 9002 --key "$KA" --peer-id "$IDB" \
    --count 0 > "$T/v3" 2>&1
grep -q '"event": "session"' "$T/v3" || fail "(b) no v3 session: $(cat "$T/v3")"
wait_for 10 grep -q "^$IDA " "$T/B/seen-v3" \
    || fail "(b) A's id not in B's seen-v3 file: $(cat "$T/B/seen-v3" 2>&1)"
[ "$(stat -c %a "$T/B/seen-v3")" = 600 ] || fail "(b) seen-v3 mode"

# (c) the same fingerprint in v2 now: refused, counted, no session
v2dial "$KA" 9002 "$FB" "$T/v2c"
grep -q 'v3_downgrade' "$T/v2c" \
    || fail "(c) a v2 handshake from a v3 peer was not refused: $(cat "$T/v2c")"
[ "$(refused B B v3_downgrade)" = 1 ] || fail "(c) v3_downgrade not counted"

# (d) B restarts: the file remembers A
pb=$(cat "$T/B/openred.pid")
kill -TERM "$pb"
wait_for 10 pid_gone "$pb" || fail "B did not stop"
hs_start B
v2dial "$KA" 9002 "$FB" "$T/v2d"
grep -q 'v3_downgrade' "$T/v2d" \
    || fail "(d) the restarted B forgot A: $(cat "$T/v2d")"
[ "$(refused B B v3_downgrade)" = 1 ] || fail "(d) not counted after restart"

# (e) B dials A by its 16-hex fingerprint: v3, since A is in seen-v3
hs_bg "$T/serve" nsx timeout 20 $V3PEER serve --key "$KA" --port 9100 \
    --count 0
wait_for 10 grep -q '"event": "listening"' "$T/serve" \
    || fail "(e) v3peer serve did not start: $(cat "$T/serve" "$T/serve.err")"
out=$(hs_ctl B connect B 127.0.0.1:9100 "$FA" 2>&1) \
    || fail "(e) connect by fingerprint failed: $out"
wait_for 5 grep -q '"event": "session"' "$T/serve" \
    || fail "(e) B did not dial v3: $(cat "$T/serve")"

# (f) C wants v3 only: any v2 handshake is refused, counted
nsx $V2PEER keygen "$T/orig.pem" > /dev/null || fail "v2peer keygen"
v2dial "$T/orig.pem" 9003 "$(hs_fp C)" "$T/v2f"
grep -q 'v2_refused' "$T/v2f" || fail "(f) C took v2: $(cat "$T/v2f")"
[ "$(refused C C v2_refused)" = 1 ] || fail "(f) v2_refused not counted"
# ... and a fresh v2 peer is still served by B
v2dial "$T/orig.pem" 9002 "$FB" "$T/v2g"
grep -q '"outcome": "connected"' "$T/v2g" \
    || fail "(g) B refused a fresh v2 peer: $(cat "$T/v2g")"
exit 0
