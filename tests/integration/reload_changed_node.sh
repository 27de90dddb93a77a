# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A reload that changes a node block ends that node's sessions, each with
# its reason, logged and counted in `status` (reload.sessions_closed):
# node K's key, node P's port and node S's sector change, node R is
# removed; node U is unchanged and its session is kept.
. "$(dirname "$0")/handshake_lib.sh"

AUTO="auto_connect = true; discovery = { interval = 1; };"
hs_conf U 9001 "$AUTO"
for n in R:9006 K:9003 P:9004 S:9005; do
    hs_conf_sibling U "${n%%:*}" "${n##*:}" "$AUTO"
done
hs_conf B 9002
hs_start U
hs_start B
FB=$(hs_fp B)
MA=$(cat "$T/U/openred.pid")

nodes() { hs_ctl U sessions --json | $PY -c '
import json, sys
print(" ".join(sorted(x["node"] for x in json.load(sys.stdin)
                      if x["peer"] == sys.argv[1])))' "$FB"; }
all5() { [ "$(nodes)" = "K P R S U" ]; }
wait_for 30 all5 || fail "auto-connect did not make 5 sessions: $(nodes)"
upid() { hs_ctl U sessions --json | $PY -c '
import json, sys
print([x["pid"] for x in json.load(sys.stdin) if x["node"] == "U"][0])'; }
OLD=$(upid)

f=$T/U/openred.conf
cp "$f" "$f.orig"
$PY - "$f" "$T/U" << 'END'
import re, sys
path, d = sys.argv[1], sys.argv[2]
s = open(path).read()
s = s.replace('key = "%s/K.pem"' % d, 'key = "%s/K-new.pem"' % d)
s = s.replace('"127.0.0.1:9004"', '"127.0.0.1:9014"')
s = re.sub(r'(id = "S"; sector = )"tech"', r'\1"other"', s)
lines = s.split("\n")
at = [i for i, l in enumerate(lines) if 'id = "R"' in l][0]
s = "\n".join(lines[:at] + lines[at + 2:])
open(path, "w").write(s)
END
grep -q '"R"' "$f" && fail "R still in the config"
kill -HUP "$MA"
for r in "K:node key changed by reload" "P:node port changed by reload" \
         "S:node sector changed by reload" "R:node removed by reload"; do
    wait_for 10 grep -q "session closed: ${r#*:}, .*node: ${r%%:*}," \
        "$T/U/error.log" || fail "${r%%:*}: no close with \"${r#*:}\""
done
moved() { p=$(upid) && [ "$p" != "$OLD" ]; }
wait_for 10 moved || fail "U's session was not taken over"
hs_ctl U status --json | $PY -c '
import json, sys
r = json.load(sys.stdin)["reload"]
c = r["sessions_closed"]
assert r["sessions_kept"] == 1, r
for k in ("node key changed by reload", "node port changed by reload",
          "node sector changed by reload", "node removed by reload"):
    assert c[k] == 1, (k, r)' || fail "status: $(hs_ctl U status --json)"
# B saw each of the four end and U's go on. Auto-connect dials v3 (B's
# beacons are v3), so each end is a CLOSE B opens: code 3 (policy), as
# for a reload's close in handshake_v3_reload.sh
for fp in $(for n in K P S R; do $HSTOOL fp "$T/U/$n.pem"; done); do
    wait_for 10 grep -q \
        "session closed: closed by peer (v3 code 3), fingerprint: $fp" \
        "$T/B/error.log" || fail "B did not see $fp's session end"
done
grep -q "session closed: .*fingerprint: $(hs_fp U)" "$T/B/error.log" \
    && fail "U's session ended at B"
echo "ok"
