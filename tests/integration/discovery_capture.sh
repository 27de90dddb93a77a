# A beacon the daemon sends, captured off the group, opens with the
# original's key derivation and the vectors' default passphrase, and the
# original would keep it (v2peer plays the original's receiver).
. "$(dirname "$0")/discovery_lib.sh"

dc_conf c 'interval = 1;' \
    'id = "c"; sector = "tech"; listen = "127.0.0.1:9007"; services = ["storage", "compute"];'
dc_key c c
fc=$(dc_fp c c)
nsx $V2PEER beacon listen --seconds 10 --count 1 --verbose > "$T/beacon.json" &
listener=$!
sleep 0.5
dc_start c
wait "$listener"
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
exit 0
