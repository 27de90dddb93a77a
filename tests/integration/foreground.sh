# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A foreground start (daemon = false) says on the terminal what runs: one
# line with the nodes, ports, fingerprints and the log's path. With
# error_log path "stderr" the log is the terminal too (no file named
# stderr, reopen changes nothing), and a `user` that cannot apply (not
# started as root) is warned about.
. "$(dirname "$0")/lib.sh"

or_conf_write 1 9311 9312
# the log file's summary first: started as usual, in the foreground
nsx setsid "$OPENRED" -p "$T" -c "$CONF" -g 'daemon = false;' \
    > "$T/term" 2>&1 &
wait_for 10 test -s "$PIDFILE" || fail "no pid file"
OR_STARTED_MASTER=$(master_pid)
wait_for 10 grep -q "started: master process" "$T/term" \
    || fail "no start summary on the terminal: $(cat "$T/term")"
line=$(grep "started: master process" "$T/term")
echo "$line" | grep -Eq "^openred/[^ ]+ started: master process \
$OR_STARTED_MASTER, 1 workers; node n0 127.0.0.1:9311 fingerprint \
[0-9a-f]{16}; node n1 127.0.0.1:9312 fingerprint [0-9a-f]{16}; \
log $LOG$" || fail "summary reads: $line"
grep -q "started worker process" "$T/term" \
    && fail "the log file's lines reached the terminal"
stop_masters "$OR_STARTED_MASTER"

# error_log path "stderr": the lines go to the terminal, relative to
# nothing, and a reopen keeps them there
sed -i 's|^error_log = .*|error_log = { path = "stderr"; level = "info"; };|' \
    "$CONF"
rm -f "$LOG"
( cd "$T" && nsx setsid "$OPENRED" -p "$T" -c "$CONF" \
    -g 'daemon = false;' > "$T/term2" 2>&1 & )
wait_for 10 test -s "$PIDFILE" || fail "no pid file (stderr log)"
OR_STARTED_MASTER=$(master_pid)
wait_for 10 grep -q "started worker process" "$T/term2" \
    || fail "no log line on stderr: $(cat "$T/term2")"
grep -q "; log stderr$" "$T/term2" || fail "summary does not say stderr"
kill -USR1 "$OR_STARTED_MASTER"
wait_for 10 grep -q "reopened logs" "$T/term2" || fail "no reopen on stderr"
[ -e "$T/stderr" ] && fail "a file named stderr was made"
[ -e "$LOG" ] && fail "the log file was made"
stop_masters "$OR_STARTED_MASTER"

# `user` written but not root: -t says it is ignored (start runs the
# same check); left to its default, nothing is said
chmod 0755 "$T" "$T/conf" && chmod 0644 "$CONF" && chown -R 65534:65534 "$T/state" \
    || fail "chmod"
out=$(setpriv --reuid 65534 --regid 65534 --clear-groups \
      "$OPENRED" -p "$T" -c "$CONF" -t -g 'user = "daemon";' 2>&1)
echo "$out" | grep -q '\[warn\].*setting "user": "daemon" is ignored: openred was not started as root' \
    || fail "no warning for an ignored user: $out"
out=$(setpriv --reuid 65534 --regid 65534 --clear-groups \
      "$OPENRED" -p "$T" -c "$CONF" -t 2>&1)
echo "$out" | grep -q 'is ignored' && fail "warned about the default user"
echo "$out" | grep -q 'test is successful' || fail "-t failed: $out"
exit 0
