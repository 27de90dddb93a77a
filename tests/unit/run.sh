#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Runs the cmocka test binaries named (make unit passes them all), one
# line each, a failing binary's whole output indented, and the totals:
# "unit: N passed, N failed" (cmocka's test counts, summed over the
# binaries). A binary that crashes or exits non-zero without cmocka's
# FAILED line counts as one failed test. Exits 1 if any test failed.
#   tests/unit/run.sh objs/tests/test_or_x...
pass=0 failed=0 skipped=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# count WORD: the sum of cmocka's "[  WORD  ] N test(s)" summary lines
# (one per group a binary runs), or empty if there is none
count() {
    sed -n "s/^\[  *$1  *\] \([0-9][0-9]*\) test(s).*/\1/p" "$out" \
        | awk '{ n += $1 } END { if (NR) print n }'
}

for t in "$@"; do
    name=${t#objs/tests/}
    # a binary that hangs fails alone instead of holding the whole run
    timeout "${OR_UNIT_TIMEOUT:-600}" "$t" > "$out" 2>&1
    rc=$?
    p=$(count PASSED) f=$(count FAILED) s=$(count SKIPPED)
    # without a summary (a crash), the tests that finished are the passed
    [ -n "$p" ] || p=$(grep -c '^\[       OK \]' "$out")
    if [ -z "$f" ]; then
        f=0
        if [ "$rc" != 0 ]; then
            f=1
            why="exit $rc without cmocka's FAILED line"
            [ "$rc" -gt 128 ] && why="killed by signal $((rc - 128))"
            [ "$rc" = 124 ] && why="still running after ${OR_UNIT_TIMEOUT:-600} s: killed"
        fi
    else
        why="$f failed"
    fi
    [ -n "$s" ] || s=0
    if [ "$f" = 0 ] && [ "$p" = 0 ] && [ "$s" = 0 ]; then
        f=1 why="no test ran"
    fi
    pass=$((pass + p)) failed=$((failed + f)) skipped=$((skipped + s))
    if [ "$f" = 0 ]; then
        extra=
        [ "$s" = 0 ] || extra=", $s skipped"
        echo "pass  $name: $p passed$extra"
    else
        echo "FAIL  $name: $p passed, $why"
        sed 's/^/      /' "$out"
    fi
done

extra=
[ "$skipped" = 0 ] || extra=" ($skipped skipped: their module is compiled out)"
echo "unit: $pass passed, $failed failed$extra"
[ "$failed" = 0 ]
