# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# kill -9 of a worker: the master logs how it died and starts another.
. "$(dirname "$0")/lib.sh"

or_conf_write 2 9001
or_start
want=2
wait_for 10 has_running || fail "2 workers did not start"
set -- $(running_workers)
victim=$1
kill -KILL "$victim"
respawned() {
    has_running || return 1
    case " $(running_workers) " in *" $victim "*) return 1 ;; esac
}
wait_for 5 respawned || fail "worker $victim not replaced"
grep -q "worker process $victim .*exited on signal 9" "$LOG" \
    || fail "no exit line for $victim"
