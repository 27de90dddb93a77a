# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Two daemons discover each other, in both directions, long before their
# next periodic beacon (interval 120 s; the waits are bounded at 30 s):
# the second one's start beacon makes the first answer early. How fast
# is for make bench, not for this test.
. "$(dirname "$0")/discovery_lib.sh"

dc_conf a 'interval = 120;' 'id = "a"; sector = "tech"; listen = "127.0.0.1:9001";'
dc_conf b 'interval = 120;' 'id = "b"; sector = "health"; listen = "127.0.0.1:9002"; services = ["storage"];'
dc_key a a
dc_key b b
fa=$(dc_fp a a)
fb=$(dc_fp b b)
dc_start a
# a hears the group once it hears its own start beacon
wait_for 10 dc_true a 'r["sockets"][0]["own"] > 0' \
    || fail "a never received its own beacon"
dc_start b
both_ways() { dc_lists a a "$fb" && dc_lists b b "$fa"; }
wait_for 30 both_ways || fail "not discovered both ways before the interval"
dc_ctl a peers --json | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x["fingerprint"] == sys.argv[1]][0]
assert p["node"] == "a" and p["sector"] == "health", p
assert p["services"] == ["storage"], p
assert p["address"] == "127.0.0.1" and p["port"] == 9002, p
# openred to openred: listed from the signed v3 beacon, with the full id
assert p["source"] == "127.0.0.1" and p["protocol"] == "3.0", p
assert len(p["id"]) == 64 and p["id"][:16] == sys.argv[1], p
assert isinstance(p["age"], int) and p["age"] >= 0, p
' "$fb" || fail "peer fields of b as a lists it"
grep -q "peer discovered: $fb, sector \"health\", node: a, peer: 127.0.0.1:9002" \
    "$T/a/error.log" || fail "no 'peer discovered' line in a's log"
# each lists only the other: its own beacon is recognised
[ "$(dc_ctl a peers --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] \
    || fail "a lists more than b"

# b stops: its signed GOODBYE makes a drop it at once (expire is 60 s)
dc_stop b
wait_for 10 dc_not_lists a a "$fb" || fail "a still lists b after its goodbye"
grep -q "peer lost: $fb, goodbye, node: a" "$T/a/error.log" \
    || fail "no 'peer lost: ..., goodbye' line in a's log"
[ "$(dc_stat a 'r["nodes"][0]["goodbyes"]')" = 1 ] \
    || fail "a did not count one goodbye: $(dc_stat a 'r["nodes"][0]')"
# b restarts: its start QUERY makes a answer early; without that b waits
# a whole interval (120 s) to list a again
dc_start b
wait_for 30 dc_lists b b "$fa" || fail "restarted b did not list a before the interval"
wait_for 30 dc_lists a a "$fb" || fail "a did not list restarted b"
exit 0
