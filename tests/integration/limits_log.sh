# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Issue 16 #13: a refusal flood adds a bounded number of log lines. 2,000
# malformed requests are refused (and counted) one by one, but each
# worker writes at most OR_LOG_RATE_LINES (10) lines per 5 s per kind of
# line, then one "N similar messages suppressed" line. Without the rate
# limiter: one line per refusal.
. "$(dirname "$0")/handshake_lib.sh"

LT="$PY $TOP/tests/integration/limits_tool.py"
N=2000

hs_conf A 9001
hs_start A

refused() {
    hs_ctl A status --json | $PY -c '
import json, sys
print(json.load(sys.stdin)["handshakes"]["A"].get("malformed_json", 0))'
}

lines0=$(wc -l < "$T/A/error.log")
t0=$(date +%s)
nsx $LT junk 127.0.0.1 9001 $N > "$T/junk" 2>&1 || fail "junk: $(cat "$T/junk")"
t1=$(date +%s)
grep -q "refused $N of $N" "$T/junk" || fail "junk: $(cat "$T/junk")"
[ "$(refused)" = $N ] || fail "counted $(refused) refusals, sent $N"
lines=$(( $(wc -l < "$T/A/error.log") - lines0 ))
# per worker (2) and 5 s interval begun: 10 lines + 1 summary
bound=$(( 2 * ((t1 - t0) / 5 + 2) * 11 ))
echo "$N refusals in $(( t1 - t0 )) s: $lines log lines (bound $bound)"
[ "$lines" -le "$bound" ] || fail "$lines log lines for $N refusals"
grep -q "handshake refused: malformed_json" "$T/A/error.log" \
    || fail "no refusal logged at all"
# The "N similar messages suppressed" line comes with the first line of
# the next interval: test_or_log.c checks it against a pinned clock.
echo ok
