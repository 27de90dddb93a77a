# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A worker that keeps dying right after its start is respawned after a
# delay (1 s, doubling to 30 s), not at once: before, a worker that
# crashed at start (a disabled discovery node did, on every start) was
# respawned some 20 times a second for as long as the daemon ran. Each
# kill here comes as soon as the new worker #1 is listed; the third death
# in a row is delayed, logged, and the worker still comes back.
. "$(dirname "$0")/lib.sh"

or_conf_write 2 9401
or_start
wait_for 10 nsx "$OPENREDCTL" -S "$SOCK" status > /dev/null || fail "no status"
# worker_pid N: the running worker #N of the newest generation, or nothing
worker_pid() {
    ctl_json | python3 -c '
import json, sys
w = [x for x in json.load(sys.stdin)["workers"]
     if x["index"] == int(sys.argv[1]) and x["state"] == "running"]
print(max(w, key=lambda x: x["generation"])["pid"] if w else "")' "$1"
}
new_worker() { p=$(worker_pid 1); [ -n "$p" ] && [ "$p" != "$last" ]; }
last=
for i in $(seq 1 12); do
    wait_for 20 new_worker || fail "worker #1 was not respawned (round $i)"
    last=$p
    kill -KILL "$p"
    grep -q "worker #1 died [0-9]* times in a row" "$LOG" && break
done
wait_for 10 grep -q "worker #1 died 3 times in a row within 1000 ms of its start: respawning it in 1000 ms" "$LOG" \
    || fail "no delayed respawn after 3 deaths at start: $(grep -c 'started worker process' "$LOG") starts"
# it comes back after the delay, and worker #0 served all along
wait_for 20 new_worker || fail "worker #1 did not come back after the delay"
nsx "$OPENREDCTL" -S "$SOCK" status > /dev/null || fail "no status after"
exit 0
