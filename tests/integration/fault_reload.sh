# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Reload variants with live sessions: a broken config (old workers, ports
# and sessions kept, FILE:LINE logged), a config that removes a node (its
# port closes), one that moves a node to another port (the new port
# listens, the old one closes). Sessions of the unchanged node n0 survive
# each reload (held by the old workers until worker_shutdown_timeout).
. "$(dirname "$0")/lib.sh"

V2PEER="python3 $TOP/tests/peers/v2peer.py"
BG=
trap 'for p in $BG; do kill "$p" 2>/dev/null; done; or_cleanup' EXIT

# rconf PORT...: node nI on the I-th port, its key in $T/state.
rconf() {
    local i=0 sep="" port
    mkdir -p "$T/conf" "$T/logs" "$T/state"
    {
        echo "worker_processes = 2;"
        echo "pid = \"$PIDFILE\";"
        echo "worker_shutdown_timeout = 60;"
        echo "error_log = { path = \"$LOG\"; level = \"info\"; };"
        echo "control = { socket = \"$SOCK\"; };"
        echo "nodes = ("
        for port in "$@"; do
            [ "$port" = - ] && { i=$(( i + 1 )); continue; }
            echo "  $sep{ id = \"n$i\"; sector = \"tech\";"
            echo "     listen = \"127.0.0.1:$port\";"
            echo "     key = \"$T/state/n$i.pem\"; }"
            sep=","
            i=$(( i + 1 ))
        done
        echo ");"
    } > "$CONF"
}

ctl() {
    nsx "$OPENREDCTL" -S "$SOCK" "$@"
}

# The (node, peer, direction) of every session, sorted, one per line.
session_set() {
    ctl sessions --json \
        | grep -o '"node":"[^"]*","peer":"[^"]*","direction":"[^"]*"' \
        | sed 's/"node":"\([^"]*\)","peer":"\([^"]*\)","direction":"\([^"]*\)"/\1 \2 \3/' \
        | sort
}

# reload_to N: HUP, then wait for "configuration reloaded, generation N".
reload_to() {
    kill -HUP "$(master_pid)"
    wait_for 10 grep -q "configuration reloaded, generation $1" "$LOG" \
        || fail "reload to generation $1 not logged"
    want=2
    wait_for 10 new_running "$1" || fail "generation $1 workers not running"
}

new_running() {
    [ "$(ctl_json | grep -o "\"state\":\"running\",\"index\":[0-9]*,\"generation\":$1}" \
         | wc -l)" = 2 ]
}

not_listening() {
    ! listening "$1"
}

rconf 9001 9002 9003
or_start
want=2
wait_for 10 has_running || fail "2 workers did not start"
FP0=$($V2PEER fp "$T/state/n0.pem")

# Sessions of n0: one we dialled (to a v2peer responder) and one dialled
# to us (a v2peer initiator holding its link).
FPP=$($V2PEER keygen "$T/peer.pem" | grep -o '"fingerprint": "[0-9a-f]*"' \
      | cut -d'"' -f4)
$V2PEER keygen "$T/dialer.pem" > /dev/null
ip netns exec "$NS" $V2PEER respond --key "$T/peer.pem" \
    --listen 127.0.0.1:9100 --count 1 --seconds 90 > "$T/respond" 2>&1 &
BG="$BG $!"
wait_for 10 grep -q listening "$T/respond" || fail "v2peer respond"
ctl connect n0 127.0.0.1:9100 "$FPP" > /dev/null \
    || fail "connect n0 to the v2peer responder"
ip netns exec "$NS" $V2PEER dial --key "$T/dialer.pem" \
    --connect 127.0.0.1:9001 --target "$FP0" --seconds 90 > "$T/dial" 2>&1 &
BG="$BG $!"
wait_for 10 grep -q connection_accepted "$T/dial" || fail "v2peer dial"
two_sessions() {
    [ "$(session_set | grep -c '^n0 ')" = 2 ]
}
wait_for 10 two_sessions || fail "n0 does not have 2 sessions"
sessions=$(session_set)

# 1. Broken config: nothing changes, FILE:LINE is logged.
before=$(running_workers)
cp "$CONF" "$T/good.conf"
echo "worker_connections = 1;" >> "$CONF"
line=$(wc -l < "$CONF")
kill -HUP "$(master_pid)"
wait_for 10 grep -q "reload failed" "$LOG" || fail "no reload failure logged"
grep -q "$CONF:$line: " "$LOG" || fail "no $CONF:$line error in the log"
[ "$(running_workers)" = "$before" ] || fail "broken reload: workers changed"
for p in 9001 9002 9003; do
    listening $p || fail "broken reload: $p stopped listening"
done
[ "$(session_set)" = "$sessions" ] || fail "broken reload: sessions changed"

# 2. Remove n1: 9002 closes, n0 keeps its sessions and takes new ones.
rconf 9001 - 9003
reload_to 1
wait_for 10 not_listening 9002 || fail "removed node n1: 9002 still listens"
listening 9001 || fail "9001 stopped listening"
listening 9003 || fail "9003 stopped listening"
[ "$(session_set)" = "$sessions" ] || fail "removing n1 changed n0's sessions"
ctl send "$FPP" '{"after":"reload"}' > /dev/null \
    || fail "send on an n0 session after the reload"
out=$(nsx $V2PEER dial --key "$T/dialer.pem" --connect 127.0.0.1:9001 \
      --target "$FP0" --seconds 1 2>&1)
case "$out" in *connection_accepted*) ;; *) fail "new handshake: $out" ;; esac

# 3. Move n2 from 9003 to 9004: 9004 listens, 9003 closes.
rconf 9001 - 9004
reload_to 2
wait_for 10 listening 9004 || fail "moved node n2: 9004 does not listen"
wait_for 10 not_listening 9003 || fail "moved node n2: 9003 still listens"
listening 9001 || fail "9001 stopped listening"
session_set | grep -q "^n0 $FPP out$" \
    || fail "moving n2 lost n0's outbound session"
echo ok
