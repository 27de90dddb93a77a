# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# The node filter applies inbound: a node with deny_sectors = "^tech$"
# refuses a handshake from a tech node it discovered (its beacons were
# filtered, and remembered), and a node with accept_undiscovered = false
# refuses a requester it never heard; both with reason "filtered". A node
# without either accepts the same requests (A in v3: C heard its v3
# beacon, so v2 with A's fingerprint is refused as v3_downgrade).
. "$(dirname "$0")/handshake_lib.sh"

DISC="discovery = { interval = 1; };"
hs_conf A 9001 "$DISC"
hs_conf B 9002 "$DISC filter = { deny_sectors = \"^tech\$\"; };"
hs_conf C 9003 "$DISC accept_undiscovered = false;"
hs_start A
hs_start B
hs_start C
FA=$(hs_fp A)
FB=$(hs_fp B)
FC=$(hs_fp C)

# B has heard (and filtered) A's beacons; C lists A
b_filtered() {
    hs_ctl B peers --stats --json | $PY -c '
import json, sys
r = json.load(sys.stdin)
sys.exit(0 if [n for n in r["nodes"] if n["node"] == "B"][0]["filtered"] >= 1
         else 1)'
}
c_lists_a() {
    hs_ctl C peers --node C --json | grep -q "\"fingerprint\": *\"$FA\""
}
wait_for 10 b_filtered || fail "B never filtered A's beacons"
wait_for 10 c_lists_a || fail "C does not list A"

expect() {     # expect WHAT GOT WANT
    case "$2" in
        *"$3"*) ;;
        *) fail "$1: expected $3, got: $2" ;;
    esac
}
FILTERED='{"error": "handshake_verification_failed: filtered"}'

# A (tech, discovered and filtered by B) dials B with its own key
got=$(nsx $HSTOOL request 127.0.0.1 9002 "$FB" "$T/A/key.pem")
expect "tech node to B" "$got" "$FILTERED"
grep -q "handshake refused: filtered.*sector" "$T/B/error.log" \
    || fail "B did not log the filtered refusal"
# the same node is accepted by C, which lists it: in v3, since C heard
# A's signed v3 beacon; a v2 request with A's fingerprint is now refused
# as a downgrade (docs/PROTOCOL.md v3 §6.2)
got=$(nsx $HSTOOL request 127.0.0.1 9003 "$FC" "$T/A/key.pem")
expect "discovered node to C in v2" "$got" \
    '{"error": "handshake_verification_failed: v3_downgrade"}'
out=$(hs_ctl A connect A 127.0.0.1:9003 "$FC" 2>&1) \
    || fail "discovered node to C: $out"
hs_ctl C sessions --json | grep -q "\"version\":3,.*\"peer\":\"$FA\"" \
    || fail "C holds no v3 session with A: $(hs_ctl C sessions --json)"
# a requester nobody discovered: C refuses it, B (default true) accepts
got=$(nsx $HSTOOL attack 127.0.0.1 9003 "$FC" valid)
expect "undiscovered to C" "$got" "$FILTERED"
grep -q "handshake refused: filtered.*undiscovered" "$T/C/error.log" \
    || fail "C did not log the undiscovered refusal"
got=$(nsx $HSTOOL attack 127.0.0.1 9002 "$FB" valid)
expect "undiscovered to B" "$got" connection_accepted
echo "ok"
