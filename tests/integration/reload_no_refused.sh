# Connections in a tight loop during 10 reloads are never refused: the
# listening socket outlives every generation of workers.
. "$(dirname "$0")/lib.sh"

or_conf_write 2 9001
or_start
pid=$(master_pid)
# Below the listen backlog: nothing accepts yet, so every connection
# waits in the kernel queue.
nsx bash -c '
    for i in $(seq 1 300); do
        exec 3<>/dev/tcp/127.0.0.1/9001 || { echo "refused at $i"; exit 1; }
        exec 3>&-
    done' > "$T/loop.out" 2>&1 &
loop=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
    kill -HUP "$pid"
    wait_for 10 grep -q "generation $i\$" "$LOG" || fail "reload $i not done"
done
wait "$loop" || fail "connection refused during reloads: $(cat "$T/loop.out")"
[ "$(master_pid)" = "$pid" ] || fail "master changed"
