#!/bin/sh
# Runs every tests/integration/*.sh but the *lib.sh helpers, each under a
# timeout, and prints pass/fail per test and a summary. Needs root and
# `ip netns`.
cd "$(dirname "$0")" || exit 1

if [ "$(id -u)" != 0 ]; then
    echo "integration tests skipped: they need root (network namespaces)"
    exit 0
fi
if ! ip netns list >/dev/null 2>&1; then
    echo "integration tests skipped: \`ip netns\` is not available"
    exit 0
fi

TIMEOUT=${OR_TEST_TIMEOUT:-120}
pass=0
failed=""
for t in *.sh; do
    case "$t" in *lib.sh) continue ;; esac
    [ "$t" = run.sh ] && continue
    t0=$(date +%s)
    out=$(timeout "$TIMEOUT" bash "./$t" 2>&1)
    rc=$?
    if [ $rc = 0 ]; then
        echo "pass  $t ($(( $(date +%s) - t0 )) s)"
        pass=$((pass + 1))
    else
        [ $rc = 124 ] && out="$out
timed out after ${TIMEOUT}s"
        echo "FAIL  $t ($(( $(date +%s) - t0 )) s)"
        echo "$out" | sed 's/^/      /'
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "integration: $pass passed, failed:$failed"
    exit 1
fi
echo "integration: all $pass passed"
