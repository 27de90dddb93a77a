# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A reload keeps the peer table (same layout: the zone is reused) and the
# new worker 0 takes discovery over: siblings stay listed, are not
# "discovered" again, and beacons keep flowing.
. "$(dirname "$0")/discovery_lib.sh"

dc_conf r 'interval = 1;' \
    'id = "n1"; sector = "tech"; listen = "127.0.0.1:9001";' \
    'id = "n2"; sector = "tech"; listen = "127.0.0.1:9002";'
dc_start r
f2=$(dc_fp r n2)
wait_for 5 dc_lists r n1 "$f2" || fail "n1 does not list n2"
nsx "$OPENRED" -p "$T/r/" -c "$T/r/openred.conf" -s reload || fail "reload"
wait_for 10 grep -q "generation 1" "$T/r/error.log" || fail "no new workers"
dc_lists r n1 "$f2" || fail "peer table lost on reload"
sent=$(dc_stat r 'r["nodes"][0]["sent"]')
wait_for 5 dc_true r "r['nodes'][0]['sent'] > $sent" \
    || fail "no beacon sent after the reload"
[ "$(grep -c "peer discovered: $f2, sector \"tech\", node: n1" "$T/r/error.log")" = 1 ] \
    || fail "n2 discovered again after the reload"
exit 0
