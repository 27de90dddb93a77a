# Helpers of the handshake tests, on top of lib.sh: two daemons (A and B)
# in the test's network namespace, one node each, their fingerprints, and
# a cleanup that stops both masters (only those this test started).
. "$(dirname "$0")/lib.sh"

HSTOOL="python3 $TOP/tests/integration/handshake_tool.py"
HS_MASTERS=

# hs_conf NAME PORT [EXTRA]: $T/NAME/openred.conf with one node NAME.
hs_conf() {
    local d=$T/$1
    mkdir -p "$d"
    cat > "$d/openred.conf" << END
worker_processes = 2;
pid = "$d/openred.pid";
worker_shutdown_timeout = 3;
error_log = { path = "$d/error.log"; level = "info"; };
control = { socket = "$d/control.sock"; };
nodes = ( { id = "$1"; sector = "tech"; listen = "127.0.0.1:$2";
            key = "$d/key.pem"; ${3:-} } );
END
}

# hs_start NAME: start the daemon, wait for its socket, record its master.
hs_start() {
    local d=$T/$1
    nsx "$OPENRED" -p "$d/" -c "$d/openred.conf" || fail "$1 did not start"
    wait_for 10 test -S "$d/control.sock" || fail "$1: no control socket"
    HS_MASTERS="$HS_MASTERS $(cat "$d/openred.pid")"
}

hs_ctl() {
    local name=$1
    shift
    nsx "$OPENREDCTL" -S "$T/$name/control.sock" "$@"
}

hs_fp() {
    $HSTOOL fp "$T/$1/key.pem"
}

hs_cleanup() {
    for pid in $HS_MASTERS; do
        pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
    done
    for pid in $HS_MASTERS; do
        wait_for 10 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
    done
    or_cleanup
}

trap hs_cleanup EXIT
