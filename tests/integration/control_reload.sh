# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# openredctl keeps working through reloads: a request that the old worker 0
# accepted is answered before that worker exits, and a new one reaches the
# new worker 0. Before, 1 to 2 requests in 150 made during 30 reloads got
# no reply, and openredctl died of SIGPIPE (exit 141) with no message
# (notify.sh failed that way in a full run).
. "$(dirname "$0")/lib.sh"

or_conf_write 2 9401
or_start
wait_for 10 nsx "$OPENREDCTL" -S "$SOCK" status > /dev/null || fail "no status"
bad=0
for i in $(seq 1 40); do
    kill -HUP "$OR_STARTED_MASTER"
    for j in 1 2 3 4 5; do
        if ! "$OPENREDCTL" -S "$SOCK" status > "$T/out" 2> "$T/err"; then
            echo "reload $i, request $j: exit $?: $(cat "$T/err")" >&2
            bad=$((bad + 1))
        fi
    done
done
[ "$bad" = 0 ] || fail "$bad of 200 requests failed during 40 reloads"
# the daemon is still whole: every reload was taken
wait_for 30 grep -q "configuration reloaded" "$LOG" || fail "no reload logged"
nsx "$OPENREDCTL" -S "$SOCK" status > /dev/null || fail "no status after the reloads"
exit 0
