# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# `-s quit` with 100 sessions open closes them at once, each with a reason
# ("shutting down"), and the daemon is gone long before its
# worker_shutdown_timeout (60 s here: the old behaviour, waiting for
# sessions that never drain, cannot pass). How fast it is goes to `make
# bench` (row 9), not here.
. "$(dirname "$0")/handshake_lib.sh"

LIMITS="$PY $TOP/tests/integration/limits_tool.py"
N=100
hs_conf B 9002 "max_inbound = 1000;"
sed -i 's/^worker_shutdown_timeout = 3;/worker_shutdown_timeout = 60;\
max_sessions_per_source = 1000; max_pending_per_source = 1000;/' \
    "$T/B/openred.conf"
hs_start B
MB=$(cat "$T/B/openred.pid")
FB=$(hs_fp B)
count() { hs_ctl B status --json | $PY -c '
import json, sys
s = json.load(sys.stdin)["sessions"]["B"]
print(s["inbound"] + s["outbound"])'; }

hs_bg "$T/hold" nsx $LIMITS hold 127.0.0.1 9002 "$FB" $N 120
wait_for 120 grep -q "^holding $N\$" "$T/hold" \
    || fail "the holder did not get $N sessions: $(cat "$T/hold" "$T/hold.err")"
wait_for 10 test "$(count)" = $N || fail "B lists $(count) sessions, not $N"

nsx "$OPENRED" -p "$T/B/" -c "$T/B/openred.conf" -s quit \
    || fail "-s quit failed"
wait_for 20 pid_gone "$MB" \
    || fail "the master is still running 20 s after -s quit"
# each close is a line (the log's limiter keeps 10 per 5 s, then counts),
# each worker says how many it closed
grep -q "session closed: shutting down, fingerprint: " "$T/B/error.log" \
    || fail "no session closed with a reason"
sum=$(sed -n 's/.*closed \([0-9]*\) sessions: shutting down.*/\1/p' \
    "$T/B/error.log" | awk '{ s += $1 } END { print s + 0 }')
[ "$sum" -eq $N ] || fail "the workers' summaries count $sum, not $N"
grep -q "worker_shutdown_timeout reached" "$T/B/error.log" \
    && fail "a worker waited for its worker_shutdown_timeout"
# the holder sees every session end
wait_for 10 grep -q "^held 0 of $N still open" "$T/hold" \
    || fail "sessions still open at the peer: $(cat "$T/hold")"
echo "ok"
