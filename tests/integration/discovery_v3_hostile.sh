# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Signed v3 beacons (docs/PROTOCOL.md v3 §11) from the independent Python
# implementation (tests/peers/v3peer.py), and each hostile variant refused
# with its counted reason while the peer stays as it was: an old sequence,
# a forged goodbye (signed by another key), a replayed goodbye, an old
# instance's beacon after a newer one's, another network's seal, and a v2
# beacon that would move a peer a v3 beacon listed.
. "$(dirname "$0")/discovery_lib.sh"

V3PEER="python3 $TOP/tests/peers/v3peer.py"

dc_conf a 'interval = 120;' 'id = "a"; sector = "tech"; listen = "127.0.0.1:9001";'
dc_key a a
dc_key x x
dc_key y y
fx=$(dc_fp x x)
dc_start a
wait_for 10 dc_true a 'r["sockets"][0]["own"] > 0' \
    || fail "a never received its own beacon"

# b3 ARGS...: one v3 beacon from x (instance 5 unless ARGS say)
b3() {
    nsx $V3PEER beacon --key "$T/x/x.pem" --instance 5 --tcp-port 9100 \
        --sector tech "$@" >/dev/null || fail "v3peer beacon $*"
}
refused() {
    dc_stat a "r['sockets'][0]['refused'].get('$1', 0)"
}
# wait_refused REASON N: a counted N refusals of REASON
wait_refused() {
    wait_for 10 dc_true a "r['sockets'][0]['refused'].get('$1', 0) == $2" \
        || fail "$1: $(refused "$1") refusals, expected $2"
}
port_of_x() {
    dc_ctl a peers --json | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x["fingerprint"] == sys.argv[1]]
print(p[0]["port"] if p else "none")' "$fx"
}

b3 --seq 10 --service storage
wait_for 10 dc_lists a a "$fx" || fail "a did not list x from its v3 beacon"
dc_ctl a peers --json | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x["fingerprint"] == sys.argv[1]][0]
assert p["protocol"] == "3.0" and p["id"][:16] == sys.argv[1], p
assert p["port"] == 9100 and p["sector"] == "tech", p
assert p["services"] == ["storage"], p
' "$fx" || fail "x's entry as a lists it"

# an old sequence of the same instance, on another port: refused, unmoved
b3 --seq 9 --tcp-port 9199
wait_refused v3_beacon_seq 1
[ "$(port_of_x)" = 9100 ] || fail "an old sequence moved x to $(port_of_x)"

# a GOODBYE for x signed by y: bad_signature, x stays
b3 --seq 11 --type goodbye --sign-with "$T/y/y.pem"
wait_refused bad_signature 1
dc_lists a a "$fx" || fail "a forged goodbye removed x"

# x's own GOODBYE removes it at once; kept, then replayed after x is back
b3 --seq 12 --type goodbye --save "$T/goodbye.hex"
wait_for 10 dc_not_lists a a "$fx" || fail "x's goodbye did not remove it"
b3 --seq 13
wait_for 10 dc_lists a a "$fx" || fail "x not listed again after seq 13"
nsx $V3PEER beacon --raw "$T/goodbye.hex" >/dev/null || fail "replay"
wait_refused v3_beacon_seq 2
dc_lists a a "$fx" || fail "a replayed goodbye removed x"

# x restarts (instance 6); then a beacon of the old instance 5, dated
# before the new one's: stale, refused
b3 --instance 6 --seq 1 --tcp-port 9101
wait_for 10 test "$(port_of_x)" = 9101 || fail "x's new instance not taken"
b3 --seq 14 --tcp-port 9198 --ts-offset -5000
wait_refused v3_beacon_stale 1
[ "$(port_of_x)" = 9101 ] || fail "an old instance moved x"

# another network's seal: refused before anything is read
b3 --instance 6 --seq 2 --passphrase other-network --tcp-port 9197
wait_refused v3_beacon_seal 1

# a v2 beacon for x (anyone with the passphrase can forge one): held
dc_send --key "$T/x/x.pem" --sector tech --port 9196
wait_for 10 dc_true a 'r["nodes"][0]["v3_held"] == 1' \
    || fail "the v2 beacon was not held: $(dc_stat a 'r["nodes"][0]')"
[ "$(port_of_x)" = 9101 ] || fail "a v2 beacon moved x to $(port_of_x)"
# four passed every check: seq 10, the goodbye, seq 13, instance 6
[ "$(dc_stat a 'r["sockets"][0]["v3_verified"]')" = 4 ] \
    || fail "verified count: $(dc_stat a 'r["sockets"][0]')"
exit 0
