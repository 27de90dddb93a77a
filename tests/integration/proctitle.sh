# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# ps shows each process's role, as nginx's: "openred: master process" with
# the command line it was started with, "openred: worker process #N";
# a reload's new workers carry the title too. (notify.sh checks that the
# environment a title overwrites still reaches sd_notify.)
. "$(dirname "$0")/lib.sh"

# cmdline PID: the title, the first string of /proc/PID/cmdline
# (setproctitle writes one string; under ASan a byte of what the area
# held before may follow its NULs, which ps shows as trailing junk)
cmdline() {
    tr '\0' '\n' < "/proc/$1/cmdline" | head -n 1
}

or_conf_write 2 9321
nsx "$OPENRED" -p "$T" -c "$CONF" \
    || fail "openred did not start"
wait_for 10 test -s "$PIDFILE" || fail "no pid file"
OR_STARTED_MASTER=$(master_pid)
want=2
wait_for 10 has_running || fail "2 workers did not start"
got=$(cmdline "$OR_STARTED_MASTER")
[ "$got" = "openred: master process $OPENRED -p $T -c $CONF" ] \
    || fail "master title: \"$got\""
check_workers() {
    local w idx
    for w in $(running_workers); do
        idx=$(ctl_json | python3 -c "
import json, sys
print([x['index'] for x in json.load(sys.stdin)['workers']
       if x['pid'] == $w][0])")
        got=$(cmdline "$w")
        [ "$got" = "openred: worker process #$idx" ] \
            || fail "worker $w title: \"$got\""
    done
}
check_workers
before=$(running_workers)
kill -HUP "$OR_STARTED_MASTER"
new_workers() { [ "$(running_workers)" != "$before" ] && has_running; }
wait_for 20 new_workers || fail "no new workers after the reload"
check_workers
exit 0
