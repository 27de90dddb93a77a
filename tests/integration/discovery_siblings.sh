# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Two node blocks of one daemon share one socket and list each other
# (multicast loopback), each skipping its own beacon.
. "$(dirname "$0")/discovery_lib.sh"

dc_conf s 'interval = 30;' \
    'id = "n1"; sector = "tech"; listen = "127.0.0.1:9001";' \
    'id = "n2"; sector = "tech"; listen = "127.0.0.1:9002";'
dc_start s
f1=$(dc_fp s n1)
f2=$(dc_fp s n2)
wait_for 5 dc_lists s n1 "$f2" || fail "n1 does not list its sibling n2"
wait_for 5 dc_lists s n2 "$f1" || fail "n2 does not list its sibling n1"
dc_not_lists s n1 "$f1" || fail "n1 lists itself"
dc_not_lists s n2 "$f2" || fail "n2 lists itself"
[ "$(dc_stat s 'len(r["sockets"])')" = 1 ] || fail "siblings do not share one socket"
exit 0
