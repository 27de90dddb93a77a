# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Rendezvous on OpenDHT (issue 21): a real dhtnode bootstrap in the router
# namespace; A and B in two routed namespaces share no multicast domain
# and know nothing of each other but the DHT passphrase. Each announces
# its sealed, signed record and finds the other's; they hold a v3 session
# within 30 s, and status and peers say so. C, on another passphrase,
# announces too but finds nothing of theirs. B names the bootstrap by
# host name; D names one its DNS never answers, and answers meanwhile. A reload hands A's fixed DHT
# port to its new worker 0 while the old one drains.
. "$(dirname "$0")/routed_lib.sh"

need_cmd dhtnode
grep -q "define OR_HAVE_DHT_MODULE 1" "$TOP/objs/or_auto_config.h" \
    || skip "built --without-dht_module"

hs_bg "$T/dhtnode.out" nsr dhtnode -p 4222 -s
wait_for 10 sh -c "ip netns exec $NS_R ss -lunH 'sport = :4222' | grep -q ." \
    || fail "dhtnode did not start: $(cat "$T/dhtnode.out.err")"

DHT='dht = { bootstrap = ["10.201.1.1:4222"]; passphrase = "a test network"; };'
rt_key A
rt_key B
FA=$($HSTOOL fp "$T/A/key.pem")
FB=$($HSTOOL fp "$T/B/key.pem")
rt_conf A $IP_A 9001 "$DHT" "dht = { interval = 5; port = 4300; };"
# B knows the bootstrap by name only (looked up without blocking worker 0)
rt_host dht-boot.test 10.201.2.1 "$NS_B"
rt_conf B $IP_B 9002 \
    'dht = { bootstrap = ["dht-boot.test:4222"]; passphrase = "a test network"; };' \
    "dht = { interval = 5; };"
rt_conf C $IP_A 9003 \
    'dht = { bootstrap = ["10.201.1.1:4222"]; passphrase = "another one"; };' \
    "dht = { interval = 5; };"
sed -i 's/^worker_shutdown_timeout = .*/worker_shutdown_timeout = 60;/' \
    "$T/A/openred.conf"
nsx "$OPENRED" -t -p "$T/A/" -c "$T/A/openred.conf" > "$T/t.out" 2>&1 \
    || fail "-t refused A's config: $(cat "$T/t.out")"
rt_start A nsx
rt_start B nsb
rt_start C nsx

# D, beside B, names a bootstrap its DNS never answers (a nameserver that
# is not there, 30 s per try): worker 0 still answers at once (it blocked
# in OpenDHT's lookup before, and status got no reply within 10 s)
printf 'nameserver 10.201.2.99\noptions timeout:30 attempts:1\n' \
    > "/etc/netns/$NS_B/resolv.conf"
rt_key D
rt_conf D $IP_B 9004 \
    'dht = { bootstrap = ["boot.nowhere.test:4222"]; passphrase = "x"; };' \
    "dht = { interval = 5; };"
rt_start D nsb
rt_ctl D nsb status > "$T/d.status" 2>&1 \
    || fail "D does not answer while it looks its bootstrap up: $(cat "$T/d.status")"
wait_for 10 rt_check D nsb 's["dht"]["running"]' \
    || fail "D: the DHT does not run while its bootstrap is looked up"

# a v3 session, whoever dialled, within 30 s of the start
wait_for 30 rt_session A nsx "$FB" 3 \
    || fail "A holds no v3 session with B: $(rt_ctl A nsx status --json)"
wait_for 5 rt_session B nsb "$FA" 3 || fail "B holds no v3 session with A"
[ "$(rt_ctl B nsb peers --json | $PY -c 'import json,sys; print([p["fingerprint"] for p in json.load(sys.stdin) if p["fingerprint"] == sys.argv[1]])' "$FA")" = "[]" ] \
    || fail "B's discovery lists A: multicast crossed the router"

# status: bootstrap reached, records announced and found
wait_for 20 rt_check A nsx 's["dht"]["bootstrap"][0]["reached"]' \
    || fail "A: bootstrap not reached"
wait_for 20 rt_check A nsx 's["dht"]["nodes"]["A"]["put_ok"] >= 1' \
    || fail "A: no record announced"
wait_for 20 rt_check B nsb 's["dht"]["bootstrap"] == [{"address": "dht-boot.test:4222", "reached": True}]' \
    || fail "B's bootstrap by name not reached"
wait_for 10 rt_check B nsb "[f['fingerprint'] for f in s['dht']['found']] == ['$FA']" \
    || fail "B did not list A as found: $(rt_ctl B nsb status --json)"
rt_ctl B nsb peers > "$T/peers.out" || fail "openredctl peers"
grep -q "$FA .*dht" "$T/peers.out" \
    || fail "peers does not show A learned from the DHT: $(cat "$T/peers.out")"
wait_for 20 rt_check A nsx 's["dht"]["nodes"]["A"]["found"] == 1' \
    || fail "A did not count B's record as found"
rt_ctl A nsx status > "$T/status.out" || fail "openredctl status"
grep -q "^bootstrap 10.201.1.1:4222 reached" "$T/status.out" \
    || fail "status does not show the bootstrap: $(cat "$T/status.out")"
grep -Eq "^A +[1-9][0-9]* +[1-9][0-9]* +1 +0 " "$T/status.out" \
    || fail "status does not count A's records: $(cat "$T/status.out")"
grep -q "dht: found peer $FB (1 address), node: A, peer: $IP_B:9002" \
    "$T/A/error.log" || fail "A did not log finding B"

# C is on another network: it announced, it found none of A and B
wait_for 20 rt_check C nsx 's["dht"]["nodes"]["C"]["put_ok"] >= 1' \
    || fail "C announced nothing: $(rt_ctl C nsx status --json)"
[ "$(rt_status C nsx 's["dht"]["nodes"]["C"]["found"]')" = 0 ] \
    || fail "C found a record of another network"
! rt_session C nsx "$FA" 3 || fail "C holds a session with A"
# a reload: the old worker 0 lets go of the fixed UDP port at once, though
# it drains its session for up to 60 s; the new one takes the port and
# finds B again
kill -HUP "$(cat "$T/A/openred.pid")"
wait_for 20 rt_check A nsx \
    '[w["generation"] for w in s["workers"] if w["state"] == "running"] == [1, 1] and s["dht"]["running"] and s["dht"]["port"] == 4300' \
    || fail "after a reload, A's new worker 0 runs no DHT on 4300: $(rt_ctl A nsx status --json | $PY -c 'import json,sys; s=json.load(sys.stdin); print(s["workers"], s.get("dht"))'); $(grep dht "$T/A/error.log")"
wait_for 20 rt_check A nsx 's["dht"]["nodes"]["A"]["found"] >= 1' \
    || fail "after a reload, A did not find B again"
echo "ok"
