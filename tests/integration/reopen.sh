# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# USR1 after the log was renamed: a new log file appears.
. "$(dirname "$0")/lib.sh"

or_conf_write 2 9001
or_start
wait_for 10 test -s "$LOG" || fail "no log"
mv "$LOG" "$LOG.1"
nsx "$OPENRED" -p "$T" -c "$CONF" -s reopen || fail "-s reopen failed"
wait_for 10 grep -q "reopened logs" "$LOG" || fail "no new log file"
grep -q "reopening" "$LOG" && fail "a worker could not reopen the log"
true
