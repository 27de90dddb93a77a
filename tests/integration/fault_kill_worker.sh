# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# kill -9 of each worker in turn, under a light handshake load: the worker
# is respawned, sessions held by the other worker are untouched, and
# status, sessions and new handshakes still work (the shm zones use robust
# mutexes, so a lock held by the dead worker does not wedge the others).
. "$(dirname "$0")/lib.sh"

V2PEER="python3 $TOP/tests/peers/v2peer.py"
LOAD=20         # bound on the load loop's dials
BG=
STOPPED=
trap 'for p in $STOPPED; do kill -CONT "$p" 2>/dev/null; done
      for p in $BG; do kill "$p" 2>/dev/null; done; or_cleanup' EXIT

ctl() {
    nsx timeout 10 "$OPENREDCTL" -S "$SOCK" "$@"
}

# "peer pid" of every session, sorted.
session_pids() {
    ctl sessions --json | grep -o '"peer":"[0-9a-f]*"\|"pid":[0-9]*' \
        | paste -d' ' - - | sed 's/"peer":"\([0-9a-f]*\)" "pid":/\1 /' \
        | sort
}

worker_pid() {
    ctl_json | grep -o "\"pid\":[0-9]*,\"state\":\"running\",\"index\":$1," \
        | grep -o '[0-9][0-9]*' | head -1
}

newkey() {
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
        -out "$1" 2> /dev/null || fail "openssl genpkey"
    chmod 600 "$1"
}

fp() {
    openssl pkey -in "$1" -pubout | sha256sum | cut -c1-16
}

# hold NAME PID OTHER: a v2peer initiator holding a session with worker
# PID. Every worker accepts with EPOLLEXCLUSIVE and the kernel wakes a
# worker waiting in epoll_wait, so the other worker is stopped meanwhile.
hold() {
    newkey "$T/$1.pem"
    kill -STOP "$3"
    STOPPED=$3
    ip netns exec "$NS" $V2PEER dial --key "$T/$1.pem" \
        --connect 127.0.0.1:9001 --target "$FP0" --seconds 120 \
        > "$T/$1" 2>&1 &
    BG="$BG $!"
    wait_for 20 grep -q connection_accepted "$T/$1"
    kill -CONT "$3"
    STOPPED=
    wait_for 10 grep -q connection_accepted "$T/$1" || fail "dial $1"
    in_worker() {
        session_pids | grep -q "^$(fp "$T/$1.pem") $2$"
    }
    wait_for 10 in_worker "$1" "$2" || fail "$1 is not held by worker $2"
}

or_conf_write 2 9001
sed -i "s|\"127.0.0.1:9001\"; }|\"127.0.0.1:9001\"; key = \"$T/state/n0.pem\"; }|" \
    "$CONF"
newkey "$T/state/n0.pem"
FP0=$(fp "$T/state/n0.pem")
or_start
want=2
wait_for 10 has_running || fail "2 workers did not start"
w0=$(worker_pid 0)
w1=$(worker_pid 1)
hold h0 "$w0" "$w1"
hold h1 "$w1" "$w0"

# The load: one dialer after another, each holding its link 1 s.
newkey "$T/load.pem"
FPL=$(fp "$T/load.pem")
(
    for i in $(seq $LOAD); do
        [ -e "$T/load.stop" ] && break
        ip netns exec "$NS" $V2PEER dial --key "$T/load.pem" \
            --connect 127.0.0.1:9001 --target "$FP0" --seconds 1 \
            > /dev/null 2>&1
    done
) &
BG="$BG $!"

# kill_check VICTIM: kill -9, respawn, the other worker's sessions stay.
kill_check() {
    local victim=$1 others after
    # The load's own session comes and goes; the held ones must stay.
    others=$(session_pids | awk -v v="$victim" -v l="$FPL" \
             '$2 != v && $1 != l')
    [ -n "$others" ] || fail "no session outside worker $victim to watch"
    kill -KILL "$victim"
    respawned() {
        has_running || return 1
        case " $(running_workers) " in *" $victim "*) return 1 ;; esac
    }
    wait_for 10 respawned || fail "worker $victim not replaced"
    grep -q "worker process $victim .*exited on signal 9" "$LOG" \
        || fail "no exit line for $victim"
    ctl status > /dev/null || fail "status does not answer after $victim"
    after=$(session_pids) || fail "sessions does not answer after $victim"
    echo "$after" | grep -q " $victim$" \
        && fail "sessions still lists the dead worker $victim"
    echo "$others" | while read -r peer pid; do
        echo "$after" | grep -q "^$peer $pid$" || exit 1
    done || fail "killing $victim lost a session of another worker"
}

kill_check "$w0"
w0=$(worker_pid 0)
hold h2 "$w0" "$w1"
kill_check "$w1"
touch "$T/load.stop"

# New handshakes are recorded (taking the sessions and replay locks the
# dead workers may have held), and both generations' sessions are listed.
out=$(nsx $V2PEER dial --key "$T/load.pem" --connect 127.0.0.1:9001 \
      --target "$FP0" --seconds 1 2>&1)
case "$out" in *connection_accepted*) ;; *) fail "new handshake: $out" ;; esac
session_pids | grep -q "^$(fp "$T/h2.pem") $w0$" || fail "h2 was lost"
echo ok
