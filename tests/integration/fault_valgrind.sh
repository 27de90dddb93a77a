# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# The daemon under valgrind through start, handshake, v3 beacons, reload
# and quit:
# no memory error and no definite or indirect leak in the master or any
# worker (every process is traced, children included).
. "$(dirname "$0")/lib.sh"

need_cmd valgrind
# valgrind cannot run an ASan build; that build has its own leak check.
case "$("$OPENRED" -V 2>&1)" in
*--with-sanitizers*) skip "built --with-sanitizers (LeakSanitizer checks it)" ;;
esac

V2PEER="python3 $TOP/tests/peers/v2peer.py"
VG_ERR=99

mkdir -p "$T/conf" "$T/logs" "$T/state"
write_conf() {
    cat > "$CONF" << END
worker_processes = 1;
daemon = false;
pid = "$PIDFILE";
worker_shutdown_timeout = 5;
error_log = { path = "$LOG"; level = "info"; };
control = { socket = "$SOCK"; };
nodes = ( { id = "n0"; sector = "tech"; listen = "127.0.0.1:9001";
            key = "$T/state/n0.pem"; $1 } );
END
}
write_conf ""
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/state/n0.pem" 2> /dev/null || fail "openssl genpkey"
chmod 600 "$T/state/n0.pem"
FP0=$(openssl pkey -in "$T/state/n0.pem" -pubout | sha256sum | cut -c1-16)
$V2PEER keygen "$T/dialer.pem" > /dev/null || fail "keygen"

ip netns exec "$NS" valgrind --vgdb=no --trace-children=yes \
    --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=$VG_ERR --log-file="$T/vg.%p" \
    "$OPENRED" -p "$T/" -c "$CONF" > "$T/out" 2>&1 &
vg=$!
wait_for 60 test -S "$SOCK" || fail "no control socket under valgrind"
# the pid file comes after the socket: under valgrind, seconds after
wait_for 60 test -s "$PIDFILE" || fail "no pid file under valgrind"
OR_STARTED_MASTER=$(master_pid)
want=1
wait_for 60 has_running || fail "the worker did not start"

# --seconds bounds the whole dial, link held included: a worker under
# valgrind on a loaded machine took more than 2 s to answer
dial() {
    nsx $V2PEER dial --key "$T/dialer.pem" --connect 127.0.0.1:9001 \
        --target "$FP0" --seconds 10 --messages 1 2>&1 \
        | grep -q connection_accepted
}
dial || fail "handshake under valgrind"
nsx "$OPENREDCTL" -S "$SOCK" sessions > /dev/null || fail "sessions"
# v3 beacons of another peer (tests/peers/v3peer.py; not the dialer, whose
# v2 dials would then be refused as a downgrade): the second one is
# verified with the key the first one bound, kept until the worker exits
$V2PEER keygen "$T/v3peer.pem" > /dev/null || fail "keygen"
v3beacon() {
    nsx python3 "$TOP/tests/peers/v3peer.py" beacon --key "$T/v3peer.pem" \
        --instance 9 --seq "$1" > /dev/null || fail "v3peer beacon $1"
}
verified() {
    nsx "$OPENREDCTL" -S "$SOCK" peers --stats --json \
        | grep -q "\"v3_verified\": *$1"
}
v3beacon 1
wait_for 60 verified 1 || fail "v3 beacon 1 not verified under valgrind"
v3beacon 2
wait_for 60 verified 2 || fail "v3 beacon 2 not verified under valgrind"

write_conf "handshake_timeout = 5;"
kill -HUP "$OR_STARTED_MASTER"
wait_for 60 grep -q "configuration reloaded, generation 1" "$LOG" \
    || fail "reload under valgrind"
reloaded() {
    [ "$(running_workers | wc -w)" = 1 ] \
        && ctl_json | grep -q '"generation":1}'
}
wait_for 60 reloaded || fail "generation 1 worker not running"
dial || fail "handshake after the reload"

kill -QUIT "$OR_STARTED_MASTER"
wait_for 60 pid_gone "$OR_STARTED_MASTER" || fail "no exit on QUIT"
wait "$vg"
rc=$?
[ "$rc" = 0 ] || fail "the master exited $rc under valgrind"
grep -q "exited with code $VG_ERR" "$LOG" && fail "a worker had errors"

n=0
for f in "$T"/vg.*; do
    n=$(( n + 1 ))
    if grep -Eq "(definitely|indirectly) lost: [1-9]|Invalid|uninitialised|ERROR SUMMARY: [1-9]" \
        "$f"
    then
        cat "$f" >&2
        fail "valgrind: $f"
    fi
done
echo "valgrind: $n processes, no error, no definite or indirect leak"
grep -h "definitely lost\|indirectly lost\|still reachable" "$T"/vg.* \
    | sed 's/^==[0-9]*== */  /'

[ "$n" -ge 3 ] || fail "only $n valgrind logs (master, 2 generations)"
echo ok
