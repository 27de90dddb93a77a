# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Start: the pid file names the master, status lists N running workers.
. "$(dirname "$0")/lib.sh"

or_conf_write 3 9001
or_start
pid=$(master_pid)
pid_alive "$pid" || fail "pid file names $pid, not running"
want=3
wait_for 10 has_running || fail "status does not show 3 running workers"
[ "$(ctl_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')" = "$pid" ] \
    || fail "status pid is not the master's"
listening 9001 || fail "port 9001 not listening"
nsx "$OPENREDCTL" -S "$SOCK" status | grep -q "^n0 .*127.0.0.1:9001" \
    || fail "status table lacks node n0"
