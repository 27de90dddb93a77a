# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# v3 keepalive and idle close (docs/PROTOCOL.md v3 §7.4): a session with
# nothing to send gets a PING after 15 s; a peer that answers nothing is
# closed with CLOSE (timeout) after 45 s, counted, and the session is
# gone. Takes about 46 s: the bounds are the protocol's constants.
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

hs_bg "$T/dial" nsx timeout 70 $V3PEER dial 127.0.0.1 9002 --key "$KA" \
    --peer-id "$IDB" --count 0 --attack mute --timeout 60
wait_for 5 grep -q '"event": "session"' "$T/dial" || fail "no session"
wait_for 20 grep -q '"event": "ping"' "$T/dial" \
    || fail "no PING within 20 s: $(cat "$T/dial")"
wait_for 40 grep -q '"event": "closed", "reason": "peer_close", "code": 4' \
    "$T/dial" || fail "no CLOSE timeout: $(cat "$T/dial")"
grep -q "session closed: v3 idle: nothing received for 45 s.*fingerprint: $FA" \
    "$T/B/error.log" || fail "B did not log the idle close"
hs_ctl B sessions --json | grep -q "$FA" && fail "the session outlived it"
echo "ok"
