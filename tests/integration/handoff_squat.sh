# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Issue 16 #5: another local uid must not be able to stop the workers by
# taking their hand-off socket names first. The names were
# openred.handoff.<pid>: the attacker (uid 12345) binds those of the next
# 300 pids, and two reloads must still start every worker, whose sockets
# carry random names that no pid predicts.
. "$(dirname "$0")/handshake_lib.sh"

hs_conf A 9001
hs_start A
MA=$(cat "$T/A/openred.pid")
want=2


# the attacker: squat the old abstract names of the next 300 pids
next=$(cat /proc/sys/kernel/ns_last_pid)
cat > "$T/squat.py" << END
import socket, sys, time
held = []
for pid in range($next, $next + 300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.bind("\0openred.handoff.%d" % pid)
        held.append(s)
    except OSError:
        s.close()
print("squatting %d" % len(held), flush=True)
time.sleep(30)
END
hs_bg "$T/squat.out" ip netns exec "$NS" setpriv --reuid=12345 --regid=12345 --clear-groups \
    $PY -c "$(cat "$T/squat.py")"
wait_for 10 grep -q '^squatting' "$T/squat.out" \
    || fail "the squatter did not start: $(cat "$T/squat.out.err")"
[ "$(sed -n 's/^squatting //p' "$T/squat.out")" -ge 290 ] \
    || fail "the squatter holds too few names: $(cat "$T/squat.out")"

# generation_running N: status lists 2 running workers of generation N
generation_running() {
    ctl_a | $PY -c '
import json, sys
r = json.load(sys.stdin)
w = [x for x in r["workers"] if x["state"] == "running"
     and x["generation"] == int(sys.argv[1])]
sys.exit(0 if len(w) == 2 else 1)' "$1"
}
ctl_a() { timeout 3 "$OPENREDCTL" -S "$T/A/control.sock" status --json; }
for g in 1 2; do
    kill -HUP "$MA"
    wait_for 10 generation_running "$g" \
        || fail "reload $g: the new workers did not start with the names squatted"
done
grep -q 'Address already in use' "$T/A/error.log" \
    && fail "a worker met a squatted name"
# each running worker's socket has a random name (16 hex digits), not
# one derived from its pid
n=$(nsx cat /proc/net/unix | grep -cE '@openred\.handoff\.[0-9a-f]{16}$')
[ "$n" -eq 2 ] || fail "$n hand-off sockets with a random name, not 2"
echo "ok"
