#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A daemon with one allowed and one denied interface sends beacons on the
# allowed one only, and follows interfaces that come and go:
#
#   ${NS}p1 p1 --veth-- veth0  $NS (A)  vethd0 --veth-- p2 ${NS}p2
#                                       veth2  --veth-- p3 ${NS}p3 (later)
#
# A's rules, { deny = "^vethd"; allow = "^veth"; }, take veth0 and veth2
# and leave vethd0 out (declaration order: vethd0 matches both, deny is
# written first). B, in ${NS}p1, hears A on p1 (IPv4 and IPv6); a capture
# on p2 holds no beacon of A's; veth2, made and brought up after A
# started, gets A's beacons (netlink), and is dropped when it goes down.
. "$(dirname "$0")/handshake_lib.sh"

need_cmd tcpdump
P1=${NS}p1 P2=${NS}p2 P3=${NS}p3
if_cleanup() {
    hs_cleanup
    for n in "$P1" "$P2" "$P3"; do
        ip netns del "$n" 2>/dev/null
    done
}
trap if_cleanup EXIT

for n in "$P1" "$P2" "$P3"; do
    ip netns add "$n" || fail "ip netns add $n"
    ip -n "$n" link set lo up
done
# pair LOCAL PEERNS PEER NET: a veth LOCAL (in A's namespace) to PEER
pair() {
    ip link add "$1" netns "$NS" type veth peer name "$3" netns "$2" \
        || fail "veth $1"
    ip -n "$2" addr add "10.77.$4.2/24" dev "$3"
    ip -n "$2" link set "$3" up
}
up() {
    ip -n "$NS" addr add "10.77.$2.1/24" dev "$1"
    ip -n "$NS" link set "$1" up
}
pair veth0 "$P1" p1 1
pair vethd0 "$P2" p2 2
up veth0 1
up vethd0 2

# count FILE FILTER: packets of the capture FILE that FILTER takes
count() {
    tcpdump -r "$1" -n "$2" 2>/dev/null | wc -l
}
# cap_ge FILE FILTER N: at least N such packets (for wait_for, which
# re-runs it: a $(count) in its arguments would be counted once)
cap_ge() {
    [ "$(count "$1" "$2")" -ge "$3" ]
}
capture() {     # capture NS IF FILE: in the background, until stopped
    hs_bg "$3.out" ip netns exec "$1" timeout 120 tcpdump -i "$2" -U -n \
        -w "$3" udp port 5354
    wait_for 10 grep -q "listening on $2" "$3.out.err" \
        || fail "tcpdump on $2 did not start: $(cat "$3.out.err")"
}
capture "$P2" p2 "$T/p2.pcap"
CAP2=${HS_BG##* }

hs_conf A 9001 'discovery = { interval = 1; interfaces = { deny = "^vethd"; allow = "^veth"; }; };'
hs_conf B 9002 'discovery = { interval = 1; interfaces = { allow = "^p1$"; }; };'
sed -i 's/listen = "127.0.0.1:\([0-9]*\)"/listen = "[::]:\1"/' \
    "$T/A/openred.conf" "$T/B/openred.conf"
hs_start A
ip netns exec "$P1" "$OPENRED" -p "$T/B/" -c "$T/B/openred.conf" \
    || fail "B did not start"
wait_for 10 test -s "$T/B/openred.pid" || fail "B: no pid file"
HS_MASTERS="$HS_MASTERS $(cat "$T/B/openred.pid")"
wait_for 10 test -S "$T/B/control.sock" || fail "B: no control socket"
FA=$(hs_fp A)

# socks NAME: "ifname/family ..." of NAME's interface sockets, sorted
socks() {
    hs_ctl "$1" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)["discovery"]["interfaces"]["sockets"]
print(" ".join(sorted("%s/%d" % (x["interface"], x["family"]) for x in s)))'
}
# sent NAME IF FAMILY: beacons NAME's socket on IF (4 or 6) sent
sent() {
    hs_ctl "$1" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)["discovery"]["interfaces"]["sockets"]
print(sum(x["sent"] for x in s
          if x["interface"] == sys.argv[1] and x["family"] == int(sys.argv[2])))
' "$2" "$3"
}
has_socks() { [ "$(socks "$1")" = "$2" ]; }
sent_ge() { [ "$(sent "$1" "$2" "$3")" -ge "$4" ]; }

