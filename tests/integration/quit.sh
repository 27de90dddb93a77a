# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# QUIT leaves no process, pid file or control socket behind; -s errors.
. "$(dirname "$0")/lib.sh"

or_conf_write 2 9001
or_start
want=2
wait_for 10 has_running || fail "2 workers did not start"
pid=$(master_pid)
workers=$(running_workers)
nsx "$OPENRED" -p "$T" -c "$CONF" -s quit || fail "-s quit failed"
wait_for 15 pid_gone "$pid" || fail "master $pid still running"
for w in $workers; do
    wait_for 5 pid_gone "$w" || fail "worker $w still running"
done
[ -e "$PIDFILE" ] && fail "pid file left behind"
[ -e "$SOCK" ] && fail "control socket left behind"
out=$(nsx "$OPENRED" -p "$T" -c "$CONF" -s reload 2>&1) \
    && fail "-s reload without a daemon succeeded"
echo "$out" | grep -q "no pid file" || fail "unclear error: $out"
dead=$(sh -c 'echo $$')     # a pid that exited and was reaped
echo "$dead" > "$PIDFILE"
out=$(nsx "$OPENRED" -p "$T" -c "$CONF" -s reload 2>&1) \
    && fail "-s reload with a stale pid succeeded"
echo "$out" | grep -q "stale pid file" || fail "unclear error: $out"
OR_STARTED_MASTER=
rm -f "$PIDFILE"
