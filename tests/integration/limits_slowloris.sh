# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Issue 16 #4: 300 stalled half-requests from one address, plus 520
# half-requests from five more that are re-opened as soon as they are
# closed, while 10 genuine peers dial from another address: at least 9
# get in. Per-source caps keep each attacking address to
# max_pending_per_source handshakes per worker, and a full
# max_pending_handshakes drops the oldest handshake of the busiest
# address, not the newcomer. Without the fix: every genuine peer is
# refused while the flood holds max_pending_handshakes.
. "$(dirname "$0")/handshake_lib.sh"

LT="$PY $TOP/tests/integration/limits_tool.py"
BG=
trap 'for p in $BG; do kill "$p" 2>/dev/null; done; hs_cleanup' EXIT

hs_conf A 9001 "handshake_timeout = 3;"
sed -i '1a max_pending_handshakes = 64;' "$T/A/openred.conf"
hs_start A
FA=$(hs_fp A)

stat() {    # stat REASON: A's counter of REASON (0 if none)
    hs_ctl A status --json | $PY -c '
import json, sys
print(json.load(sys.stdin)["handshakes"]["A"].get(sys.argv[1], 0))' "$1"
}

( ulimit -n 4096 && exec ip netns exec "$NS" $LT stall 127.0.0.1 9001 300 \
    127.0.0.2 60 ) > "$T/stall" 2>&1 &
BG="$BG $!"
( ulimit -n 4096 && exec ip netns exec "$NS" $LT churn 127.0.0.1 9001 520 \
    127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7 60 ) \
    > "$T/churn" 2>&1 &
BG="$BG $!"
wait_for 30 grep -q stalling "$T/stall" || fail "stallers: $(cat "$T/stall")"
wait_for 30 grep -q stalling "$T/churn" || fail "churn: $(cat "$T/churn")"
# The flood is on: its handshakes are refused per source or dropped as
# the busiest address's oldest (which one depends on who comes first).
over() { [ $(( $(stat source_limit) + $(stat dropped) )) -ge 1 ]; }
wait_for 10 over || fail "neither source_limit nor dropped under the flood"

nsx $LT genuine 127.0.0.1 9001 "$FA" 10 127.0.0.9 > "$T/genuine" 2>&1 \
    || fail "genuine peers: $(cat "$T/genuine")"
ok=$(awk '/accepted/ {print $2}' "$T/genuine")
echo "genuine: $(cat "$T/genuine"); source_limit $(stat source_limit)," \
     "dropped $(stat dropped), timeout $(stat timeout), limit $(stat limit)"
[ "${ok:-0}" -ge 9 ] || fail "only $ok of 10 genuine peers got in"
echo ok
