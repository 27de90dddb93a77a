# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A v3 session across two reloads of daemon B: the independent v3 peer
# (tests/peers/v3peer.py) dials B, and B's messages before, between and
# after the reloads all open at the peer (B's send key and counter went
# on in the new worker), as does the peer's CLOSE at B (its receive key
# and counter too); the session keeps its id, suite and counters. Then a
# reload that removes node B2 and re-keys node B3 ends their v3 sessions
# with a CLOSE the peer opens (code 3, policy), and `-s quit` ends the
# last one with a CLOSE (code 0).
. "$(dirname "$0")/handshake_lib.sh"

V3PEER="$PY $TOP/tests/peers/v3peer.py"
KA=$TOP/tests/vectors/legacy-v2/node-a.key.pem
FA=$(cat "$TOP/tests/vectors/legacy-v2/node-a.fp")

hs_conf B 9002
hs_conf_sibling B B2 9003
hs_conf_sibling B B3 9004
hs_start B
MB=$(cat "$T/B/openred.pid")
id_of() { $PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import v3peer
k = v3peer.load_key(sys.argv[2])
print(v3peer.id_of_der(v3peer.der_of(k.public_key())).hex())' \
    "$TOP/tests/peers" "$1"; }
IDB=$(id_of "$T/B/key.pem")

# row: "pid version suite mutual_link messages_in messages_out" of B's
# session with A
row() { hs_ctl B sessions --json | $PY -c '
import json, sys
s = [x for x in json.load(sys.stdin) if x["peer"] == sys.argv[1]]
if len(s) == 1:
    x = s[0]
    print(x["pid"], x["version"], x["suite"], x["mutual_link"],
          x["messages_in"], x["messages_out"])' "$FA"; }
got() { [ "$(grep -c '"event": "message"' "$T/dial")" -ge "$1" ]; }

hs_bg "$T/dial" nsx timeout 60 $V3PEER dial 127.0.0.1 9002 --key "$KA" \
    --peer-id "$IDB" --send '{"hello": "from a"}' --count 3 --timeout 30
wait_for 15 grep -q '"event": "session"' "$T/dial" \
    || fail "no v3 session: $(cat "$T/dial" "$T/dial.err")"
wait_for 15 test -n "$(row)" || fail "B lists no session"
set -- $(row)
OLD=$1 FIXED="$2 $3 $4"
hs_ctl B send "$FA" '{"n": 1}' >/dev/null || fail "send 1"
wait_for 15 got 1 || fail "message 1 did not arrive: $(cat "$T/dial")"

for n in 2 3; do
    kill -HUP "$MB"
    moved() { r=$(row); [ -n "$r" ] && [ "${r%% *}" != "$OLD" ]; }
    wait_for 20 moved || fail "reload $((n - 1)): not taken over: $(row)"
    set -- $(row)
    [ "$2 $3 $4" = "$FIXED" ] || fail "session changed: $* vs $FIXED"
    [ "$5 $6" = "1 $((n - 1))" ] || fail "counters: $5 in, $6 out"
    OLD=$1
    hs_ctl B send "$FA" "{\"n\": $n}" >/dev/null || fail "send $n"
    wait_for 15 got "$n" \
        || fail "message $n did not open at the peer: $(cat "$T/dial")"
done
# the peer's CLOSE (sealed under the next receive counter) opens at B
wait_for 15 grep -q "session closed: closed by peer (v3 code 0)" \
    "$T/B/error.log" || fail "B did not open the peer's CLOSE: $(cat \
    "$T/dial"; grep 'session closed' "$T/B/error.log")"
grep -q '"reason": "done"' "$T/dial" || fail "the peer saw: $(cat "$T/dial")"
grep -q "v3 record refused" "$T/B/error.log" && fail "a record was refused"

# B2 removed, B3 re-keyed: each peer opens a CLOSE with code 3
dial() {    # dial OUT PORT ID: a session that waits for one message
    hs_bg "$T/$1" nsx timeout 60 $V3PEER dial 127.0.0.1 "$2" --key "$KA" \
        --peer-id "$3" --send '{"x": 1}' --count 1 --timeout 30
    wait_for 15 grep -q '"event": "session"' "$T/$1" \
        || fail "$1: no v3 session: $(cat "$T/$1" "$T/$1.err")"
}
dial d2 9003 "$(id_of "$T/B/B2.pem")"
dial d3 9004 "$(id_of "$T/B/B3.pem")"
n3() { [ "$(hs_ctl B sessions --json | grep -o '"peer"' | wc -l)" -eq 2 ]; }
wait_for 15 n3 || fail "B does not list the two sessions"
f=$T/B/openred.conf
$PY - "$f" "$T/B" << 'END'
import sys
path, d = sys.argv[1], sys.argv[2]
lines = open(path).read().split("\n")
at = [i for i, l in enumerate(lines) if 'id = "B2"' in l][0]
s = "\n".join(lines[:at] + lines[at + 2:])
open(path, "w").write(s.replace("%s/B3.pem" % d, "%s/B3-new.pem" % d))
END
kill -HUP "$MB"
for d in d2 d3; do
    wait_for 15 grep -q '"reason": "peer_close", "code": 3' "$T/$d" \
        || fail "$d: no CLOSE (policy) opened at the peer: $(cat "$T/$d")"
done
grep -q "session closed: node removed by reload, .*node: B2," \
    "$T/B/error.log" || fail "B2's close was not logged"
grep -q "session closed: node key changed by reload, .*node: B3," \
    "$T/B/error.log" || fail "B3's close was not logged"

# -s quit: the last session ends with a CLOSE (code 0) the peer opens
dial d4 9002 "$IDB"
nsx "$OPENRED" -p "$T/B/" -c "$f" -s quit || fail "-s quit failed"
wait_for 15 grep -q '"reason": "peer_close", "code": 0' "$T/d4" \
    || fail "quit: no CLOSE opened at the peer: $(cat "$T/d4")"
wait_for 15 pid_gone "$MB" || fail "the master did not exit"
echo "ok"
