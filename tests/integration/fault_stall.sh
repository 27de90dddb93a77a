# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# 1,000 connections that send half a request and stall, while valid
# handshakes keep arriving: every valid handshake succeeds, the stalled
# ones are closed at handshake_timeout (the stallers see EOF), and the
# worker's memory (PSS) returns near its level before.
. "$(dirname "$0")/lib.sh"

V2PEER="python3 $TOP/tests/peers/v2peer.py"
STALLERS=1000
DIALS=4
BG=
trap 'for p in $BG; do kill "$p" 2>/dev/null; done; or_cleanup' EXIT

mkdir -p "$T/conf" "$T/logs" "$T/state"
cat > "$CONF" << END
worker_processes = 1;
pid = "$PIDFILE";
worker_shutdown_timeout = 3;
max_pending_handshakes = 2000;
# all stallers come from 127.0.0.1: this test is about the deadline and
# memory, the per-source cap has limits_slowloris.sh
max_pending_per_source = 2000;
error_log = { path = "$LOG"; level = "notice"; };
control = { socket = "$SOCK"; };
nodes = ( { id = "n0"; sector = "tech"; listen = "127.0.0.1:9001";
            key = "$T/state/n0.pem"; handshake_timeout = 3;
            max_inbound = 2000; } );
END
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/state/n0.pem" 2> /dev/null || fail "openssl genpkey"
chmod 600 "$T/state/n0.pem"
FP0=$(openssl pkey -in "$T/state/n0.pem" -pubout | sha256sum | cut -c1-16)
$V2PEER keygen "$T/dialer.pem" > /dev/null || fail "keygen"
or_start
want=1
wait_for 10 has_running || fail "the worker did not start"
worker=$(running_workers)

dial() {
    nsx $V2PEER dial --key "$T/dialer.pem" --connect 127.0.0.1:9001 \
        --target "$FP0" --seconds 1 2>&1
}

pss() {
    awk '/^Pss:/ {print $2}' "/proc/$worker/smaps_rollup"
}

# Warm up (key, caches, one session) before the reference reading.
dial | grep -q connection_accepted || fail "warm-up handshake"
before=$(pss)

( ulimit -n 4096 && exec ip netns exec "$NS" python3 \
    "$TOP/tests/integration/fault_stall.py" 127.0.0.1 9001 $STALLERS 30 ) \
    > "$T/stall" 2>&1 &
BG="$BG $!"
wait_for 30 grep -q stalling "$T/stall" || fail "stallers: $(cat "$T/stall")"
grep -q "stalling $STALLERS" "$T/stall" || fail "stallers: $(cat "$T/stall")"

# Valid handshakes while the stallers hold their slots.
ok=0
for i in $(seq $DIALS); do
    dial | grep -q connection_accepted && ok=$(( ok + 1 ))
done
[ "$ok" = "$DIALS" ] || fail "$ok of $DIALS valid handshakes succeeded"

wait_for 40 grep -q '"open"' "$T/stall" || fail "the stallers did not finish"
result=$(grep '"open"' "$T/stall")
case "$result" in
*"\"closed\": $STALLERS,"*"\"timeouts\": $STALLERS, \"open\": 0}") ;;
*) fail "stalled connections not all closed: $result" ;;
esac

# Every staller was told "timeout" before EOF; the worker still serves.
nsx "$OPENREDCTL" -S "$SOCK" sessions > /dev/null \
    || fail "sessions does not answer"
dial | grep -q connection_accepted || fail "handshake after the stall"

after=$(pss)
echo "worker PSS: $before kB before, $after kB after $STALLERS stallers"
[ "$after" -le $(( 2 * before + 1024 )) ] \
    || fail "worker PSS $after kB, was $before kB"
echo ok
