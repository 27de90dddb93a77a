# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Static peers (issue 21): A and B in two routed namespaces share no
# multicast domain. A's node lists B as a static peer by host name (v3 id)
# and holds a v3 session with it that discovery could not give; B restarts
# and A dials it again. A second node of A lists B's address with another
# id: B refuses that dial (not for it), A counts and logs it, no session.
. "$(dirname "$0")/routed_lib.sh"

rt_key A
rt_key B
rt_key W
IDB=$(rt_id B)
IDW=$(rt_id W)
FA=$($HSTOOL fp "$T/A/key.pem")
FB=$($HSTOOL fp "$T/B/key.pem")
rt_host node-b.test $IP_B

rt_conf B $IP_B 9002
rt_conf A $IP_A 9001 "peers = ( { address = \"node-b.test:9002\"; id = \"$IDB\"; } );"
# node w of A: B's address under W's id
sed -i '$ s/ } );$/ },/' "$T/A/openred.conf"
cat >> "$T/A/openred.conf" << END
          { id = "w"; sector = "tech"; listen = "$IP_A:9003";
            key = "$T/A/w.pem";
            peers = ( { address = "$IP_B:9002"; id = "$IDW"; } ); } );
END
nsx "$OPENRED" -t -p "$T/A/" -c "$T/A/openred.conf" > "$T/t.out" 2>&1 \
    || fail "-t refused A's config: $(cat "$T/t.out")"

rt_start B nsb
rt_start A nsx

# (a) a v3 session both ways round, with no discovery between them
wait_for 30 rt_session A nsx "$FB" 3 || fail "(a) A holds no v3 session with B"
wait_for 5 rt_session B nsb "$FA" 3 || fail "(a) B holds no v3 session with A"
[ "$(rt_ctl B nsb peers --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] \
    || fail "(a) B's discovery lists a peer: multicast crossed the router"
grep -q "static peer resolved to $IP_B:9002, node: A, peer: node-b.test:9002" \
    "$T/A/error.log" || fail "(a) A did not log the lookup"
[ "$(rt_status A nsx 's["static_peers"]["A"][0]["session"]')" = True ] \
    || fail "(a) status does not show the static peer's session"

# (b) kept: B restarts, A dials it again (back-off 5 s, then 10 s)
rt_stop B
wait_for 10 rt_no_session A nsx "$FB" 3 || fail "(b) A kept a session with a stopped B"
rt_start B nsb
wait_for 40 rt_session A nsx "$FB" 3 || fail "(b) A did not dial B again"

# (c) the wrong id: refused by B, counted and logged by A, no session
wait_for 20 rt_check A nsx 's["handshakes"]["w"].get("peer_error", 0) >= 1' \
    || fail "(c) w's refused dial was not counted: $(rt_ctl A nsx status --json)"
grep -q "handshake failed: refused by the peer .*node: w, peer: $IP_B:9002" \
    "$T/A/error.log" || fail "(c) A did not log the refusal"
[ "$(rt_status B nsb 's["handshakes"]["B"].get("not_for_this_node", 0)')" -ge 1 ] \
    || fail "(c) B did not count the dial for another id"
! rt_session A nsx "${IDW:0:16}" 3 || fail "(c) a session under the wrong id"
echo "ok"
