# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A beacon the daemon sends, captured off the group, opens with the
# original's key derivation and the vectors' default passphrase, and the
# original would keep it (v2peer plays the original's receiver); the raw
# token, captured beside it, opens with openredctl beacon open too.
. "$(dirname "$0")/discovery_lib.sh"

dc_conf c 'interval = 1;' \
    'id = "c"; sector = "tech"; listen = "127.0.0.1:9007"; services = ["storage", "compute"];'
dc_key c c
fc=$(dc_fp c c)
nsx $V2PEER beacon listen --seconds 10 --count 1 --verbose > "$T/beacon.json" &
listener=$!
# The raw datagram, as an operator would capture it (group and port are
# the defaults of openred.conf and v2peer).
nsx python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 5354))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton("224.0.1.100") + socket.inet_aton("127.0.0.1"))
s.settimeout(10)
d = s.recv(4096)
while d.startswith(b"ORB3"):    # the v3 beacon beside it (PROTOCOL.md §11)
    d = s.recv(4096)
open(sys.argv[1], "wb").write(d)
' "$T/beacon.token" &
raw=$!
# both listeners bound (they join the group right after; the daemon
# beacons every second, so one sent before the join is not the last)
bound() { [ "$(nsx ss -lunH 'sport = :5354' | wc -l)" -ge 2 ]; }
wait_for 10 bound || fail "the listeners did not bind 5354"
dc_start c
wait "$listener"
wait "$raw" || fail "no raw beacon captured"
python3 - "$T/beacon.json" "$fc" << 'END' || fail "captured beacon: $(cat "$T/beacon.json")"
import json, sys
ev = json.loads(open(sys.argv[1]).readline())
b = ev["beacon"]
assert ev["from"] == "127.0.0.1", ev
assert b["node_fingerprint"] == sys.argv[2], b
assert b["sector"] == "tech" and b["services"] == ["storage", "compute"], b
assert b["p2p_endpoint"] == {"ip": "127.0.0.1", "port": 9007}, b
assert b["beacon_type"] == "revolutionary_p2p_discovery", b
assert b["protocol_version"] == "2.0", b
assert len(b["node_hash"]) == 64 and b["zone_hash"].startswith("zone_"), b
END
# openredctl opens the captured token (fresh: --ttl 60 passes) and prints
# the daemon's beacon; another passphrase is refused by the HMAC.
timeout 20 "$OPENREDCTL" beacon open --passphrase OpenRed-P2P-Discovery-2025 \
    --ttl 60 "$T/beacon.token" > "$T/opened.json" \
    || fail "openredctl beacon open of the captured token"
python3 - "$T/opened.json" "$fc" << 'END' \
    || fail "opened: $(cat "$T/opened.json")"
import json, sys
b = json.load(open(sys.argv[1]))
assert b["node_fingerprint"] == sys.argv[2], b
assert b["sector"] == "tech" and b["services"] == ["storage", "compute"], b
assert b["p2p_endpoint"] == {"ip": "127.0.0.1", "port": 9007}, b
assert b["beacon_type"] == "revolutionary_p2p_discovery", b
END
timeout 20 "$OPENREDCTL" beacon open --passphrase other "$T/beacon.token" \
    > /dev/null 2> "$T/refused" && fail "opened with another passphrase"
grep -q HMAC "$T/refused" || fail "refusal: $(cat "$T/refused")"
exit 0
