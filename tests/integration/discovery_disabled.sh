# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# discovery = { enabled = false; } in a node block: -t and start accept it
# (its interface is not checked), the node sends no beacon and lists no
# peer while its sibling discovers as usual; with discovery off in every
# node, a host without a multicast route starts.
. "$(dirname "$0")/discovery_lib.sh"

dc_conf a 'interval = 1;' \
    'id = "on"; sector = "tech"; listen = "127.0.0.1:9001";' \
    'id = "off"; sector = "tech"; listen = "127.0.0.1:9002"; discovery = { enabled = false; interface = "eth9"; };'
dc_conf b 'interval = 1;' \
    'id = "b"; sector = "tech"; listen = "127.0.0.1:9003";'
nsx "$OPENRED" -p "$T/a/" -c "$T/a/openred.conf" -t > "$T/t.out" 2>&1 \
    || fail "-t refused a disabled node: $(cat "$T/t.out")"
dc_start a
dc_start b
fon=$(dc_fp a on)
foff=$(dc_fp a off)
fb=$(dc_fp b b)
wait_for 20 dc_lists a on "$fb" || { cat "$T/a/error.log" >&2; dc_ctl a peers --stats --json >&2; fail "the enabled node does not list b"; }
wait_for 20 dc_lists b b "$fon" || fail "b does not hear the enabled node"
# b heard several beacons of "on" since: "off" would have sent as many
wait_for 20 dc_true b 'r["sockets"][0]["opened"] >= 10' \
    || fail "b hears too few beacons"
dc_not_lists b b "$foff" || fail "b lists the disabled node: it beaconed"
dc_not_lists a on "$foff" || fail "the disabled node beaconed to its sibling"
[ "$(dc_ctl a peers --node off --json)" = "[]" ] \
    || fail "the disabled node lists peers: $(dc_ctl a peers --node off --json)"
dc_true a '[n["sent"] for n in r["nodes"] if n["node"] == "off"] == [0]' \
    || fail "the disabled node sent beacons: $(dc_stat a 'r["nodes"]')"
dc_ctl a peers --node off | grep -q "^off: discovery is disabled for this node" \
    || fail "no hint for the disabled node: $(dc_ctl a peers --node off)"
dc_stop a
dc_stop b

# no multicast route at all: a config with discovery off everywhere runs
ip -n "$NS" route del 224.0.0.0/4 dev lo || fail "route del"
dc_conf c 'enabled = false;' \
    'id = "c"; sector = "tech"; listen = "127.0.0.1:9004";'
dc_start c
dc_ctl c status > /dev/null || fail "c does not answer"
exit 0