wait_for 30 has_socks A "veth0/4 veth0/6" \
    || fail "A's sockets: $(socks A), want veth0/4 veth0/6"
wait_for 30 sent_ge A veth0 4 3 || fail "A sent no 3 beacons on veth0 (IPv4)"
wait_for 30 sent_ge A veth0 6 3 || fail "A sent no 3 beacons on veth0 (IPv6)"

# B lists A, heard on p1, at both of its addresses (IPv4 and link-local)
b_lists_a() {
    hs_ctl B peers --json | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x["fingerprint"] == sys.argv[1]]
assert len(p) == 1, p
a = p[0]["addresses"]
assert sorted((x["family"], x["interface"]) for x in a) == \
    [(4, "p1"), (6, "p1")], a
assert [x["address"] for x in a if x["family"] == 4] == ["10.77.1.1"], a
assert [x["address"] for x in a if x["family"] == 6][0].startswith("fe80:"), a
' "$FA"
}
wait_for 30 b_lists_a || fail "B's entry of A: $(hs_ctl B peers --json)"
hs_ctl B peers > "$T/table"
grep -q "addresses: .*10.77.1.1%p1 (v4" "$T/table" \
    || fail "B's table lists not every address: $(cat "$T/table")"

# the denied side: nothing from A's port, while a probe sent out of
# vethd0 now shows the capture sees what goes out there
echo probe > "$T/probe"
nsx $V2PEER beacon send --ifaddr 10.77.2.1 --raw "$T/probe" > /dev/null \
    || fail "probe beacon out of vethd0"
wait_for 10 cap_ge "$T/p2.pcap" udp 1 \
    || fail "the capture on p2 saw not even the probe"
sent_now=$(sent A veth0 4)
kill -TERM "$CAP2"
wait "$CAP2" 2>/dev/null
n=$(count "$T/p2.pcap" 'udp src port 5354')
[ "$n" = 0 ] || fail "$n beacons from A on the denied vethd0 (A sent $sent_now on veth0)"
grep -q "discovery on interface vethd0" "$T/A/error.log" \
    && fail "A opened a socket on vethd0"

# veth2 comes after A started: netlink makes A use it
ip link add veth2 netns "$NS" type veth peer name p3 netns "$P3" \
    || fail "veth veth2"
ip -n "$P3" link set p3 up
capture "$P3" p3 "$T/p3.pcap"
up veth2 3
wait_for 30 has_socks A "veth0/4 veth0/6 veth2/4 veth2/6" \
    || fail "A's sockets after veth2 came up: $(socks A)"
wait_for 30 cap_ge "$T/p3.pcap" 'udp src port 5354 and dst host 224.0.1.100' 2 \
    || fail "no beacon of A's on veth2 (IPv4)"
wait_for 30 cap_ge "$T/p3.pcap" 'udp src port 5354 and dst host ff02::114' 1 \
    || fail "no beacon of A's on veth2 (IPv6)"
grep -q "discovery on interface veth2 (IPv4), node: A" "$T/A/error.log" \
    || fail "no 'discovery on interface veth2' line in A's log"

# veth2 goes down: dropped
ip -n "$NS" link set veth2 down
wait_for 30 has_socks A "veth0/4 veth0/6" \
    || fail "A still uses veth2 after it went down: $(socks A)"
grep -q "discovery stops on interface veth2 (IPv4)" "$T/A/error.log" \
    || fail "no 'discovery stops on interface veth2' line in A's log"

# a reload: the new worker 0 opens its own sockets on veth0 and sends
nsx "$OPENRED" -p "$T/A/" -c "$T/A/openred.conf" -s reload || fail "reload A"
wait_for 10 grep -q "generation 1" "$T/A/error.log" || fail "no new workers"
reopened() {
    [ "$(grep -c "discovery on interface veth0 (IPv4), node: A" \
        "$T/A/error.log")" -ge 2 ]
}
wait_for 30 reopened || fail "the reload's worker 0 did not open veth0"
wait_for 30 has_socks A "veth0/4 veth0/6" || fail "after the reload: $(socks A)"
wait_for 30 sent_ge A veth0 6 2 || fail "no beacon on veth0 after the reload"
# no worker died on the way (a respawned worker 0 would reopen its
# sockets and hide it)
for n in A B; do
    grep -q "exited with code [1-9]\|exited on signal" "$T/$n/error.log" \
        && fail "a worker of $n died: $(grep "exited" "$T/$n/error.log")"
done
exit 0
