# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A newcomer heard less than a second after our last early beacon is
# answered when that second ends, not at the next interval (120 s here).
# The bug this catches: the rate limit of early beacons dropped the answer,
# so a peer that restarted right after being discovered waited 120 s
# (discovery_two_daemons.sh failed that way under load).
. "$(dirname "$0")/discovery_lib.sh"

dc_conf a 'interval = 120;' 'id = "a"; sector = "tech"; listen = "127.0.0.1:9001";'
dc_key a a
dc_key x x
dc_key y y
dc_start a
wait_for 10 dc_true a 'r["sockets"][0]["own"] > 0' \
    || fail "a never received its own beacon"
[ "$(dc_stat a 'r["sockets"][0]["early"]')" = 0 ] || fail "early beacon before any newcomer"

dc_send --key "$T/x/x.pem" --sector tech --port 9100
wait_for 10 dc_true a 'r["sockets"][0]["early"] == 1' \
    || fail "no early beacon for the first newcomer"
# y comes inside the gap that x's answer opened
dc_send --key "$T/y/y.pem" --sector tech --port 9101
wait_for 10 dc_lists a a "$(dc_fp y y)" || fail "a did not list y"
wait_for 10 dc_true a 'r["sockets"][0]["early"] == 2' \
    || fail "the newcomer inside the gap got no early beacon"
exit 0
