# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Helpers of the handshake tests, on top of lib.sh: two daemons (A and B)
# in the test's network namespace, one node each, their fingerprints, the
# v2 test peer (tests/peers/v2peer.py, the original's stand-in), and a
# cleanup that stops both masters and the peers (only what it started).
. "$(dirname "$0")/lib.sh"

# Debian's python3 (with python3-cryptography): another python3 may come
# first on PATH.
PY=/usr/bin/python3
HSTOOL="$PY $TOP/tests/integration/handshake_tool.py"
V2PEER="$PY $TOP/tests/peers/v2peer.py"
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

# hs_conf_sibling NAME ID PORT [EXTRA]: add node ID (key $T/NAME/ID.pem)
# to daemon NAME's config.
hs_conf_sibling() {
    local f=$T/$1/openred.conf
    sed -i '$ s/ } );$/ },/' "$f"
    cat >> "$f" << END
          { id = "$2"; sector = "tech"; listen = "127.0.0.1:$3";
            key = "$T/$1/$2.pem"; ${4:-} } );
END
}

# hs_start NAME: start the daemon, wait for its socket, record its master.
hs_start() {
    local d=$T/$1
    nsx "$OPENRED" -p "$d/" -c "$d/openred.conf" || fail "$1 did not start"
    # The pid first: the socket can appear before the pid file is
    # written, and a master not recorded here outlives the test.
    wait_for 10 test -s "$d/openred.pid" || fail "$1: no pid file"
    HS_MASTERS="$HS_MASTERS $(cat "$d/openred.pid")"
    wait_for 10 test -S "$d/control.sock" || fail "$1: no control socket"
}

hs_ctl() {
    local name=$1
    shift
    nsx "$OPENREDCTL" -S "$T/$name/control.sock" "$@"
}

hs_fp() {
    $HSTOOL fp "$T/$1/key.pem"
}

# hs_bg OUT CMD...: run CMD in the background, stdout to OUT; its pid is
# kept so that the cleanup stops it if the test fails first.
HS_BG=
hs_bg() {
    local out=$1
    shift
    "$@" > "$out" 2>"$out.err" &
    HS_BG="$HS_BG $!"
}

hs_cleanup() {
    for pid in $HS_BG; do
        kill -TERM "$pid" 2>/dev/null
    done
    stop_masters $HS_MASTERS
    or_cleanup
}

trap hs_cleanup EXIT
