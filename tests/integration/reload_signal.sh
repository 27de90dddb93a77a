# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# `openred -s reload` waits for the master's outcome: 0 when the new
# configuration runs, 1 naming the log when it loaded but could not start
# (a port taken: -s reload exited 0 before), and 1 with FILE:LINE when the
# file is broken; the running configuration stays in both cases.
. "$(dirname "$0")/lib.sh"

or_conf_write 1 9401
or_start
want=1
wait_for 10 has_running || fail "worker did not start"
generation() {
    ctl_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])'
}
nsx "$OPENRED" -p "$T" -c "$CONF" -s reload > "$T/out" 2>&1 \
    || fail "-s reload of a good config failed: $(cat "$T/out")"
[ "$(generation)" = 1 ] || fail "generation is $(generation), not 1"

cp "$CONF" "$T/good.conf"
echo "worker_connections = 1;" >> "$CONF"
line=$(wc -l < "$CONF")
nsx "$OPENRED" -p "$T" -c "$CONF" -s reload > "$T/out" 2>&1 \
    && fail "-s reload of a broken config exited 0"
grep -q "^$CONF:$line: setting \"worker_connections\": 1 is out of range" \
    "$T/out" || fail "no FILE:LINE reason: $(cat "$T/out")"
# -s loads the file first, as nginx: a broken one is not even sent
grep -q "test failed" "$T/out" || fail "no failure line: $(cat "$T/out")"
[ "$(generation)" = 1 ] || fail "a failed reload changed the generation"

# loads, cannot start: a node on a port another process holds
cp "$T/good.conf" "$CONF"
nsx python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 9402)); s.listen()
print("up", flush=True); time.sleep(60)' > "$T/holder" 2>&1 &
holder=$!
wait_for 10 grep -q up "$T/holder" || fail "port holder did not start"
sed -i 's|listen = "127.0.0.1:9401"; }|&, { id = "n1"; sector = "tech"; listen = "127.0.0.1:9402"; }|' "$CONF"
grep -q 9402 "$CONF" || fail "sed"
nsx "$OPENRED" -p "$T" -c "$CONF" -s reload > "$T/out" 2>&1 \
    && fail "-s reload with a port taken exited 0"
kill "$holder"
grep -q "the reason is in the log \"$LOG\"" "$T/out" \
    || fail "no pointer to the log: $(cat "$T/out")"
grep -q "reload failed: master process $OR_STARTED_MASTER keeps the running configuration" \
    "$T/out" || fail "no failure line: $(cat "$T/out")"
[ "$(generation)" = 1 ] || fail "a failed start changed the generation"

cp "$T/good.conf" "$CONF"
nsx "$OPENRED" -p "$T" -c "$CONF" -s reload > "$T/out" 2>&1 \
    || fail "-s reload after the fix failed: $(cat "$T/out")"
[ "$(generation)" = 2 ] || fail "generation is $(generation), not 2"
exit 0
