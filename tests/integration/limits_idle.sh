# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Issue 16 #3: an attacker holds max_inbound idle sessions (its own keys,
# one handshake each) in every worker; genuine peers still get in (each
# verified handshake evicts the longest-idle inbound session), and the
# attacker's sessions end as "idle" after session_idle_timeout.
# Without the fix: 0 of 10 (every worker refuses at max_inbound).
. "$(dirname "$0")/handshake_lib.sh"

LT="$PY $TOP/tests/integration/limits_tool.py"
BG=
trap 'for p in $BG; do kill "$p" 2>/dev/null; done; hs_cleanup' EXIT

# session_idle_timeout well above the time the genuine peers take (seconds
# under ASan): they must meet a full worker, and the idle closes must come
# in another 5 s window of the log's rate limiter than the evictions
hs_conf A 9001 "max_inbound = 16; session_idle_timeout = 30;"
hs_start A
FA=$(hs_fp A)

stat() {    # stat REASON: A's counter of REASON (0 if none)
    hs_ctl A status --json | $PY -c '
import json, sys
print(json.load(sys.stdin)["handshakes"]["A"].get(sys.argv[1], 0))' "$1"
}
n_sessions() {
    hs_ctl A sessions --json | $PY -c '
import json, sys
print(len(json.load(sys.stdin)))'
}

# max_inbound silent attacker sessions (the kernel hands sequential
# connections to one worker): that worker is full of sessions.
nsx $LT hold 127.0.0.1 9001 "$FA" 16 60 > "$T/hold" 2>&1 &
BG="$BG $!"
wait_for 60 grep -q holding "$T/hold" || fail "attacker: $(cat "$T/hold")"
echo "attacker: $(cat "$T/hold"), $(n_sessions) sessions listed"
[ "$(n_sessions)" = 16 ] || fail "the attacker holds $(n_sessions) sessions"

nsx $LT genuine 127.0.0.1 9001 "$FA" 10 127.0.0.2 > "$T/genuine" 2>&1 \
    || fail "genuine peers: $(cat "$T/genuine")"
echo "genuine: $(cat "$T/genuine"); evicted: $(stat evicted)"
ok=$(awk '/accepted/ {print $2}' "$T/genuine")
[ "${ok:-0}" -ge 9 ] || fail "only $ok of 10 genuine peers got in"
[ "$(stat evicted)" -ge 1 ] || fail "no session was evicted"
[ "$(stat limit)" = 0 ] || fail "a full worker accepted and closed"

# The attack stops being free: silent sessions end at the idle deadline.
no_sessions() { [ "$(n_sessions)" = 0 ]; }
wait_for 60 no_sessions \
    || fail "$(n_sessions) sessions outlive session_idle_timeout"
[ "$(stat idle)" -ge 1 ] || fail "nothing counted as idle"
grep -q "session closed: idle, .*, node: A" "$T/A/error.log" \
    || fail "no idle close logged"
echo "idle closes: $(stat idle)"
echo ok
