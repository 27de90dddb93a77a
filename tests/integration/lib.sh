# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Helpers for the integration tests, sourced by each tests/integration/*.sh.
# Every test runs its daemon in its own network namespace with a temporary
# prefix, polls with a bound, and stops only the PIDs it started.

set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OPENRED=$TOP/objs/openred
OPENREDCTL=$TOP/objs/openredctl
NS=ortest_$$
T=$(mktemp -d /tmp/openred-test.XXXXXX)
CONF=$T/conf/openred.conf
PIDFILE=$T/logs/openred.pid
LOG=$T/logs/error.log
SOCK=$T/logs/control.sock
OR_STARTED_MASTER=

. "$(dirname "$0")/san_lib.sh"

fail() {
    echo "FAIL: $*" >&2
    [ -f "$LOG" ] && tail -n 20 "$LOG" >&2
    [ -n "${OR_DEBUG_LOGS:-}" ] && for f in "$T"/*/error.log; do echo "== $f"; tail -n 60 "$f"; done >&2
    exit 1
}

# skip REASON: this test cannot run here (a tool is missing, the build
# leaves the feature out). run.sh counts it skipped, and under CI failed.
skip() {
    echo "skip: $*"
    exit 77
}

# need_cmd CMD...: skip unless every CMD is on PATH.
need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" > /dev/null 2>&1 || skip "no $c"
    done
}

nsx() {
    ip netns exec "$NS" "$@"
}

or_netns_make() {
    ip netns add "$NS" || fail "ip netns add $NS"
    ip -n "$NS" link set lo up
    ip -n "$NS" link set lo multicast on
    ip -n "$NS" route add 224.0.0.0/4 dev lo
}

# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds,
# for at most SECONDS of wall time (a COMMAND that itself takes seconds,
# e.g. a control request to a daemon without workers, does not stretch
# the bound).
wait_for() {
    local end=$(( SECONDS + $1 ))
    shift
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.1
    done
}

# A process counts as gone once it is a zombie of someone else.
pid_alive() {
    [ -r "/proc/$1/stat" ] || return 1
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]
}

pid_gone() {
    ! pid_alive "$1"
}

# or_conf_write WORKERS PORT...: one node block per port, absolute paths.
or_conf_write() {
    local workers=$1 port i=0 sep=""
    shift
    mkdir -p "$T/conf" "$T/logs" "$T/state"
    {
        echo "worker_processes = $workers;"
        echo "pid = \"$PIDFILE\";"
        echo "worker_shutdown_timeout = 5;"
        echo "error_log = { path = \"$LOG\"; level = \"info\"; };"
        echo "control = { socket = \"$SOCK\"; };"
        echo "nodes = ("
        for port in "$@"; do
            echo "  $sep{ id = \"n$i\"; sector = \"tech\";"
            echo "     listen = \"127.0.0.1:$port\"; }"
            sep=","
            i=$(( i + 1 ))
        done
        echo ");"
    } > "$CONF"
}

master_pid() {
    cat "$PIDFILE" 2>/dev/null
}

or_start() {
    nsx "$OPENRED" -p "$T" -c "$CONF" || fail "openred did not start"
    wait_for 10 test -s "$PIDFILE" || fail "no pid file $PIDFILE"
    OR_STARTED_MASTER=$(master_pid)
    wait_for 10 test -S "$SOCK" || fail "no control socket $SOCK"
}

ctl_json() {
    nsx "$OPENREDCTL" -S "$SOCK" status --json
}

# Pids of the running workers, sorted, one line.
running_workers() {
    ctl_json | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(" ".join(sorted(str(w["pid"]) for w in r["workers"]
                      if w["state"] == "running")))'
}


# has_running N: status lists exactly N running workers.
has_running() {
    local w
    w=$(running_workers) || return 1
    set -- $w
    [ "$#" -eq "$want" ]
}

listening() {
    nsx ss -ltnH "sport = :$1" | grep -q LISTEN
}

# stop_masters PID...: TERM to those still alive (all at once, so their
# shutdowns overlap), then KILL any not gone within 10 s
stop_masters() {
    local pid
    for pid in "$@"; do
        pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
    done
    for pid in "$@"; do
        wait_for 10 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
    done
}

or_cleanup() {
    local pid=$OR_STARTED_MASTER
    [ -n "$pid" ] || pid=$(master_pid)
    if [ -n "$pid" ] && pid_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null
        wait_for 10 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
    fi
    ip netns del "$NS" 2>/dev/null
    san_logs "$T"
    rm -rf "$T"
    san_check
}

trap or_cleanup EXIT
or_netns_make
