# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# error_log level "debug": a build configured --with-debug logs the
# accept, each handshake state change and each beacon received at
# [debug]; any other build has no debug line and says so once at start.
. "$(dirname "$0")/handshake_lib.sh"

hs_conf A 9001
hs_conf B 9002
sed -i 's/level = "info"/level = "debug"/' "$T/A/openred.conf" "$T/B/openred.conf"
hs_start A
hs_start B
FA=$(hs_fp A)
FB=$(hs_fp B)
hs_ctl A connect A 127.0.0.1:9002 "$FB" | grep -q session_established \
    || fail "connect A -> B did not establish"

if "$OPENRED" -V 2>&1 | grep -q -- "--with-debug"; then
    wait_for 5 grep -q "\[debug\] .*accept: fd [0-9]*, .*, node: B, peer: 127.0.0.1:" \
        "$T/B/error.log" || fail "no accept debug line in B's log"
    grep -q "\[debug\] .*handshake state: accepted -> session (in), node: B, peer: 127.0.0.1:" \
        "$T/B/error.log" || fail "no inbound state change in B's log"
    for step in "new -> connecting" "connecting -> sent" "sent -> session"; do
        grep -q "\[debug\] .*handshake state: $step (out), node: A, peer: 127.0.0.1:9002" \
            "$T/A/error.log" || fail "no '$step' in A's log"
    done
    # A heard B's start beacon
    wait_for 5 grep -q "\[debug\] .*beacon received: $FB, sector \"tech\", [0-9]* bytes, socket 0, peer: [0-9.]*:5354" \
        "$T/A/error.log" || fail "no beacon debug line in A's log"
    echo "ok (debug build)"
else
    for n in A B; do
        grep -q "\[notice\] .*error_log level \"debug\": this build has no debug lines (configure --with-debug)" \
            "$T/$n/error.log" || fail "$n did not say its build has no debug lines"
        ! grep -q "\[debug\]" "$T/$n/error.log" || fail "$n logged a debug line"
    done
    echo "ok (no debug lines in this build)"
fi
exit 0
