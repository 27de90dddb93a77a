# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# openredctl watch shows discovery's events: peer_discovered once when a
# second daemon starts in the namespace (not again on each refresh), and
# peer_lost when it stops (its goodbye); a peer pushed out of a full table
# is lost as "evicted".
. "$(dirname "$0")/discovery_lib.sh"

dc_conf a 'interval = 1; expire = 4; max_peers = 1;' 'id = "a"; sector = "tech"; listen = "127.0.0.1:9001";'
dc_conf b 'interval = 1; expire = 4;' 'id = "b"; sector = "health"; listen = "127.0.0.1:9002";'
dc_key a a
dc_key b b
for s in s0 s1 s2; do
    dc_key v "$s"
done
fb=$(dc_fp b b)
fs0=$(dc_fp v s0)
fs1=$(dc_fp v s1)
fs2=$(dc_fp v s2)
dc_start a

W=$T/watch.a
timeout 60 ip netns exec "$NS" "$OPENREDCTL" -S "$T/a/control.sock" watch --json > "$W" &
WATCH=$!
trap 'kill "$WATCH" 2>/dev/null; dc_cleanup' EXIT

# events NAME FP: how many NAME events for FP the watch printed
events() {
    python3 - "$W" "$1" "$2" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    n += e["type"] == sys.argv[2] and e["peer"] == sys.argv[3]
print(n)
EOF
}
seen() {
    [ "$(events "$1" "$2")" -ge 1 ]
}
# watch starts from "now" at its first poll: one sentinel beacon shows it
# follows the ring, by its peer_discovered or, if that came first, its
# peer_lost once it expires
dc_send --key "$T/v/s0.pem" --sector sentinel --port 9999
wait_for 10 sh -c "grep -q '\"peer\":\"$fs0\"' '$W'" \
    || fail "watch shows no event of the sentinel peer: $(cat "$W")"

dc_start b
wait_for 5 seen peer_discovered "$fb" \
    || fail "no peer_discovered for b: $(cat "$W")"
python3 - "$W" "$fb" <<'EOF' || fail "peer_discovered fields: $(cat "$W")"
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
e = [x for x in e if x["type"] == "peer_discovered" and x["peer"] == sys.argv[2]][0]
assert e["node"] == "a", e
assert e["address"] == "127.0.0.1:9002", e
assert e["sector"] == "health", e
assert isinstance(e["seq"], int) and isinstance(e["time"], int), e
EOF
# b beacons every second: three more refreshes add no event
wait_for 10 dc_true a '[p for p in r["peers"] if p["fingerprint"] == "'"$fb"'"][0]["beacons"] >= 4' \
    || fail "a did not hear b's beacons"
[ "$(events peer_discovered "$fb")" = 1 ] \
    || fail "peer_discovered more than once for b: $(cat "$W")"
[ "$(events peer_lost "$fb")" = 0 ] || fail "b lost while beaconing"

dc_stop b
wait_for 10 seen peer_lost "$fb" || fail "no peer_lost for b: $(cat "$W")"
python3 - "$W" "$fb" <<'EOF' || fail "peer_lost fields: $(cat "$W")"
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
e = [x for x in e if x["type"] == "peer_lost" and x["peer"] == sys.argv[2]]
assert len(e) == 1, e
e = e[0]
assert e["node"] == "a" and e["address"] == "127.0.0.1:9002", e
assert e["sector"] == "health", e
# a clean stop says GOODBYE (v3 beacons): lost at once, not at expiry
assert e["reason"] == "goodbye", e
EOF

# max_peers = 1: s2 arriving while s1 is listed pushes s1 out
dc_send --key "$T/v/s1.pem" --sector one --port 9991
wait_for 5 seen peer_discovered "$fs1" || fail "no peer_discovered for s1"
dc_send --key "$T/v/s2.pem" --sector two --port 9992
wait_for 5 seen peer_lost "$fs1" || fail "no peer_lost for s1: $(cat "$W")"
python3 - "$W" "$fs1" <<'EOF' || fail "evicted peer_lost: $(cat "$W")"
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
e = [x for x in e if x["type"] == "peer_lost" and x["peer"] == sys.argv[2]][0]
assert e["reason"] == "evicted: table full (max_peers 1)", e
assert e["address"] == "127.0.0.1:9991" and e["sector"] == "one", e
EOF
seen peer_discovered "$fs2" || fail "no peer_discovered for s2"
kill "$WATCH"
echo "ok"
exit 0
