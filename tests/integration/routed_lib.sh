# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Helpers of the tests that reach beyond one LAN (static peers, the DHT),
# on top of handshake_lib.sh: two hosts in two namespaces joined through a
# third that routes between them, so that they share no multicast domain
# (multicast stays on each one's lo; the router does not forward it):
#
#   $NS (A) 10.201.1.2 --veth-- 10.201.1.1 ${NS}r 10.201.2.1 --veth-- 10.201.2.2 ${NS}b (B)
#
# nsx runs in A (lib.sh's namespace), nsb in B, nsr in the router.
# rt_host NAME IP [NS]: ip netns exec mounts /etc/netns/<ns>/hosts over
# /etc/hosts, so NAME resolves to IP inside A (or NS) only (removed at
# cleanup).
. "$(dirname "$0")/handshake_lib.sh"

NS_R=${NS}r
NS_B=${NS}b
IP_A=10.201.1.2
IP_B=10.201.2.2

nsb() { ip netns exec "$NS_B" "$@"; }
nsr() { ip netns exec "$NS_R" "$@"; }

rt_cleanup() {
    hs_cleanup
    ip netns del "$NS_B" 2>/dev/null
    ip netns del "$NS_R" 2>/dev/null
    rm -rf "/etc/netns/$NS" "/etc/netns/$NS_B"
}
trap rt_cleanup EXIT

ip netns add "$NS_R" || fail "ip netns add $NS_R"
ip netns add "$NS_B" || fail "ip netns add $NS_B"
ip -n "$NS_B" link set lo up
ip -n "$NS_B" link set lo multicast on
ip -n "$NS_B" route add 224.0.0.0/4 dev lo
ip -n "$NS_R" link set lo up
ip link add ra netns "$NS" type veth peer name a0 netns "$NS_R" \
    || fail "veth A-router"
ip link add rb netns "$NS_B" type veth peer name b0 netns "$NS_R" \
    || fail "veth B-router"
ip -n "$NS" addr add $IP_A/24 dev ra
ip -n "$NS" link set ra up
ip -n "$NS" route add default via 10.201.1.1
ip -n "$NS_B" addr add $IP_B/24 dev rb
ip -n "$NS_B" link set rb up
ip -n "$NS_B" route add default via 10.201.2.1
ip -n "$NS_R" addr add 10.201.1.1/24 dev a0
ip -n "$NS_R" addr add 10.201.2.1/24 dev b0
ip -n "$NS_R" link set a0 up
ip -n "$NS_R" link set b0 up
nsr sysctl -qw net.ipv4.ip_forward=1 || fail "no forwarding in the router"

rt_host() {
    local ns=${3:-$NS}
    mkdir -p "/etc/netns/$ns"
    printf '127.0.0.1 localhost\n%s %s\n' "$2" "$1" >> "/etc/netns/$ns/hosts"
}

# rt_key NAME: $T/NAME/key.pem (0600), made now so its id is known
rt_key() {
    mkdir -p "$T/$1"
    $V2PEER keygen "$T/$1/key.pem" > /dev/null || fail "keygen $1"
    chmod 600 "$T/$1/key.pem"
}

# rt_id NAME: the 64-hex v3 id of $T/NAME/key.pem
rt_id() {
    $PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import v3peer
k = v3peer.load_key(sys.argv[2])
print(v3peer.id_of_der(v3peer.der_of(k.public_key())).hex())' \
        "$TOP/tests/peers" "$T/$1/key.pem"
}

# rt_conf NAME IP PORT [NODE-EXTRA [TOP-EXTRA]]: one node NAME at IP:PORT
rt_conf() {
    local d=$T/$1
    mkdir -p "$d"
    cat > "$d/openred.conf" << END
worker_processes = 2;
pid = "$d/openred.pid";
worker_shutdown_timeout = 3;
error_log = { path = "$d/error.log"; level = "info"; };
control = { socket = "$d/control.sock"; };
${5:-}
nodes = ( { id = "$1"; sector = "tech"; listen = "$2:$3";
            key = "$d/key.pem"; ${4:-} } );
END
}

# rt_start NAME NSCMD: start daemon NAME with NSCMD (nsx or nsb)
rt_start() {
    local d=$T/$1
    $2 "$OPENRED" -p "$d/" -c "$d/openred.conf" || fail "$1 did not start"
    wait_for 10 test -s "$d/openred.pid" || fail "$1: no pid file"
    HS_MASTERS="$HS_MASTERS $(cat "$d/openred.pid")"
    wait_for 10 test -S "$d/control.sock" || fail "$1: no control socket"
}

# rt_stop NAME: TERM its master, wait until it is gone
rt_stop() {
    local pid
    pid=$(cat "$T/$1/openred.pid")
    kill -TERM "$pid" 2>/dev/null
    wait_for 10 pid_gone "$pid" || fail "$1 did not stop"
}

# rt_ctl NAME NSCMD ARGS...: openredctl on NAME's socket
rt_ctl() {
    local name=$1 ns=$2
    shift 2
    $ns "$OPENREDCTL" -S "$T/$name/control.sock" "$@"
}

# rt_session NAME NSCMD PEER VERSION: NAME holds a session with PEER
# (fingerprint) in that version
rt_session() {
    rt_ctl "$1" "$2" sessions --json | $PY -c '
import json, sys
s = [x for x in json.load(sys.stdin) if x["peer"] == sys.argv[1]]
sys.exit(0 if len(s) == 1 and s[0]["version"] == int(sys.argv[2]) else 1)' \
        "$3" "$4"
}

rt_no_session() { ! rt_session "$@"; }

# rt_status NAME NSCMD EXPR: a Python expression on status --json (s)
rt_status() {
    rt_ctl "$1" "$2" status --json | $PY -c '
import json, sys
s = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$3"
}

# rt_check NAME NSCMD EXPR: EXPR (on status, as rt_status) is true; for
# wait_for, which re-runs it
rt_check() { [ "$(rt_status "$@")" = True ]; }
