# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# openredctl reload | reopen | quit | stop, through the control socket
# alone (no -p/-c): reload exits 0 once the new configuration runs and 1
# with the master's reason when it failed (the daemon keeps running);
# reopen reopens the log, quit stops the daemon; a usage error is 2.
. "$(dirname "$0")/lib.sh"

ctl() { nsx "$OPENREDCTL" -S "$SOCK" "$@"; }
generation() {
    ctl_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])'
}

or_conf_write 1 9411
or_start
want=1
wait_for 10 has_running || fail "worker did not start"
ctl_json | grep -q '"last_reload": *null' || fail "last_reload before any"

ctl reload > "$T/out" 2>&1 || fail "reload failed: $(cat "$T/out")"
[ "$(generation)" = 1 ] || fail "generation $(generation), not 1"
ctl reload --json > "$T/out" 2>&1 || fail "reload --json failed"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is True and r["seq"] == 2 and r["error"] == "", r
' "$T/out" || fail "reload --json: $(cat "$T/out")"

# broken on disk: openredctl reads no config, the master's reason is shown
cp "$CONF" "$T/good.conf"
echo "worker_connections = 1;" >> "$CONF"
line=$(wc -l < "$CONF")
ctl reload > "$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "broken config: exit $rc, not 1: $(cat "$T/out")"
grep -q "^$CONF:$line: setting \"worker_connections\": 1 is out of range" \
    "$T/out" || fail "no FILE:LINE: $(cat "$T/out")"
grep -q "openredctl: reload: failed, the daemon keeps the running configuration" \
    "$T/out" || fail "no failure line: $(cat "$T/out")"
[ "$(generation)" = 2 ] || fail "a failed reload changed the generation"
ctl status > "$T/out" 2>&1 || fail "status after a failed reload"
grep -q "^last reload .*failed" "$T/out" || fail "status: $(cat "$T/out")"
cp "$T/good.conf" "$CONF"

ctl reload extra > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "usage error exit $rc, not 2"

mv "$LOG" "$LOG.1"
ctl reopen || fail "reopen failed"
wait_for 10 grep -q "reopened logs" "$LOG" || fail "log not reopened"

ctl quit || fail "quit failed"
wait_for 20 pid_gone "$OR_STARTED_MASTER" || fail "master did not quit"
ctl quit > "$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "quit with no daemon: exit $rc, not 1"
exit 0
