# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# sd_notify(3), as the Type=notify unit sees it: READY=1 once the control
# socket answers, RELOADING=1 then READY=1 around a reload (a failed one
# too), STOPPING=1 on quit; MAINPID= when the master daemonizes. The
# service manager is tests/integration/notify_listen.py on NOTIFY_SOCKET.
. "$(dirname "$0")/lib.sh"

grep -q '^#define OR_HAVE_SYSTEMD 1' "$TOP/objs/or_auto_config.h" || {
    echo "SKIP: built without libsystemd (configure found none)"
    exit 77
}
NLOG=$T/notify.log
LISTENER=

# listen: a fresh service manager on $T/notify.sock
listen() {
    rm -f "$T/notify.sock" "$NLOG"
    nsx python3 "$TOP/tests/integration/notify_listen.py" "$T/notify.sock" \
        "$NLOG" "$OPENREDCTL" "$SOCK" &
    LISTENER=$!
    wait_for 10 grep -qx listening "$NLOG" || fail "the listener did not start"
}

# count LINE: how many log lines are exactly LINE
count() {
    grep -cx "$1" "$NLOG"
}

# expect SECONDS PATTERN N: wait until N lines match the extended PATTERN
has() {
    [ "$(grep -cE "$1" "$NLOG")" -ge "$2" ]
}
expect() {
    wait_for "$1" has "$2" "$3" \
        || { cat "$NLOG" >&2; fail "no $3 x \"$2\" from the daemon"; }
}

or_conf_write 2 9401

# 1. as the unit runs it: in the foreground
listen
NOTIFY_SOCKET=$T/notify.sock nsx "$OPENRED" -p "$T" -c "$CONF" \
    -g 'daemon = false;' > "$T/stderr" 2>&1 &
expect 10 '^READY=1$' 1
OR_STARTED_MASTER=$(master_pid)
expect 10 '^ctl ' 1
[ "$(sed -n '/^READY=1$/{n;p;q}' "$NLOG")" = "ctl ok" ] \
    || { cat "$NLOG" >&2; fail "READY=1 came before the control socket answered"; }
[ "$(sed -n 2p "$NLOG")" = "READY=1" ] \
    || { cat "$NLOG" >&2; fail "something came before READY=1"; }
listening 9401 || fail "READY=1 but 9401 is not listening"

kill -HUP "$OR_STARTED_MASTER"
expect 10 '^RELOADING=1 MONOTONIC_USEC=[0-9]+$' 1
expect 10 '^READY=1$' 2
wait_for 10 grep -q "configuration reloaded" "$LOG" || fail "no reload logged"

# a failed reload ends RELOADING=1 too, or systemd would wait for it
echo "worker_connections = 1;" >> "$CONF"
kill -HUP "$OR_STARTED_MASTER"
expect 10 '^RELOADING=1 ' 2
expect 10 '^READY=1$' 3
grep -q "reload failed" "$LOG" || fail "the broken reload did not fail"
sed -i '$d' "$CONF"
# the listener asks the control socket after each READY=1: wait for its
# third answer rather than count at once (it comes after the READY line)
expect 10 '^ctl ok$' 3
[ "$(count 'ctl ok')" = 3 ] || { cat "$NLOG" >&2; fail "ctl after READY=1"; }

kill -QUIT "$OR_STARTED_MASTER"
expect 10 '^STOPPING=1$' 1
wait_for 20 pid_gone "$OR_STARTED_MASTER" || fail "the master did not stop"
wait "$LISTENER" || fail "the listener failed"
grep -q MAINPID "$NLOG" && fail "MAINPID= sent by a master in the foreground"

# 2. daemon = true: the master is the child, so it names itself
listen
NOTIFY_SOCKET=$T/notify.sock nsx "$OPENRED" -p "$T" -c "$CONF" \
    || fail "openred did not start"
expect 10 '^READY=1 MAINPID=[0-9]+$' 1
OR_STARTED_MASTER=$(master_pid)
grep -qx "READY=1 MAINPID=$OR_STARTED_MASTER" "$NLOG" \
    || { cat "$NLOG" >&2; fail "MAINPID= is not the master ($OR_STARTED_MASTER)"; }
kill -TERM "$OR_STARTED_MASTER"
expect 10 '^STOPPING=1$' 1
wait "$LISTENER" || fail "the listener failed"
wait_for 20 pid_gone "$OR_STARTED_MASTER" || fail "the master did not stop"

# 3. no NOTIFY_SOCKET: starts as before
nsx env -u NOTIFY_SOCKET "$OPENRED" -p "$T" -c "$CONF" || fail "no start"
wait_for 10 test -s "$PIDFILE" || fail "no pid file without NOTIFY_SOCKET"
OR_STARTED_MASTER=$(master_pid)
wait_for 10 nsx "$OPENREDCTL" -S "$SOCK" status \
    || fail "no control socket without NOTIFY_SOCKET"
exit 0
