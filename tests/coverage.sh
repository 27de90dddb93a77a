#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# make coverage: in a tree configured --with-coverage, runs the unit tests
# (the binaries named) and the integration tests on fresh counters, prints
# line and branch coverage per file of src/ (gcovr), and checks the floors:
# total line coverage >= COVERAGE_MIN (default 90) and each file under
# src/handshake/ and src/discovery/ >= COVERAGE_MIN_SUBSYSTEM (default 85).
# Fails if a test failed or a floor is not met, naming the files.
#   tests/coverage.sh objs/tests/test_or_x...
# The two halves alone, for a run that has its own tests (CI's `make
# test`, .ci/run):
#   tests/coverage.sh --prepare   fresh counters, writable by the workers
#   tests/coverage.sh --check     the table and the floors of what ran
cd "$(dirname "$0")/.." || exit 1
MIN=${COVERAGE_MIN:-90}
MIN_SUB=${COVERAGE_MIN_SUBSYSTEM:-85}

if ! grep -q '^#define OR_HAVE_COVERAGE' objs/or_auto_config.h 2>/dev/null
then
    echo "coverage: not a coverage build: run ./configure --with-coverage" >&2
    exit 1
fi

if [ "${1:-}" != --prepare ] && ! command -v gcovr > /dev/null; then
    echo "coverage: no gcovr" >&2
    exit 1
fi

prepare() {
    find objs -name '*.gcda' -delete
    # Workers run as nobody and write their counters too (or_instrument.h):
    # every counter file of the binaries is made now (each writes all of
    # its own at exit) and left writable by all, as its directory is; the
    # unit tests' runs then update them in place.
    objs/openred -V > /dev/null 2>&1
    objs/openredctl --help > /dev/null 2>&1
    find objs -type d -exec chmod a+rwx {} +
    find objs -name '*.gcda' -exec chmod a+rw {} +
}

case "${1:-}" in
--prepare)
    prepare
    exit 0
    ;;
--check)
    tests=ok
    ;;
*)
    prepare
    tests=ok
    tests/unit/run.sh "$@" || tests=failed
    # files the unit tests made (objects only they link) stay writable
    find objs -name '*.gcda' -exec chmod a+rw {} +
    tests/integration/run.sh || tests=failed
    ;;
esac

gcovr --root . --filter 'src/' -j 2 --json-summary objs/coverage.json \
    > /dev/null || { echo "coverage: gcovr failed" >&2; exit 1; }

python3 - objs/coverage.json "$MIN" "$MIN_SUB" "$tests" << 'END'
import json, sys
r = json.load(open(sys.argv[1]))
lo, lo_sub, tests = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]

def pct(c, t):
    return 100.0 * c / t if t else 100.0

print("%-44s %16s %18s" % ("file", "lines", "branches"))
for f in sorted(r["files"], key=lambda f: f["filename"]):
    print("%-44s %5d/%-5d %3.0f%% %6d/%-6d %3.0f%%" % (
        f["filename"], f["line_covered"], f["line_total"],
        pct(f["line_covered"], f["line_total"]),
        f["branch_covered"], f["branch_total"],
        pct(f["branch_covered"], f["branch_total"])))
line = pct(r["line_covered"], r["line_total"])
branch = pct(r["branch_covered"], r["branch_total"])
print("%-44s %5d/%-5d %5.1f%% %4d/%-6d %5.1f%%" % (
    "total", r["line_covered"], r["line_total"], line,
    r["branch_covered"], r["branch_total"], branch))

bad = []
if line < lo:
    bad.append("total line coverage %.1f%% < %g%%" % (line, lo))
for f in r["files"]:
    n = f["filename"]
    if n.startswith(("src/handshake/", "src/discovery/")):
        p = pct(f["line_covered"], f["line_total"])
        if p < lo_sub:
            bad.append("%s: line coverage %.1f%% < %g%%" % (n, p, lo_sub))
for b in bad:
    print("coverage: below the floor: " + b)
if tests != "ok":
    print("coverage: some tests failed (above): the numbers are incomplete")
if bad or tests != "ok":
    sys.exit(1)
print("coverage: lines %.1f%% >= %g%%, handshake and discovery files >= %g%%"
      % (line, lo, lo_sub))
END
