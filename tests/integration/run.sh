#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Runs tests/integration/*.sh (or the tests named: run.sh [NAME.sh...]),
# each under a timeout, and reports each as pass, FAIL or skip. A test
# that cannot run prints "skip: REASON" and exits 77 (lib.sh's skip).
# A failing test's whole output is shown, indented. The last line is the
# totals alone: "N passed, N failed, N skipped".
# Without root or `ip netns` every test is skipped ("needs root"). Under CI
# (CI=true) a skip is a failure: CI is expected to run everything. The
# exit status is non-zero if a test failed, or under CI if any skipped.
cd "$(dirname "$0")" || exit 1

TIMEOUT=${OR_TEST_TIMEOUT:-180}
CI=${CI:-false}

if [ $# -gt 0 ]; then
    tests="$*"
else
    tests=
    for t in *.sh; do
        case "$t" in *lib.sh|run.sh) continue ;; esac
        tests="$tests $t"
    done
fi

cant=
if [ "$(id -u)" != 0 ]; then
    cant="needs root (network namespaces)"
elif ! ip netns list > /dev/null 2>&1; then
    cant="needs root and \`ip netns\` (not available here)"
fi

pass=0 failed=0 skipped=0
log=$(mktemp /tmp/openred-run.XXXXXX)
trap 'rm -f "$log"' EXIT

# skipped_test NAME REASON: a skip, or under CI a failure.
skipped_test() {
    if [ "$CI" = true ]; then
        echo "FAIL  $1: skipped under CI: $2"
        failed=$((failed + 1))
    else
        echo "skip  $1: $2"
        skipped=$((skipped + 1))
    fi
}

for t in $tests; do
    t=${t##*/}
    if [ -n "$cant" ]; then
        skipped_test "$t" "$cant"
        continue
    fi
    if [ ! -f "$t" ]; then
        echo "FAIL  $t: no such test"
        failed=$((failed + 1))
        continue
    fi
    t0=$(date +%s)
    # Output to a file, not $(...): a process the test left behind would
    # hold the pipe open and hang the runner. timeout makes a process
    # group of its own (pgid = its pid): what is left in it afterwards is
    # the test's and is stopped.
    timeout -k 10 "$TIMEOUT" bash "./$t" > "$log" 2>&1 &
    tpid=$!
    wait "$tpid"
    rc=$?
    # (the kill(1) of procps: dash's builtin takes no process group)
    env kill -s KILL -- "-$tpid" 2> /dev/null
    out=$(cat "$log")
    secs=$(( $(date +%s) - t0 ))
    case $rc in
    0)
        echo "pass  $t ($secs s)"
        pass=$((pass + 1))
        ;;
    77)
        reason=$(printf '%s\n' "$out" | sed -n 's/^skip: //p' | tail -n 1)
        skipped_test "$t" "${reason:-no reason given}"
        ;;
    *)
        [ $rc = 124 ] && out="$out
timed out after ${TIMEOUT} s"
        echo "FAIL  $t (exit $rc, $secs s)"
        printf '%s\n' "$out" | sed 's/^/      /'
        failed=$((failed + 1))
        ;;
    esac
done

echo "$pass passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] || exit 1
[ "$skipped" = 0 ] || [ "$CI" != true ] || exit 1
exit 0
