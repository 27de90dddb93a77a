# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Helpers of the discovery tests, on top of lib.sh: daemons by name in the
# test's network namespace (multicast on lo only), their fingerprints, the
# peers they list, and a cleanup that stops only the masters started here.
. "$(dirname "$0")/lib.sh"

V2PEER="python3 $TOP/tests/peers/v2peer.py"
VECTORS=${OR_VECTORS:-$TOP/../shared/vectors/legacy-v2}
[ -d "$VECTORS" ] || VECTORS=$TOP/tests/vectors/legacy-v2
DC_MASTERS=

# Multicast leaves lo with source 127.0.0.1 (without src, 0.0.0.0).
ip -n "$NS" route replace 224.0.0.0/4 dev lo src 127.0.0.1

# dc_conf NAME DISCOVERY NODE...: $T/NAME/openred.conf; DISCOVERY is the
# body of the top-level discovery group, each NODE the body of a node
# block (its key goes to $T/NAME/<id>.pem unless NODE sets one).
dc_conf() {
    local d=$T/$1 disc=$2 sep="" node id
    shift 2
    mkdir -p "$d"
    {
        echo "worker_processes = 2;"
        echo "pid = \"$d/openred.pid\";"
        echo "worker_shutdown_timeout = 3;"
        echo "error_log = { path = \"$d/error.log\"; level = \"info\"; };"
        echo "control = { socket = \"$d/control.sock\"; };"
        echo "discovery = { $disc };"
        echo "nodes = ("
        for node in "$@"; do
            id=$(echo "$node" | sed -n 's/.*id = "\([^"]*\)".*/\1/p')
            echo "  $sep{ key = \"$d/$id.pem\"; $node }"
            sep=","
        done
        echo ");"
    } > "$d/openred.conf"
}

# dc_key NAME NODE: make the node's key now (0600), so that starting the
# daemon later does not spend its time generating one.
dc_key() {
    mkdir -p "$T/$1"
    $V2PEER keygen "$T/$1/$2.pem" >/dev/null || fail "keygen $1/$2"
    chmod 600 "$T/$1/$2.pem"
}

dc_start() {
    local d=$T/$1
    nsx "$OPENRED" -p "$d/" -c "$d/openred.conf" || fail "$1 did not start"
    # the pid file comes after the control socket: wait for both, or a
    # daemon started under load is never recorded and never stopped
    wait_for 10 test -s "$d/openred.pid" || fail "$1: no pid file"
    wait_for 10 test -S "$d/control.sock" || fail "$1: no control socket"
    DC_MASTERS="$DC_MASTERS $(cat "$d/openred.pid")"
}

# dc_stop NAME: TERM its master and wait until it is gone.
dc_stop() {
    local pid
    pid=$(cat "$T/$1/openred.pid")
    kill -TERM "$pid"
    wait_for 10 pid_gone "$pid" || fail "$1 ($pid) did not stop"
}

dc_ctl() {
    local name=$1
    shift
    nsx "$OPENREDCTL" -S "$T/$name/control.sock" "$@"
}

# dc_fp NAME NODE: the node's fingerprint, from its key file.
dc_fp() {
    $V2PEER fp "$T/$1/$2.pem"
}

# dc_lists NAME NODE FP: NAME's node NODE lists FP (openredctl peers).
dc_lists() {
    dc_ctl "$1" peers --node "$2" --json | python3 -c '
import json, sys
sys.exit(0 if any(p["fingerprint"] == sys.argv[1]
                  for p in json.load(sys.stdin)) else 1)' "$3"
}

# dc_true NAME EXPR: the Python expression over the --stats reply holds.
# For wait_for, which re-runs its command: `wait_for 5 test "$(dc_stat ..)"`
# would evaluate the stat once, before the first poll.
dc_true() {
    [ "$(dc_stat "$1" "$2")" = True ]
}

dc_not_lists() {
    ! dc_lists "$@"
}

# dc_stat NAME EXPR: a Python expression over the --stats reply r.
dc_stat() {
    dc_ctl "$1" peers --stats --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$2"
}

# dc_send ARGS...: v2peer beacon send from inside the namespace.
dc_send() {
    nsx $V2PEER beacon send --ifaddr 127.0.0.1 "$@" >/dev/null \
        || fail "v2peer beacon send $*"
}

dc_cleanup() {
    stop_masters $DC_MASTERS
    or_cleanup
}

trap dc_cleanup EXIT
