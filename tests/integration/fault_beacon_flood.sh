# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A flood of 200,000 junk and forged beacons at the daemon's group while a
# real peer keeps beaconing: the real peer stays listed, openredctl status
# answers during the flood, and the counters show the refusals.
. "$(dirname "$0")/discovery_lib.sh"

FLOOD=200000
BG=
trap 'for p in $BG; do kill "$p" 2>/dev/null; done; dc_cleanup' EXIT

dc_conf d 'interval = 30; expire = 6;' \
    'id = "d"; sector = "tech"; listen = "127.0.0.1:9001";'
dc_key d d
dc_key d real
fr=$(dc_fp d real)
dc_start d

# The real peer: one beacon every 0.5 s, for at most 120 s.
ip netns exec "$NS" $V2PEER beacon send --ifaddr 127.0.0.1 \
    --key "$T/d/real.pem" --sector tech --port 9002 \
    --count 240 --interval 0.5 > /dev/null 2>&1 &
BG="$BG $!"
wait_for 10 dc_lists d d "$fr" || fail "the real peer is not listed"

ip netns exec "$NS" python3 "$TOP/tests/integration/fault_beacon_flood.py" \
    $FLOOD "$VECTORS/beacon-a.token" > "$T/flood" 2>&1 &
flood=$!
BG="$BG $flood"

# While the flood lasts: status answers, the real peer stays listed.
checks=0
while pid_alive "$flood" && [ $checks -lt 60 ]; do
    nsx timeout 5 "$OPENREDCTL" -S "$T/d/control.sock" status > /dev/null \
        || fail "status did not answer during the flood"
    dc_lists d d "$fr" || fail "the real peer was dropped during the flood"
    checks=$(( checks + 1 ))
    sleep 0.5
done
wait "$flood" || fail "the flood sender failed: $(cat "$T/flood")"
echo "flood: $(cat "$T/flood"), $checks checks during it"
[ $checks -ge 1 ] || fail "the flood ended before any check"

# After it: still listed one expire period (6 s) later, since it kept
# beaconing: 13 more beacons opened is more than 6 s of the real peer's
# (one every 0.5 s; the daemon's own come every 30 s).
o=$(dc_stat d 'r["sockets"][0]["opened"]')
wait_for 30 dc_true d "r[\"sockets\"][0][\"opened\"] >= $((o + 13))" \
    || fail "the real peer's beacons are no longer opened after the flood"
dc_lists d d "$fr" || fail "the real peer is not listed after the flood"
refused=$(dc_stat d 'sum(r["sockets"][0]["refused"].values())')
echo "refused: $refused; $(dc_stat d 'r["sockets"][0]["refused"]')"
[ "$refused" -ge 10000 ] || fail "only $refused refusals counted"
for why in hmac too_big expired; do
    [ "$(dc_stat d "r[\"sockets\"][0][\"refused\"].get(\"$why\", 0) > 0")" \
        = True ] || fail "no $why refusal counted"
done
# Peer trouble is logged at info, rate-limited, never per datagram.
lines=$(grep -c 'beacon refused' "$T/d/error.log")
[ "$lines" -le 100 ] || fail "$lines refusal lines for $FLOOD datagrams"
pid_alive "$(cat "$T/d/openred.pid")" || fail "the master died"
grep -q "exited on signal" "$T/d/error.log" && fail "a worker crashed"
echo ok
