# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Connections in a tight loop across 10 reloads are never refused: the
# listening socket outlives every generation of workers. The loop runs
# until the last reload is done; each reload is bracketed by connections
# made before its SIGHUP and after its "generation N" line.
. "$(dirname "$0")/lib.sh"

or_conf_write 2 9001
or_start
pid=$(master_pid)
# Each connection sends a byte, so that a worker accepts it (the listener
# defers accept until data) and the listen queue never fills; the count
# so far is in $T/count.
nsx timeout 120 bash -c '
    n=0
    while [ ! -e "$1/stop" ]; do
        exec 3<>/dev/tcp/127.0.0.1/9001 || { echo "refused after $n"; exit 1; }
        printf x >&3
        exec 3>&-
        n=$((n + 1))
        echo "$n" > "$1/count.new" && mv "$1/count.new" "$1/count"
    done' _ "$T" > "$T/loop.out" 2>&1 &
loop=$!
count() { cat "$T/count" 2>/dev/null || echo 0; }
moved() { [ "$(count)" -gt "$c" ]; }
for i in 1 2 3 4 5 6 7 8 9 10; do
    c=$(count)
    wait_for 10 moved || fail "no connection before reload $i: $(cat "$T/loop.out")"
    kill -HUP "$pid"
    wait_for 10 grep -q "generation $i\$" "$LOG" || fail "reload $i not done"
    c=$(count)
    wait_for 10 moved || fail "no connection after reload $i: $(cat "$T/loop.out")"
done
touch "$T/stop"
wait "$loop" || fail "connection refused during reloads: $(cat "$T/loop.out")"
echo "$(count) connections across 10 reloads, none refused"
[ "$(master_pid)" = "$pid" ] || fail "master changed"
