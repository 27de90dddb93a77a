# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# The control socket belongs to the master, not to the workers' user
# (issue 16 #14): with the default user "nobody", any other process of
# that shared uid could drive the daemon. control.group lets an operators'
# group in; a group that does not exist fails -t with file:line.
. "$(dirname "$0")/lib.sh"

need_cmd setpriv
getent passwd nobody > /dev/null || skip "no user nobody"

or_conf_write 1 9001
echo 'user = "nobody";' >> "$CONF"
or_start
wait_for 10 nsx "$OPENREDCTL" -S "$SOCK" status > /dev/null || fail "no status"
[ "$(stat -c '%u %g %a' "$SOCK")" = "0 0 660" ] \
    || fail "socket is $(stat -c '%U:%G %a' "$SOCK"), not root:root 660"
# the workers do run as nobody: the socket is served through its descriptor
ps -o user= --ppid "$OR_STARTED_MASTER" | grep -qx nobody \
    || fail "workers do not run as nobody"
# another process of the workers' user is refused by the file's mode
chmod 755 "$T" "$T/logs"
out=$(nsx setpriv --reuid nobody --regid nogroup --clear-groups \
      "$OPENREDCTL" -S "$SOCK" status 2>&1) && fail "nobody drove the daemon: $out"
echo "$out" | grep -qi "permission denied" || fail "nobody: unexpected error: $out"

# control.group: the operators' group gets the socket
kill -TERM "$OR_STARTED_MASTER"
wait_for 10 pid_gone "$OR_STARTED_MASTER" || fail "master did not stop"
sed -i 's|control = { socket = "\([^"]*\)"; };|control = { socket = "\1"; group = "nogroup"; };|' "$CONF"
grep -q 'group = "nogroup"' "$CONF" || fail "config not edited"
or_start
wait_for 10 nsx "$OPENREDCTL" -S "$SOCK" status > /dev/null || fail "no status"
[ "$(stat -c '%u %G' "$SOCK")" = "0 nogroup" ] \
    || fail "socket is $(stat -c '%U:%G' "$SOCK"), not root:nogroup"
nsx setpriv --reuid nobody --regid nogroup --clear-groups \
    "$OPENREDCTL" -S "$SOCK" status > /dev/null \
    || fail "a member of control.group was refused"

# a group that does not exist: -t names the file and line
sed -i 's|group = "nogroup"|group = "no-such-group-x"|' "$CONF"
line=$(grep -n 'no-such-group-x' "$CONF" | cut -d: -f1)
out=$("$OPENRED" -t -p "$T" -c "$CONF" 2>&1) && fail "-t passed a missing group"
echo "$out" | grep -q "$CONF:$line: .*no group \"no-such-group-x\"" \
    || fail "-t message: $out"
exit 0
