# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A reload that adds a node block: its port listens, the master stays,
# the workers are new.
. "$(dirname "$0")/lib.sh"

or_conf_write 2 9001
or_start
want=2
wait_for 10 has_running || fail "2 workers did not start"
pid=$(master_pid)
before=$(running_workers)
listening 9002 && fail "9002 listens before the reload"

or_conf_write 2 9001 9002
kill -HUP "$pid"
wait_for 10 listening 9002 || fail "9002 does not listen after the reload"
[ "$(master_pid)" = "$pid" ] && pid_alive "$pid" || fail "master changed"
newer() {
    local w
    w=$(running_workers) || return 1
    set -- $w
    [ "$#" -eq 2 ] || return 1
    for p in $w; do
        case " $before " in *" $p "*) return 1 ;; esac
    done
}
wait_for 10 newer || fail "workers not replaced: before $before, now $(running_workers)"
listening 9001 || fail "9001 stopped listening"
