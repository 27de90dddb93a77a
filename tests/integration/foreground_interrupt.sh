# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# In the foreground (daemon = false), Ctrl-C signals the terminal's whole
# process group. Only the master may act on it: a worker that exited on its
# own copy first was seen as dead and respawned during the shutdown.
. "$(dirname "$0")/lib.sh"

or_conf_write 2 9301
# setsid: the daemon leads a group of its own, as it would at a terminal
nsx setsid "$OPENRED" -p "$T" -c "$CONF" -g 'daemon = false;' \
    > "$T/stderr" 2>&1 &
wait_for 10 test -s "$PIDFILE" || fail "no pid file"
OR_STARTED_MASTER=$(master_pid)
want=2
wait_for 10 has_running || fail "workers did not start"
workers=$(running_workers)
# what the terminal does on Ctrl-C: SIGINT to every process of the group.
# The master is held stopped meanwhile, so that it finds its SIGINT and
# the workers' SIGCHLD pending together: the order in which it handles
# them is then what the test sees, not the scheduler.
kill -STOP "$OR_STARTED_MASTER"
kill -INT -- "-$OR_STARTED_MASTER" || fail "no process group $OR_STARTED_MASTER"
# Workers lead their own group: the terminal's SIGINT does not reach them.
# kill() queues it on every member before it returns, so no wait is
# needed: a worker in the group would have it pending, or be exiting.
for w in $workers; do
    pgid=$(ps -o pgid= -p "$w" | tr -d ' ')
    [ "$pgid" != "$OR_STARTED_MASTER" ] \
        || fail "worker $w is in the master's process group"
    pending=$(awk '/^(SigPnd|ShdPnd):/ { print $2 }' "/proc/$w/status")
    for mask in $pending; do
        [ $(( 0x$mask & 0x2 )) = 0 ] || fail "worker $w has SIGINT pending"
    done
    pid_alive "$w" || fail "worker $w acted on the terminal's SIGINT"
done
kill -CONT "$OR_STARTED_MASTER"
wait_for 10 pid_gone "$OR_STARTED_MASTER" || fail "master did not exit"
grep -q "exit$" "$LOG" || fail "no clean exit logged"
grep -q "\[error\].*exited" "$LOG" \
    && fail "a worker asked to stop was logged as dead"
[ "$(grep -c "started worker process" "$LOG")" = 2 ] \
    || fail "a worker was respawned during the shutdown"
exit 0
