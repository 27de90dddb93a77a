# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Discovery says why nothing is discovered, in words, once per expire
# (short here, so no test waits a minute): two daemons with different
# passphrases each log a notice naming the passphrase and one saying no
# beacon was heard (with the interface and the UDP port); their empty
# peers tables print the same hints; status shows the interface and
# source address of each discovery socket. Once the passphrases agree,
# peers marks a sibling node of the same daemon and where each peer was
# heard, and no more notices come.
. "$(dirname "$0")/discovery_lib.sh"

dc_conf a 'interval = 1; expire = 3;' \
    'id = "a"; sector = "tech"; listen = "127.0.0.1:9001";'
dc_conf b 'interval = 1; expire = 3; passphrase = "a private network";' \
    'id = "b"; sector = "tech"; listen = "127.0.0.1:9002";'
dc_start a
dc_start b
wait_for 20 grep -q '\[notice\].*beacons refused in 3 s, HMAC mismatch: different discovery passphrase?' \
    "$T/a/error.log" || fail "a: no passphrase notice"
grep -q '\[notice\].*passphrase?, peer: 127.0.0.1:5354$' "$T/a/error.log" \
    || fail "a: the notice does not name the source"
wait_for 20 grep -q '\[notice\].*no beacon heard on lo in [0-9]* s: check that UDP 5354 is open and multicast reaches this host, node: a$' \
    "$T/a/error.log" || fail "a: no silence notice"
wait_for 20 grep -q 'passphrase?' "$T/b/error.log" \
    || fail "b: no passphrase notice"

out=$(dc_ctl a peers) || fail "peers failed"
echo "$out" | grep -q "^no peers$" || fail "empty peers: $out"
echo "$out" | grep -q "^a: [0-9]* beacons refused in 3 s, HMAC mismatch: different discovery passphrase?$" \
    || fail "no passphrase hint: $out"
echo "$out" | grep -q "^a: no beacon heard on lo in [0-9]* s: check that UDP 5354" \
    || fail "no silence hint: $out"
dc_ctl a peers --json | grep -q '^\[\]$' || fail "peers --json is not []"

st=$(dc_ctl a status) || fail "status failed"
echo "$st" | grep -Eq '^#0 +224\.0\.1\.100:5354 +lo +127\.0\.0\.1$' \
    || fail "status shows no socket line: $st"
dc_ctl a status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)["discovery"]["sockets"][0]
assert (s["interface"], s["address"], s["group"], s["port"]) == \
    ("lo", "127.0.0.1", "224.0.1.100", 5354), s
' || fail "status --json sockets"

# same passphrase, a sibling node in a: heard, marked, and silent again
dc_stop a
dc_stop b
dc_conf a 'interval = 1; expire = 3;' \
    'id = "a"; sector = "tech"; listen = "127.0.0.1:9001";' \
    'id = "a2"; sector = "tech"; listen = "127.0.0.1:9003";'
dc_conf b 'interval = 1; expire = 3;' \
    'id = "b"; sector = "tech"; listen = "127.0.0.1:9002";'
: > "$T/a/error.log"
dc_start a
dc_start b
fa2=$(dc_fp a a2)
fb=$(dc_fp b b)
wait_for 20 dc_lists a a "$fb" || fail "a does not list b"
wait_for 20 dc_lists a a "$fa2" || fail "a does not list its sibling a2"
dc_ctl a peers --node a --json | python3 -c '
import json, sys
p = {x["fingerprint"]: x for x in json.load(sys.stdin)}
assert p[sys.argv[1]]["sibling"] is True, p
assert p[sys.argv[2]]["sibling"] is False, p
assert all(x["interface"] == "lo" and x["socket"] == 0 for x in p.values()), p
' "$fa2" "$fb" || fail "siblings not marked: $(dc_ctl a peers --json)"
dc_ctl a peers --node a | grep -q "^a .*$fa2 .* lo .*(sibling)$" \
    || fail "table does not mark the sibling: $(dc_ctl a peers)"
dc_ctl a peers --node a | grep "$fb" | grep -q sibling \
    && fail "b marked as a sibling"
# two expire periods (6 s) with peers heard: no notice. b's beacons
# mark the time: one a second, so 7 more opened from b's node alone
# (a counts a and a2's own too: 3 a second in all, 21 then)
n=$(dc_stat a 'r["sockets"][0]["opened"]')
wait_for 30 dc_true a "r[\"sockets\"][0][\"opened\"] >= $n + 21" \
    || fail "beacons stopped"
grep -q 'no beacon heard\|passphrase?' "$T/a/error.log" \
    && fail "a notice while peers are heard: $(grep notice "$T/a/error.log")"
exit 0
