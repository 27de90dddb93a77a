# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Garbage and replayed old datagrams are counted and refused, never
# listed; the original's vector beacon (node A, sealed at 1764000002) is
# refused as expired, and the same plaintext sealed now is listed.
#
# Why re-seal rather than a huge expire: expire is at most 86400 s and the
# vector's Fernet timestamp is fixed in the past, so no accepted setting
# keeps opening it as time goes on; and accepting old tokens is exactly
# the replay this daemon refuses. v2peer seals the same fields (node A's
# key, sector, services, port, activity, node_hash) with the original's
# key derivation and layout, so only the timestamp differs.
. "$(dirname "$0")/discovery_lib.sh"

dc_conf d 'interval = 30;' 'id = "d"; sector = "tech"; listen = "127.0.0.1:9001";'
dc_start d
fa=$(cat "$VECTORS/node-a.fp")
refused() {
    dc_stat d "r[\"sockets\"][0][\"refused\"].get(\"$1\", 0) >= ${2:-1}"
}

# for wait_for, which must re-run the query on each poll
refused_true() {
    [ "$(refused "$@")" = True ]
}

head -c 300 /dev/urandom > "$T/junk.bin"
printf 'not a token at all' > "$T/text.bin"
head -c 5000 /dev/zero | tr '\0' A > "$T/big.bin"
dc_send --raw "$T/junk.bin"
dc_send --raw "$T/text.bin"
dc_send --raw "$T/big.bin"
dc_send --raw "$VECTORS/beacon-a-bad-hmac.token"
dc_send --raw "$VECTORS/beacon-a.token" --count 3 --interval 0.05
wait_for 5 refused_true expired 3 \
    || fail "the old vector beacon was not refused as expired"
[ "$(refused too_big)" = True ] || fail "a 5000-byte datagram not refused as too_big"
[ "$(refused hmac)" = True ] || fail "the bad-HMAC vector not refused (hmac)"
[ "$(dc_stat d 'sum(r["sockets"][0]["refused"].values()) >= 7')" = True ] \
    || fail "garbage not counted: $(dc_stat d 'r["sockets"][0]')"
dc_not_lists d d "$fa" || fail "a replayed old beacon listed node A"
# peer trouble is logged at info, and not once per datagram
[ "$(grep -c 'beacon refused' "$T/d/error.log")" -le 2 ] \
    || fail "refusals logged per datagram"
grep 'beacon refused' "$T/d/error.log" | grep -qv '\[info\]' \
    && fail "refusals logged above info"

node_hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["node_hash"])' \
    "$VECTORS/beacon-a.plain.json")
dc_send --key "$VECTORS/node-a.key.pem" --sector tech --port 9001 \
    --services storage,compute,revolutionary_p2p --activity 87 \
    --node-hash "$node_hash"
wait_for 5 dc_lists d d "$fa" || fail "node A's re-sealed beacon not listed"
dc_ctl d peers --json | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x["fingerprint"] == sys.argv[1]][0]
assert p["sector"] == "tech" and p["port"] == 9001, p
assert p["services"] == ["storage", "compute", "revolutionary_p2p"], p
assert p["address"] == "127.0.0.1" and p["protocol"] == "2.0", p
' "$fa" || fail "node A listed with the wrong fields"
exit 0
