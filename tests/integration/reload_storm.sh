# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Issue 16 #11: a SIGHUP storm. With 4 workers whose old generations keep
# draining (at least one worker of each holds half-sent handshakes,
# worker_shutdown_timeout = 120), 300 reloads need more worker slots than
# the 256 there are. The newest
# generation must still run all 4 workers: the master stops the oldest
# draining workers to make room (and says so), and a worker that found no
# slot is spawned as soon as one frees. Before, that worker was skipped and
# never retried, and the generation ran short until the next reload.
. "$(dirname "$0")/lib.sh"

PORT=9001
or_conf_write 4 $PORT
sed -i 's/^worker_shutdown_timeout = 5;/worker_shutdown_timeout = 120;/' "$CONF"
sed -i 's/listen = "127.0.0.1:9001"; }/listen = "127.0.0.1:9001"; handshake_timeout = 300; }/' "$CONF"
or_start
MASTER=$(master_pid)
want=4
wait_for 10 has_running || fail "4 workers did not start"

# storm.py: each round holds 4 more half-sent requests (accept is
# exclusive: most go to one worker, which then drains them), sends SIGHUP and waits
# for the log to say that generation is up; then holds everything until
# told to stop (stdin closes) or the test ends.
cat > "$T/storm.py" << END
import os, resource, signal, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
held = []
for g in range(1, 301):
    for _ in range(4):
        s = socket.create_connection(("127.0.0.1", $PORT))
        s.send(b'{"type": "hand')
        held.append(s)
    os.kill($MASTER, signal.SIGHUP)
    end = time.time() + 20
    want = "configuration reloaded, generation %d\n" % g
    while want not in open("$LOG").read()[-65536:]:
        if time.time() > end:
            print("no generation %d" % g, flush=True)
            sys.exit(1)
        time.sleep(0.05)
print("storm done", flush=True)
sys.stdin.read()
END
mkfifo "$T/hold"
nsx /usr/bin/python3 "$T/storm.py" < "$T/hold" > "$T/storm.out" 2>&1 &
STORM=$!
exec 3> "$T/hold"
wait_for 150 grep -q 'storm done\|no generation' "$T/storm.out" \
    || fail "the storm did not finish: $(cat "$T/storm.out")"
grep -q 'storm done' "$T/storm.out" || fail "$(cat "$T/storm.out")"

# the newest generation (300) runs 4 workers
gen_running() {
    timeout 5 "$OPENREDCTL" -S "$SOCK" status --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
w = [x for x in r["workers"] if x["state"] == "running"
     and x["generation"] == 300]
sys.exit(0 if len(w) == 4 else 1)'
}
wait_for 20 gen_running || fail "generation 300 does not run 4 workers: $(
    timeout 5 "$OPENREDCTL" -S "$SOCK" status | grep -c running) running"
grep -q 'the oldest still draining' "$LOG" \
    || fail "the storm never ran out of slots: the test proves nothing"
exec 3>&-
kill "$STORM" 2>/dev/null
echo "ok"
