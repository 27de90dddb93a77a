# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Sessions across a reload of daemon A (nodes A and A2, auto_connect, to
# daemon B; worker_shutdown_timeout = 3): A's node is unchanged, so its
# session stays on the old worker until the timeout, is closed with a
# logged reason, and auto-connect in the new workers establishes it again;
# A2 is removed, so its session is closed at once with a logged reason.
. "$(dirname "$0")/handshake_lib.sh"

AUTO="auto_connect = true; discovery = { interval = 1; };"
hs_conf A 9001 "$AUTO"
cp "$T/A/openred.conf" "$T/A/one-node.conf"
hs_conf_sibling A A2 9003 "$AUTO"
hs_conf B 9002
hs_start A
hs_start B
FB=$(hs_fp B)
MA=$(cat "$T/A/openred.pid")

# sess NODE: "pid" of A's session of NODE with B (nothing if none);
# fails if there are two.
sess() {
    hs_ctl A sessions --json | $PY -c '
import json, sys
s = [x for x in json.load(sys.stdin)
     if x["node"] == sys.argv[1] and x["peer"] == sys.argv[2]]
assert len(s) <= 1, s
print(s[0]["pid"] if s else "")' "$1" "$FB"
}
has() { [ -n "$(sess "$1")" ]; }
wait_for 20 has A && wait_for 10 has A2 \
    || fail "auto-connect did not establish A-B and A2-B"
OLD=$(sess A)

cp "$T/A/one-node.conf" "$T/A/openred.conf"
kill -HUP "$MA"
# A2 is gone from the config: its session is closed without waiting.
wait_for 2 grep -q "session closed: node removed by reload, .*, node: A2," \
    "$T/A/error.log" || fail "A2's session was not closed with a reason"
# A is unchanged: its session is still there, on the old worker.
[ "$(sess A)" = "$OLD" ] || fail "A's session did not stay on worker $OLD"
pid_alive "$OLD" || fail "the old worker $OLD is gone already"
# Until worker_shutdown_timeout (3 s), then closed with a reason.
wait_for 6 pid_gone "$OLD" || fail "the old worker outlived its timeout"
grep -q "^.* $OLD#0: session closed: worker exiting, .*, node: A," \
    "$T/A/error.log" || fail "the old worker did not log the close"
# Auto-connect in the new workers: the session again, on a new worker.
new_session() { has A && [ "$(sess A)" != "$OLD" ]; }
wait_for 15 new_session || fail "A-B was not established again"
sess A >/dev/null || fail "more than one session A-B"
has A2 && fail "A2 has a session after its removal"
echo "ok"
