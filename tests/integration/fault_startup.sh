# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Start-up faults: a key file that is unreadable, missing, world-readable
# or corrupt, a control socket in a missing directory, a listen port in
# use. Each is exit code 1 (never a signal) with a message that names the
# file or port, at -t or at start; a missing key is generated 0600.
. "$(dirname "$0")/lib.sh"

need_cmd setpriv
id nobody > /dev/null 2>&1 || skip "no user nobody (for the unreadable key)"
getent group nogroup > /dev/null || skip "no group nogroup"

PY=python3
V2PEER="$PY $TOP/tests/peers/v2peer.py"
PORT=9001

# fconf KEY [SOCKET]: one node on $PORT with key KEY.
fconf() {
    mkdir -p "$T/conf" "$T/logs"
    cat > "$CONF" << END
worker_processes = 1;
pid = "$PIDFILE";
worker_shutdown_timeout = 3;
error_log = { path = "$LOG"; level = "info"; };
control = { socket = "${2:-$SOCK}"; };
nodes = ( { id = "n0"; sector = "tech"; listen = "127.0.0.1:$PORT";
            key = "$1"; } );
END
}

# expect_exit1 WHAT TEXT [-t]: openred (or openred -t) exits 1, and its
# stderr holds TEXT. An exit on a signal would be 128+N, a hang 124.
expect_exit1() {
    local what=$1 text=$2 rc
    shift 2
    nsx timeout 20 ${RUNAS:-} "$OPENRED" "$@" -p "$T/" -c "$CONF" > "$T/out" 2>&1
    rc=$?
    [ "$rc" = 1 ] || { cat "$T/out" >&2; fail "$what: exit code $rc, not 1"; }
    grep -qF -- "$text" "$T/out" \
        || { cat "$T/out" >&2; fail "$what: no \"$text\" in the output"; }
    [ -e "$PIDFILE" ] && fail "$what: a pid file was left"
    return 0
}

mkdir -p "$T/keys"
$V2PEER keygen "$T/keys/good.pem" > /dev/null || fail "keygen"
chmod 600 "$T/keys/good.pem"

# Unreadable, as root: permission bits do not stop root, a directory does.
mkdir "$T/keys/dir.pem"
fconf "$T/keys/dir.pem"
expect_exit1 "key is a directory (-t)" \
    "key file \"$T/keys/dir.pem\" is not a regular file" -t
expect_exit1 "key is a directory" \
    "key file \"$T/keys/dir.pem\" is not a regular file"

# Unreadable by permission: -t as an unprivileged user, the key inside a
# 000 directory (the user must be able to read the config itself).
mkdir "$T/keys/locked"
cp "$T/keys/good.pem" "$T/keys/locked/k.pem"
chmod 000 "$T/keys/locked"
fconf "$T/keys/locked/k.pem"
chmod 755 "$T" "$T/conf" "$T/keys"
chmod 644 "$CONF"
RUNAS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
expect_exit1 "key in a 000 directory (-t as nobody)" \
    "open \"$T/keys/locked/k.pem\": Permission denied" -t
RUNAS=

# World-readable: refused, the message names the file and the fix.
cp "$T/keys/good.pem" "$T/keys/world.pem"
chmod 644 "$T/keys/world.pem"
fconf "$T/keys/world.pem"
expect_exit1 "world-readable key (-t)" \
    "run \"chmod 600 $T/keys/world.pem\"" -t
expect_exit1 "world-readable key" "run \"chmod 600 $T/keys/world.pem\""
grep -qF "key file \"$T/keys/world.pem\" is accessible by group or others" \
    "$T/out" || fail "world-readable: the message does not name the file"

# Corrupt: garbage, a truncated PEM, an empty file.
printf 'not a key\n' > "$T/keys/garbage.pem"
head -c 900 "$T/keys/good.pem" > "$T/keys/trunc.pem"
echo "-----END PRIVATE KEY-----" >> "$T/keys/trunc.pem"
: > "$T/keys/empty.pem"
chmod 600 "$T/keys/garbage.pem" "$T/keys/trunc.pem" "$T/keys/empty.pem"
for k in garbage trunc empty; do
    fconf "$T/keys/$k.pem"
    expect_exit1 "$k key (-t)" \
        "key file \"$T/keys/$k.pem\" holds no unencrypted private key" -t
    expect_exit1 "$k key" \
        "key file \"$T/keys/$k.pem\" holds no unencrypted private key"
done

# Missing, in a folder that cannot be made (a file stands in its path):
# -t and start say so. A merely missing folder is made 0700 (below).
: > "$T/keys/afile"
fconf "$T/keys/afile/nodir/k.pem"
expect_exit1 "key in a folder that cannot be made (-t)" \
    "key file \"$T/keys/afile/nodir/k.pem\" is missing and cannot be created" -t
expect_exit1 "key in a folder that cannot be made" \
    "key file \"$T/keys/afile/nodir/k.pem\" is missing and cannot be created"

# Control socket in a missing directory: refused at start.
fconf "$T/keys/good.pem" "$T/nosuch/control.sock"
expect_exit1 "control socket in a missing directory" \
    "directory \"$T/nosuch\" does not exist"

# Listen port in use (held by python3): refused at start.
nsx $PY -c '
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("bound", os.getpid(), flush=True)
time.sleep(30)
' "$PORT" > "$T/holder" 2>&1 &
wait_for 10 grep -q bound "$T/holder" || fail "python3 did not bind $PORT"
holder=$(awk '{print $2}' "$T/holder")
fconf "$T/keys/good.pem"
expect_exit1 "listen port in use" \
    "bind() to 127.0.0.1:$PORT failed (98: Address already in use), node: n0"
kill "$holder" 2>/dev/null
wait

# Issue 18: a missing logs/ folder (the pid file's, the error log's) fails
# -t as it fails start, with the setting's file:line, and start fails
# before any key is generated.
fconf "$T/keys/gen-nologs.pem"
sed -i "s|^pid = .*|pid = \"$T/nologs/openred.pid\";|" "$CONF"
expect_exit1 "missing pid folder (-t)" \
    "$CONF:2: setting \"pid\": folder \"$T/nologs\" does not exist" -t
sed -i "s|^error_log = .*|error_log = { path = \"$T/nologs2/e.log\"; };|" "$CONF"
expect_exit1 "missing log folder (-t)" \
    "$CONF:4: setting \"error_log\": folder \"$T/nologs2\" does not exist" -t
expect_exit1 "missing pid folder (start)" \
    "$CONF:2: setting \"pid\": folder \"$T/nologs\" does not exist"
[ -e "$T/keys/gen-nologs.pem" ] && fail "a start that failed generated a key"

# Missing, in a missing folder: -t passes (it can be made), start makes
# the folder 0700 and generates the key 0600.
fconf "$T/keys/newdir/new.pem"
nsx "$OPENRED" -t -p "$T/" -c "$CONF" > "$T/out" 2>&1 \
    || { cat "$T/out" >&2; fail "-t with a missing key that can be made"; }
[ -e "$T/keys/newdir" ] && fail "-t created the key's folder"
or_start
[ "$(stat -c %a "$T/keys/newdir")" = 700 ] \
    || fail "made key folder mode $(stat -c %a "$T/keys/newdir"), not 700"
[ "$(stat -c %a "$T/keys/newdir/new.pem")" = 600 ] \
    || fail "generated key mode $(stat -c %a "$T/keys/newdir/new.pem"), not 600"
nsx "$OPENRED" -t -p "$T/" -c "$CONF" > "$T/out" 2>&1 \
    || fail "-t refuses the key it generated"
echo ok
