# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Ten reloads of daemon A while messages flow both ways on four sessions:
# three that A's node A made by auto-connect (to daemons C, D and E) and
# one made with `openredctl connect` (node A2 to daemon B, which A's
# discovery cannot hear: another passphrase). After each reload every
# session is held by a new worker with the same link and direction; at
# the end every message sent is counted on both sides (none lost), no
# send failed, and no side logged a close.
. "$(dirname "$0")/handshake_lib.sh"

RELOADS=10
AUTO="auto_connect = true; discovery = { interval = 1; };"
hs_conf A 9001 "$AUTO"
hs_conf_sibling A A2 9002 "discovery = { interval = 1; };"
hs_conf B 9010 "discovery = { passphrase = \"not A's\"; };"
for p in C:9011 D:9012 E:9013; do
    hs_conf "${p%%:*}" "${p##*:}" "discovery = { interval = 1; };"
    sed -i 's/^worker_processes = 2;/worker_processes = 1;/' \
        "$T/${p%%:*}/openred.conf"
done
for d in A B C D E; do hs_start $d; done
FA=$(hs_fp A)
$HSTOOL fp "$T/A/A2.pem" > "$T/fa2" || fail "fingerprint of A2"
FA2=$(cat "$T/fa2")
FB=$(hs_fp B) FC=$(hs_fp C) FD=$(hs_fp D) FE=$(hs_fp E)
MA=$(cat "$T/A/openred.pid")

# summary NAME: "node:peer:pid:link:direction:in:out" per session of NAME
summary() {
    hs_ctl "$1" sessions --json | $PY -c '
import json, sys
for x in sorted(json.load(sys.stdin), key=lambda x: (x["node"], x["peer"])):
    print("%s:%s:%s:%s:%s:%s:%s" % (x["node"], x["peer"], x["pid"],
          x["mutual_link"], x["direction"], x["messages_in"],
          x["messages_out"]))'
}
# sess NAME NODE PEER: that one line (nothing if none)
sess() { summary "$1" | grep "^$2:$3:"; }
four() { [ "$(summary A | wc -l)" -eq 4 ]; }
auto3() { [ "$(summary A | grep -c "^A:")" -eq 3 ]; }

wait_for 30 auto3 || fail "auto-connect made no 3 sessions: $(summary A)"
hs_ctl A connect A2 127.0.0.1:9010 "$FB" >/dev/null \
    || fail "openredctl connect A2 to B failed"
wait_for 10 four || fail "A does not hold 4 sessions: $(summary A)"
summary A | cut -d: -f1,2,4,5 > "$T/links.0"

# the peer daemon of each of A's sessions, and A's node on it
PEERS="A:$FC:C:$FA A:$FD:D:$FA A:$FE:E:$FA A2:$FB:B:$FA2"
SENT=0
send_all() {
    local e node fp d back
    for e in $PEERS; do
        IFS=: read -r node fp d back << END
$e
END
        hs_ctl A send "$fp" "{\"from\": \"$node\", \"n\": $SENT}" \
            >/dev/null || fail "send $node -> $d failed (reload $i)"
        hs_ctl "$d" send "$back" "{\"from\": \"$d\", \"n\": $SENT}" \
            >/dev/null || fail "send $d -> $node failed (reload $i)"
    done
    SENT=$((SENT + 1))
}

# all4 PIDS: A's four sessions are held by workers not in PIDS
moved_from() {
    local s
    four || return 1
    for s in $(summary A | cut -d: -f3); do
        case " $1 " in *" $s "*) return 1;; esac
    done
}
i=0
send_all
while [ "$i" -lt "$RELOADS" ]; do
    i=$((i + 1))
    old=$(summary A | cut -d: -f3 | sort -u | tr '\n' ' ')
    kill -HUP "$MA"
    send_all                            # while the hand-over runs
    wait_for 10 moved_from "$old" \
        || fail "reload $i: sessions not taken over: $(summary A)"
    summary A | cut -d: -f1,2,4,5 > "$T/links.$i"
    cmp -s "$T/links.0" "$T/links.$i" \
        || fail "reload $i: links changed: $(cat "$T/links.$i")"
    send_all                            # after it
done

# every message in, on both sides: SENT each way per session
counted() {
    local e node fp d back
    for e in $PEERS; do
        IFS=: read -r node fp d back << END
$e
END
        sess A "$node" "$fp" | grep -q ":$SENT:$SENT\$" || return 1
        sess "$d" "$d" "$back" | grep -q ":$SENT:$SENT\$" || return 1
    done
}
wait_for 10 counted || fail "messages lost: sent $SENT each way;
$(summary A; for d in B C D E; do summary $d; done)"
for d in A B C D E; do
    grep -q "session closed" "$T/$d/error.log" \
        && fail "$d logged a session close: $(grep 'session closed' \
            "$T/$d/error.log" | head -3)"
done
kept=$(hs_ctl A status --json | $PY -c '
import json, sys
print(json.load(sys.stdin)["reload"]["sessions_kept"])')
[ "$kept" -eq $((4 * RELOADS)) ] \
    || fail "status counts $kept sessions kept, not $((4 * RELOADS))"
echo "ok"
