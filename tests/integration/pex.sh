# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Peer exchange (issue 21): A, B and C in three routed namespaces share no
# multicast domain. A and C each list only B as a static peer; B hands
# each the other's own signed record over their v3 sessions, and A and C
# hold a v3 session that neither was told of. Then a hostile peer H holds
# a v3 session with A and answers A's pex_request with records naming a
# listener only where no valid signature covers it (a member beside the
# signed fields and the records, a forged signature, another key, another
# network, expired): A counts and logs the refusals and nothing connects
# to the listener.
. "$(dirname "$0")/routed_lib.sh"

NS_C=${NS}c
IP_C=10.201.3.2
nsc() { ip netns exec "$NS_C" "$@"; }
LISTENER_PID=
H_PID=
pex_cleanup() {
    [ -n "$H_PID" ] && kill "$H_PID" 2>/dev/null
    [ -n "$LISTENER_PID" ] && kill "$LISTENER_PID" 2>/dev/null
    rt_cleanup
    ip netns del "$NS_C" 2>/dev/null
}
trap pex_cleanup EXIT
ip netns add "$NS_C" || fail "ip netns add $NS_C"
ip -n "$NS_C" link set lo up
ip link add rc netns "$NS_C" type veth peer name c0 netns "$NS_R" \
    || fail "veth C-router"
ip -n "$NS_C" addr add $IP_C/24 dev rc
ip -n "$NS_C" link set rc up
ip -n "$NS_C" route add default via 10.201.3.1
ip -n "$NS_R" addr add 10.201.3.1/24 dev c0
ip -n "$NS_R" link set c0 up

for k in A B C H K3 K4; do rt_key $k; done
IDA=$(rt_id A)
IDB=$(rt_id B)
FA=$($HSTOOL fp "$T/A/key.pem")
FC=$($HSTOOL fp "$T/C/key.pem")
PASS=pex-test-network
# B keeps two workers: A's and C's sessions may land in either, and the
# records kept are shared (the "pex" zone). A and C one: only worker 0
# asks, and H's inbound session must be in it.
PEX="pex = { enabled = true; interval = 10; passphrase = \"$PASS\"; };"
BPEER="peers = ( { address = \"$IP_B:9002\"; id = \"$IDB\"; } );"
rt_conf B $IP_B 9002 "$PEX"
rt_conf A $IP_A 9001 "$PEX $BPEER"
rt_conf C $IP_C 9003 "$PEX $BPEER"
for n in A C; do
    sed -i 's/^worker_processes = 2;/worker_processes = 1;/' "$T/$n/openred.conf"
done
nsx "$OPENRED" -t -p "$T/A/" -c "$T/A/openred.conf" > "$T/t.out" 2>&1 \
    || fail "-t refused A's config: $(cat "$T/t.out")"

rt_start B nsb
rt_start A nsx
rt_start C nsc

# (a) A and C learn each other through B and hold a v3 session
wait_for 30 rt_session A nsx "$($HSTOOL fp "$T/B/key.pem")" 3 \
    || fail "(a) A holds no session with its static peer B"
wait_for 90 rt_session A nsx "$FC" 3 \
    || fail "(a) A holds no v3 session with C: $(rt_ctl A nsx status --json)"
