# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Sanitizer builds (--with-sanitizers): the daemon's stderr is /dev/null,
# so every process writes its reports to a file of its own in $SAN, and
# the test's cleanup calls san_check, which fails the test if any has
# content. Options already set (by .ci/run) are kept; log_path is this
# test's. Writable by all: workers run as nobody. Sourced by lib.sh.
SAN=$(mktemp -d /tmp/openred-san.XXXXXX)
chmod 1777 "$SAN"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SAN/ubsan"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}log_path=$SAN/lsan"

# san_check: print every report and exit 1 if there is one.
san_check() {
    local f bad=
    for f in "$SAN"/*; do
        [ -s "$f" ] || continue
        echo "FAIL: sanitizer report in ${f##*/}:" >&2
        cat "$f" >&2
        bad=1
    done
    rm -rf "$SAN"
    [ -z "$bad" ] || exit 1
}
