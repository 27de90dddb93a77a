# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Sanitizer builds (--with-sanitizers): every process writes its reports
# to a file of its own in $SAN (ASan, LSan; a daemon's stderr, where
# GCC's UBSan writes, is its error log, read by san_logs), and
# the test's cleanup calls san_check, which fails the test if any has
# content. Options already set (by .ci/run) are kept; log_path is this
# test's. Writable by all: workers run as nobody. Sourced by lib.sh.
SAN=$(mktemp -d /tmp/openred-san.XXXXXX)
chmod 1777 "$SAN"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SAN/ubsan"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}log_path=$SAN/lsan"

# san_logs DIR: a daemon's stderr is its error log (or_log_take_stderr),
# and GCC's UBSan, linked with ASan, writes to stderr whatever log_path
# says: the report lines found in DIR's logs join $SAN's. Called before
# the test's folder goes.
san_logs() {
    local f re='runtime error:|ERROR: (Address|Leak|Undefined)Sanitizer'
    for f in $(find "$1" -name '*.log' -type f 2>/dev/null); do
        grep -qE "$re" "$f" 2>/dev/null || continue
        { echo "(in $f)"; grep -A20 -E "$re" "$f"; } >> "$SAN/log.${f##*/}"
    done
}

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
