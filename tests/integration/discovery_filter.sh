# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A node's filter hides a sector (and a service) from its peer list and
# counts what it hid; a node without a filter lists everyone.
. "$(dirname "$0")/discovery_lib.sh"

dc_conf f 'interval = 1;' \
    'id = "picky"; sector = "tech"; listen = "127.0.0.1:9001";
     filter = { deny_sectors = "^health$"; deny_services = "^test"; };' \
    'id = "hl"; sector = "health"; listen = "127.0.0.1:9002";' \
    'id = "tk"; sector = "tech"; listen = "127.0.0.1:9003";' \
    'id = "ts"; sector = "tech"; listen = "127.0.0.1:9004"; services = ["testbed"];'
dc_start f
picky=$(dc_fp f picky)
hl=$(dc_fp f hl)
tk=$(dc_fp f tk)
ts=$(dc_fp f ts)
wait_for 5 dc_lists f picky "$tk" || fail "picky does not list tech node tk"
wait_for 5 dc_lists f tk "$hl" || fail "tk (no filter) does not list health"
wait_for 5 dc_lists f hl "$picky" || fail "hl does not list picky"
dc_not_lists f picky "$hl" || fail "picky lists the denied sector health"
dc_not_lists f picky "$ts" || fail "picky lists the denied service testbed"
[ "$(dc_stat f '[n for n in r["nodes"] if n["node"] == "picky"][0]["filtered"] >= 2')" = True ] \
    || fail "filtered beacons not counted"
exit 0
