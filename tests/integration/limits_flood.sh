# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Issue 16 #15: a message flood neither hides a dial's outcome nor fills
# a worker. (1) With no message budget (rates set to their maximum), a
# flood of small messages into A overwrites its message events many times
# over while `openredctl connect` waits: connect still reports the
# session established (messages have their own lane in the event ring).
# (2) With the default budget, a flood of 60 KB messages is dropped past
# max_message_byte_rate, counted, and the session closed as "flood".
. "$(dirname "$0")/handshake_lib.sh"

LT="$PY $TOP/tests/integration/limits_tool.py"

hs_conf A 9001 "max_message_rate = 1000000; max_message_byte_rate = 1000000000;"
hs_conf_sibling A A2 9003
hs_conf B 9002
hs_start A
hs_start B
FA=$(hs_fp A)
FA2=$($HSTOOL fp "$T/A/A2.pem")
FB=$(hs_fp B)

stat() {    # stat NODE REASON: A's counter of REASON for NODE (0 if none)
    hs_ctl A status --json | $PY -c '
import json, sys
print(json.load(sys.stdin)["handshakes"][sys.argv[1]].get(sys.argv[2], 0))' \
        "$1" "$2"
}
msgs_in() {  # messages A's node A has received on all its sessions
    hs_ctl A sessions --json | $PY -c '
import json, sys
print(sum(s["messages_in"] for s in json.load(sys.stdin) if s["node"] == "A"))'
}

# (1) three floods of 20-byte payloads for 20 s
for i in 1 2 3; do
    hs_bg "$T/flood$i" nsx $LT flood 127.0.0.1 9001 "$FA" 20 20
done
busy() { [ "$(msgs_in)" -ge 5000 ]; }
wait_for 15 busy || fail "the flood did not get going: $(msgs_in) messages"
before=$(msgs_in)
hs_ctl A connect A 127.0.0.1:9002 "$FB" > "$T/connect" 2>&1 \
    || fail "connect under a flood: $(cat "$T/connect")"
after=$(msgs_in)
grep -q session_established "$T/connect" \
    || fail "connect: $(cat "$T/connect")"
echo "connect established while $(( after - before )) messages came in"
[ $(( after - before )) -gt 512 ] \
    || fail "only $(( after - before )) messages during connect: the" \
            "ring was not flooded"

# (2) 60 KB messages into A2 (default budget: 100/s, 1 MiB/s)
nsx $LT flood 127.0.0.1 9003 "$FA2" 60000 15 > "$T/big" 2>&1 \
    || fail "big flood: $(cat "$T/big")"
closed() { [ "$(stat A2 flood)" = 1 ]; }
wait_for 10 closed || fail "the 60 KB flood was not closed as flood"
echo "60 KB flood: $(cat "$T/big"), rate_dropped $(stat A2 rate_dropped)," \
     "closed as flood $(stat A2 flood)"
[ "$(stat A2 rate_dropped)" -ge 1 ] || fail "nothing dropped"
grep -q "session closed: flood, .*, node: A2" "$T/A/error.log" \
    || fail "no flood close logged"
echo ok
