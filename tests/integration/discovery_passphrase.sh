# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Nodes with different passphrases do not see each other: the beacons of
# the other network fail the HMAC and are counted as refused (hmac).
. "$(dirname "$0")/discovery_lib.sh"

dc_conf a 'interval = 1;' 'id = "a"; sector = "tech"; listen = "127.0.0.1:9001";'
dc_conf b 'interval = 1; passphrase = "a private health network";' \
    'id = "b"; sector = "health"; listen = "127.0.0.1:9002";'
dc_start a
dc_start b
fa=$(dc_fp a a)
fb=$(dc_fp b b)
wait_for 10 dc_true a 'r["sockets"][0]["refused"].get("hmac", 0) >= 2' \
    || fail "a did not refuse b's beacons on the HMAC"
wait_for 10 dc_true b 'r["sockets"][0]["refused"].get("hmac", 0) >= 2' \
    || fail "b did not refuse a's beacons on the HMAC"
dc_not_lists a a "$fb" || fail "a lists b across passphrases"
dc_not_lists b b "$fa" || fail "b lists a across passphrases"
# the original's private-network vector opens with b's passphrase only
dc_send --raw "$VECTORS/beacon-b-private.token"
wait_for 5 dc_true b 'r["sockets"][0]["refused"].get("expired", 0) >= 1' \
    || fail "b did not open (then refuse as old) the private vector beacon"
exit 0