wait_for 10 rt_session C nsc "$FA" 3 || fail "(a) C holds no session with A"
[ "$(rt_ctl A nsx peers --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] \
    || fail "(a) A's discovery lists a peer: multicast crossed the router"
rt_check B nsb 's["pex"]["nodes"]["B"]["requests_answered"] >= 1' \
    || fail "(a) B answered no request"
# whoever dialled first, each verified the other's record
rt_check A nsx 's["pex"]["nodes"]["A"]["records_verified"] >= 1' \
    || fail "(a) A verified no record: $(rt_ctl A nsx status --json)"
rt_check C nsc 's["pex"]["nodes"]["C"]["records_verified"] >= 1' \
    || fail "(a) C verified no record: $(rt_ctl C nsc status --json)"
[ "$(rt_status A nsx 's["pex"]["nodes"]["A"]["dialled"] + 0')" -ge 1 ] \
    || [ "$(rt_status C nsc 's["pex"]["nodes"]["C"]["dialled"] + 0')" -ge 1 ] \
    || fail "(a) neither A nor C dialled a record it was given"
rt_ctl A nsx peers > "$T/peers.out"
rt_ctl C nsc peers >> "$T/peers.out"
grep -q "exchange" "$T/peers.out" \
    || fail "(a) peers lists no exchange row: $(cat "$T/peers.out")"

# (b) the hostile peer: a listener that records every connection
nsb $PY -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 7777)); s.listen(8); s.settimeout(1)
open(sys.argv[2], "w").close()
end = time.time() + 300
while time.time() < end:
    try:
        c, a = s.accept()
    except socket.timeout:
        continue
    with open(sys.argv[2], "a") as f:
        f.write("%s:%d\n" % a)
    c.close()' $IP_B "$T/listener.log" &
LISTENER_PID=$!
wait_for 10 test -e "$T/listener.log" || fail "(b) the listener did not start"
$PY "$TOP/tests/peers/v3peer.py" pex-response --key "$T/K3/key.pem" \
    --other-key "$T/K4/key.pem" --passphrase "$PASS" \
    --signed "$IP_B:7778" --target "$IP_B:7777" > "$T/hostile.json" \
    || fail "(b) no hostile response"
refused0=$(rt_status A nsx 's["pex"]["nodes"]["A"]["records_refused"]')
unasked0=$(rt_status A nsx 's["pex"]["nodes"]["A"]["responses_unasked"]')
verified0=$(rt_status A nsx 's["pex"]["nodes"]["A"]["records_verified"]')
nsb $PY "$TOP/tests/peers/v3peer.py" dial $IP_A 9001 --key "$T/H/key.pem" \
    --peer-id "$IDA" --pex-answer "$T/hostile.json" --pex-times 2 --count 0 \
    --timeout 60 > "$T/h.out" 2>&1 &
H_PID=$!
wait_for 30 grep -q pex_answered "$T/h.out" \
    || fail "(b) A never asked H: $(cat "$T/h.out")"
wait_for 20 rt_check A nsx "s['pex']['nodes']['A']['records_refused'] >= $refused0 + 4" \
    || fail "(b) A did not count 4 refused records: $(rt_ctl A nsx status --json)"
# the second copy came with no request waiting: counted, not verified
wait_for 10 rt_check A nsx "s['pex']['nodes']['A']['responses_unasked'] == $unasked0 + 1" \
    || fail "(b) the unasked response was not counted: $(rt_ctl A nsx status --json)"
rt_check A nsx "s['pex']['nodes']['A']['records_refused'] == $refused0 + 4" \
    || fail "(b) the unasked response's records were verified: $(rt_ctl A nsx status --json)"
# the signed address of the first record is a genuine (if useless) hint
rt_check A nsx "s['pex']['nodes']['A']['records_verified'] == $verified0 + 1" \
    || fail "(b) the validly signed record was not verified (codec mismatch?)"
grep -q "pex: 4 of 5 records refused, never dialled: record 2: .*node: A, peer: $IP_B:" \
    "$T/A/error.log" || fail "(b) A did not log the refusal with H's address: $(grep pex "$T/A/error.log")"
# the hint A took (the signed address, nothing listens) was dialled and
# failed: its outcome is in, so any dial of the listener would be too
wait_for 20 grep -q "$IP_B:7778" "$T/A/error.log" \
    || fail "(b) A's dial of the signed address did not end"
[ ! -s "$T/listener.log" ] \
    || fail "(b) something connected to the listener: $(cat "$T/listener.log")"
! grep -q "$IP_B:7777" "$T/A/error.log" \
    || fail "(b) A dialled the unsigned address: $(grep 7777 "$T/A/error.log")"
echo "ok"
