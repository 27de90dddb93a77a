# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A peer that stops is gone from the list once expire seconds pass
# without its beacon, and "peer lost" is logged with its address.
. "$(dirname "$0")/discovery_lib.sh"

dc_conf a 'interval = 1; expire = 3;' 'id = "a"; sector = "tech"; listen = "127.0.0.1:9001";'
dc_conf b 'interval = 1; expire = 3;' 'id = "b"; sector = "tech"; listen = "127.0.0.1:9002";'
dc_start a
dc_start b
fb=$(dc_fp b b)
wait_for 5 dc_lists a a "$fb" || fail "a does not list b"
# b dies without a word: a clean stop would say GOODBYE (v3), and a would
# drop b at once (discovery_two_daemons.sh); its workers too, or their
# exit would say it
pb=$(cat "$T/b/openred.pid")
kids=$(pgrep -P "$pb")
# the master first stopped: killed workers would be respawned by it, and
# a respawned one, told of the master's death (PDEATHSIG), quits cleanly
# and says GOODBYE (seen 2 runs in 4)
kill -STOP "$pb"
kill -KILL $kids "$pb"
wait_for 10 pid_gone "$pb" || fail "b ($pb) did not die"
# no "still listed right after" check: how soon after its death we look
# is the machine's speed (CI once took longer than expire); the reason
# and the age in the "peer lost" line below say it was an expiry
wait_for 8 dc_not_lists a a "$fb" || fail "b still listed after expire"
# readers skip an expired entry at once; the sweep that logs and counts
# it runs on its own timer, so wait for it too
wait_for 5 grep -q "peer lost: $fb, not heard for [0-9]* s, node: a, peer: 127.0.0.1:9002" \
    "$T/a/error.log" || fail "no 'peer lost' line"
age=$(sed -n "s/.*peer lost: $fb, not heard for \([0-9]*\) s.*/\1/p" "$T/a/error.log" | head -1)
[ "$age" -ge 3 ] || fail "b was lost after $age s, before expire (3 s)"
wait_for 5 dc_true a 'r["nodes"][0]["lost"] == 1' || fail "lost not counted"
exit 0
