# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A reload with a broken config keeps the workers and ports and logs
# FILE:LINE.
. "$(dirname "$0")/lib.sh"

or_conf_write 2 9001
or_start
want=2
wait_for 10 has_running || fail "2 workers did not start"
pid=$(master_pid)
before=$(running_workers)
echo "worker_connections = 1;" >> "$CONF"
line=$(wc -l < "$CONF")
kill -HUP "$pid"
wait_for 10 grep -q "reload failed" "$LOG" || fail "no reload failure logged"
grep -q "$CONF:$line: " "$LOG" || fail "no $CONF:$line error in the log"
[ "$(running_workers)" = "$before" ] || fail "workers changed"
listening 9001 || fail "9001 stopped listening"
