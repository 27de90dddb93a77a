# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# openredctl finds a running daemon while its config file on disk is
# broken (issue 14): a libconfig syntax error falls back to the
# compiled-in socket under the prefix, a value the daemon would refuse is
# not looked at, and -S and OPENRED_SOCKET need no config at all. A wrong
# socket fails with a clear message, and a syntax error is named by
# FILE:LINE when the default cannot be reached either.
. "$(dirname "$0")/lib.sh"

# The daemon's socket is the compiled-in default under the prefix, so that
# it is what openredctl falls back to. If configure made that default
# absolute, a test must not bind it: the fallback is then only checked to
# fail with the FILE:LINE message.
DEFAULT=$(sed -n 's/^#define OR_CONTROL_SOCKET_PATH "\(.*\)"$/\1/p' \
          "$TOP/objs/or_auto_config.h")
[ -n "$DEFAULT" ] || fail "no OR_CONTROL_SOCKET_PATH in objs/or_auto_config.h"
case "$DEFAULT" in
/*) reach_default=0 ;;
*)  reach_default=1; SOCK=$T/$DEFAULT ;;
esac

or_conf_write 1 9001
mkdir -p "$(dirname "$SOCK")"
or_start
pid=$(master_pid)
GOOD=$(cat "$CONF")

# ctl ARGS...: openredctl in the namespace, bounded; sets rc, out, err
ctl() {
    nsx timeout 20 "$OPENREDCTL" "$@" > "$T/out" 2> "$T/err"
    rc=$?
}

# status_ok WHAT: the status table of our daemon, field by field
status_ok() {
    [ "$rc" = 0 ] || fail "$1: exit $rc: $(cat "$T/err")"
    grep -qx "master    $pid" "$T/out" || fail "$1: no master $pid line"
    grep -qx "config    $CONF" "$T/out" || fail "$1: no config $CONF line"
    grep -qx "reloads   0" "$T/out" || fail "$1: no reloads 0 line"
    grep -qE "^[0-9]+ +#0 +running +[0-9]+$" "$T/out" \
        || fail "$1: worker #0 is not listed running"
    grep -qE "^n0 +tech +127\.0\.0\.1:9001$" "$T/out" \
        || fail "$1: node n0 is not listed"
}

# Sanity: the intact config, its socket given as the absolute $SOCK.
ctl -p "$T" -c "$CONF" status
status_ok "intact config"

# 1. A libconfig syntax error, as halfway through an edit.
printf '%s\n' "$GOOD" | sed 's/^worker_processes = .*/worker_processes = ;/' \
    > "$CONF"
line=$(grep -n '^worker_processes = ;$' "$CONF" | cut -d: -f1)
[ -n "$line" ] || fail "config not broken"
nsx "$OPENRED" -t -p "$T" -c "$CONF" > /dev/null 2>&1 \
    && fail "openred -t accepts the broken config: the test proves nothing"
if [ "$reach_default" = 1 ]; then
    ctl -p "$T" -c "$CONF" status
    status_ok "syntax error, the default socket"
fi
# with a prefix where no daemon is, the fallback fails and says why
ctl -p "$T/elsewhere" -c "$CONF" status
[ "$rc" = 1 ] || fail "syntax error, no daemon at the default: exit $rc"
want="cannot read $CONF:$line: syntax error; pass -S or set OPENRED_SOCKET"
grep -qF "$want" "$T/err" \
    || fail "syntax error: no FILE:LINE message: $(cat "$T/err")"
grep -qF "(the compiled-in default)" "$T/err" \
    || fail "syntax error: the message does not say the path is the default"

# 2. -S and OPENRED_SOCKET need no config, broken or absent.
ctl -S "$SOCK" status
status_ok "-S"
OPENRED_SOCKET=$SOCK ctl -p "$T/elsewhere" -c "$CONF" status
status_ok "OPENRED_SOCKET"
# -S wins over OPENRED_SOCKET
OPENRED_SOCKET=$T/nothing.sock ctl -S "$SOCK" status
status_ok "-S over OPENRED_SOCKET"

# 3. A wrong -S: a clear message naming the path, exit 1.
ctl -S "$T/nothing.sock" status
[ "$rc" = 1 ] || fail "wrong -S: exit $rc, not 1"
want="openredctl: status: connect() to \"$T/nothing.sock\" failed:"
want="$want No such file or directory (is openred running?)"
grep -qxF "$want" "$T/err" || fail "wrong -S: unclear message: $(cat "$T/err")"
[ -s "$T/out" ] && fail "wrong -S: printed a table"
OPENRED_SOCKET=$T/nothing.sock ctl -p "$T" -c "$CONF" status
[ "$rc" = 1 ] || fail "wrong OPENRED_SOCKET: exit $rc, not 1"
grep -qF "connect() to \"$T/nothing.sock\" failed" "$T/err" \
    || fail "wrong OPENRED_SOCKET: the message does not name it"

# 4. Parsed by libconfig, refused by the daemon: openredctl reads only
# control.socket. Relative, it is under the prefix: a link there to the
# daemon's socket proves the config's path was used, not the default.
mkdir -p "$T/alt"
ln -s "$SOCK" "$T/alt/ctl.sock"
printf '%s\n' "$GOOD" \
    | sed -e 's/^worker_processes = .*/worker_processes = "x";/' \
          -e 's|socket = "[^"]*"|socket = "alt/ctl.sock"|' > "$CONF"
grep -q 'socket = "alt/ctl.sock"' "$CONF" || fail "config not rewritten"
nsx "$OPENRED" -t -p "$T" -c "$CONF" > /dev/null 2>&1 \
    && fail "openred -t accepts worker_processes = \"x\""
ctl -p "$T" -c "$CONF" status
status_ok "refused value, relative socket"
# the same config under another prefix: no such socket, exit 1, named
ctl -p "$T/elsewhere" -c "$CONF" status
[ "$rc" = 1 ] || fail "relative socket under another prefix: exit $rc"
grep -qF "connect() to \"$T/elsewhere/alt/ctl.sock\" failed" "$T/err" \
    || fail "relative socket not resolved under -p: $(cat "$T/err")"

# 5. Through @include, relative to the config file's folder.
printf 'control = { socket = "alt/ctl.sock"; };\n' > "$T/conf/control.inc"
printf 'worker_processes = "x";\n@include "control.inc"\n' > "$CONF"
ctl -p "$T" -c "$CONF" status
status_ok "@include"

# The daemon never noticed: still the one master, no reload.
[ "$(master_pid)" = "$pid" ] && pid_alive "$pid" || fail "the master changed"
echo "ok: openredctl answers with a broken config" \
     "(default reached: $reach_default)"
