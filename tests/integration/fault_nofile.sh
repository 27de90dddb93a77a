# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# RLIMIT_NOFILE reached: with a tiny `ulimit -n` and worker_connections
# = 64, more connections than fit are opened. The worker logs it, does
# not spin (its CPU time stays low while accept() would fail), does not
# crash, and serves again once the connections close.
. "$(dirname "$0")/lib.sh"

V2PEER="python3 $TOP/tests/peers/v2peer.py"
CONNS=300       # the worker's limit is worker_connections + 64 = 128
BG=
trap 'for p in $BG; do kill "$p" 2>/dev/null; done; or_cleanup' EXIT

mkdir -p "$T/conf" "$T/logs" "$T/state"
cat > "$CONF" << END
worker_processes = 1;
worker_connections = 64;
# every connection comes from 127.0.0.1: the per-source cap would refuse
# them before the descriptors run out (limits_slowloris.sh tests it)
max_pending_per_source = 1000;
pid = "$PIDFILE";
worker_shutdown_timeout = 3;
error_log = { path = "$LOG"; level = "info"; };
control = { socket = "$SOCK"; };
nodes = ( { id = "n0"; sector = "tech"; listen = "127.0.0.1:9001";
            key = "$T/state/n0.pem"; handshake_timeout = 20; } );
END
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/state/n0.pem" 2> /dev/null || fail "openssl genpkey"
chmod 600 "$T/state/n0.pem"
FP0=$(openssl pkey -in "$T/state/n0.pem" -pubout | sha256sum | cut -c1-16)
$V2PEER keygen "$T/dialer.pem" > /dev/null || fail "keygen"

( ulimit -n 64 && exec ip netns exec "$NS" "$OPENRED" -p "$T/" -c "$CONF" ) \
    || fail "openred did not start under ulimit -n 64"
wait_for 10 test -s "$PIDFILE" || fail "no pid file"
OR_STARTED_MASTER=$(master_pid)
wait_for 10 test -S "$SOCK" || fail "no control socket"
want=1
wait_for 10 has_running || fail "the worker did not start"
worker=$(running_workers)

# CPU ticks (utime + stime) of the worker.
ticks() {
    awk '{print $14 + $15}' "/proc/$worker/stat"
}

# Stallers hold their descriptors 6 s, then close them.
( ulimit -n 4096 && exec ip netns exec "$NS" python3 \
    "$TOP/tests/integration/fault_stall.py" 127.0.0.1 9001 $CONNS 6 ) \
    > "$T/stall" 2>&1 &
BG="$BG $!"
wait_for 20 grep -q stalling "$T/stall" || fail "stallers: $(cat "$T/stall")"
wait_for 10 grep -q "Too many open files" "$LOG" \
    || fail "running out of descriptors was not logged"

# A worker that retries accept() at once spins at 100% of a CPU; allow
# a generous 15% over 2 s (the clock ticks at 100 Hz).
t0=$(ticks)
sleep 2
t1=$(ticks)
echo "worker CPU at the descriptor limit: $(( t1 - t0 )) ticks in 2 s"
[ $(( t1 - t0 )) -le 30 ] || fail "the worker spins: $(( t1 - t0 )) ticks in 2 s"
nsx "$OPENREDCTL" -S "$SOCK" status > /dev/null \
    || fail "status does not answer at the limit"
pid_alive "$worker" || fail "the worker died"

# Once the stallers close, it serves again.
wait_for 30 grep -q '"open"' "$T/stall" || fail "the stallers did not end"
ok() {
    nsx $V2PEER dial --key "$T/dialer.pem" --connect 127.0.0.1:9001 \
        --target "$FP0" --seconds 1 2>&1 | grep -q connection_accepted
}
wait_for 20 ok || fail "no handshake after the connections closed"
[ "$(running_workers)" = "$worker" ] || fail "the worker was replaced"
echo ok
