#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Two daemons on an IPv6-only link find each other: two namespaces joined
# by a veth pair with no IPv4 address, link-local addresses only. Each
# node's `interfaces` rule takes the veth; its v3 beacons go to
# ff02::114 there, each lists the other at its fe80:: address on that
# interface, and auto-connect dials it with the scope id (a session
# over link-local IPv6).
. "$(dirname "$0")/handshake_lib.sh"

NS_B=${NS}b
nsb() { ip netns exec "$NS_B" "$@"; }
v6_cleanup() {
    hs_cleanup
    ip netns del "$NS_B" 2>/dev/null
}
trap v6_cleanup EXIT

ip netns add "$NS_B" || fail "ip netns add $NS_B"
ip -n "$NS_B" link set lo up
ip link add va netns "$NS" type veth peer name vb netns "$NS_B" \
    || fail "veth pair"
ip -n "$NS" link set va up
ip -n "$NS_B" link set vb up
# DAD done: the link-local address is no longer tentative
dad_done() {
    ip -n "$1" -6 addr show dev "$2" scope link | grep -q "inet6 fe80" \
        && ! ip -n "$1" -6 addr show dev "$2" | grep -q tentative
}
wait_for 20 dad_done "$NS" va || fail "va: no usable link-local address"
wait_for 20 dad_done "$NS_B" vb || fail "vb: no usable link-local address"
[ -z "$(ip -n "$NS" -4 addr show dev va)" ] || fail "va has IPv4"

RULES='auto_connect = true; discovery = { interval = 1; interfaces = { allow = "^v[ab]$"; }; };'
hs_conf A 9001 "$RULES"
hs_conf B 9002 "$RULES"
sed -i 's/listen = "127.0.0.1:\([0-9]*\)"/listen = "[::]:\1"/' \
    "$T/A/openred.conf" "$T/B/openred.conf"
hs_start A
# B in its own namespace (hs_start runs in A's)
nsb "$OPENRED" -p "$T/B/" -c "$T/B/openred.conf" || fail "B did not start"
wait_for 10 test -s "$T/B/openred.pid" || fail "B: no pid file"
HS_MASTERS="$HS_MASTERS $(cat "$T/B/openred.pid")"
wait_for 10 test -S "$T/B/control.sock" || fail "B: no control socket"
FA=$(hs_fp A)
FB=$(hs_fp B)

# lists NAME FP IF: NAME lists FP at a fe80:: address heard on IF (IPv6)
lists() {
    hs_ctl "$1" peers --json | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x["fingerprint"] == sys.argv[1]]
assert len(p) == 1, p
p = p[0]
assert p["address"].startswith("fe80:"), p
assert p["interface"] == sys.argv[2] and p["family"] == 6, p
a = p["addresses"]
assert len(a) == 1 and a[0]["address"] == p["address"], p
assert a[0]["interface"] == sys.argv[2] and a[0]["family"] == 6, p
' "$2" "$3"
}
wait_for 30 lists A "$FB" va || fail "A does not list B on va: $(hs_ctl A peers --json)"
wait_for 30 lists B "$FA" vb || fail "B does not list A on vb: $(hs_ctl B peers --json)"

# the log names the peer at its scoped address
grep -q "peer discovered: $FB, sector \"tech\", node: A, peer: \[fe80:[0-9a-f:]*%va\]:9002" \
    "$T/A/error.log" || fail "no 'peer discovered ... [fe80::...%va]:9002' line in A's log"

# one socket each, IPv6 on the veth: no IPv4 address, none for IPv4; lo
# is not taken (no rule names it)
hs_ctl A status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)["discovery"]["interfaces"]["sockets"]
assert [(x["interface"], x["family"]) for x in s] == [("va", 6)], s
assert s[0]["sent"] > 0 and s[0]["received"] > 0, s
' || fail "A's interface sockets: $(hs_ctl A status --json)"

# the human table names the interface and family
hs_ctl A peers > "$T/table"
grep -q "discovery va/v6" "$T/table" || fail "peers table: $(cat "$T/table")"
grep -q "fe80:" "$T/table" || fail "peers table, address: $(cat "$T/table")"

# auto-connect dials the link-local address on its interface: a session
session() {
    hs_ctl "$1" sessions --json | python3 -c '
import json, sys
s = [x for x in json.load(sys.stdin) if x["peer"] == sys.argv[1]]
print(json.dumps(s[0]) if len(s) == 1 else "")' "$2"
}
linked() { [ -n "$(session A "$FB")" ] && [ -n "$(session B "$FA")" ]; }
wait_for 30 linked || fail "no session A-B over link-local: A: $(hs_ctl A \
    sessions --json) B: $(hs_ctl B sessions --json)"
# no worker died on the way (a respawned worker 0 would reopen its
# sockets and hide it)
for n in A B; do
    grep -q "exited with code [1-9]\|exited on signal" "$T/$n/error.log" \
        && fail "a worker of $n died: $(grep "exited" "$T/$n/error.log")"
done
exit 0
