# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# The seen-v3 set reaches its file when the workers' user ("nobody", the
# default) may not write the file's folder: the master saves it at each
# reload and at the stop. Before, worker 0 alone wrote it, warned
# "Permission denied" and the set was lost with the daemon, so a restart
# accepted a v2 downgrade again.
. "$(dirname "$0")/handshake_lib.sh"

getent passwd nobody > /dev/null || skip "no user nobody"
V3PEER="$PY $TOP/tests/peers/v3peer.py"
KA=$TOP/tests/vectors/legacy-v2/node-a.key.pem
hs_conf B 9002
sed -i "1i seen_v3_file = \"$T/B/seen-v3\"; user = \"nobody\";" \
    "$T/B/openred.conf"
chmod 755 "$T/B"            # root's: nobody reads the path, cannot write
hs_start B
FB=$(hs_fp B)
idof() {
    $PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import v3peer
k = v3peer.load_key(sys.argv[2])
print(v3peer.id_of_der(v3peer.der_of(k.public_key())).hex())' \
        "$TOP/tests/peers" "$1"
}
IDB=$(idof "$T/B/key.pem")
IDA=$(idof "$KA")

nsx timeout 15 $V3PEER dial 127.0.0.1 9002 --key "$KA" --peer-id "$IDB" \
    --count 0 > "$T/v3" 2>&1
grep -q '"event": "session"' "$T/v3" || fail "no v3 session: $(cat "$T/v3")"
# worker 0 tries, and says it cannot (at info: the master will)
wait_for 10 grep -q 'saving the seen-v3 set to .* failed (kept in memory' \
    "$T/B/error.log" || fail "worker 0 did not report its failed save"
[ ! -e "$T/B/seen-v3" ] || fail "nobody wrote into root's folder"
grep -q '\[warn\].*seen-v3' "$T/B/error.log" && fail "a warning for an expected EACCES"

# a reload: the master writes the set
pb=$(cat "$T/B/openred.pid")
kill -HUP "$pb"
wait_for 15 grep -q "^$IDA " "$T/B/seen-v3" \
    || fail "the master did not save the set at the reload: $(cat "$T/B/seen-v3" 2>&1)"
[ "$(stat -c '%a %U' "$T/B/seen-v3")" = "600 root" ] \
    || fail "seen-v3 is $(stat -c '%a %U' "$T/B/seen-v3")"
ls "$T/B" | grep -q '\.tmp$' && fail "a temporary file was left: $(ls "$T/B")"

# after a restart, a v2 handshake with A's key is a downgrade
kill -TERM "$pb"
wait_for 10 pid_gone "$pb" || fail "B did not stop"
hs_start B
nsx timeout 15 $V2PEER dial --key "$KA" --connect 127.0.0.1:9002 \
    --target "$FB" --messages 1 --payload '{"hello": "v2"}' --seconds 1 \
    > "$T/v2" 2>&1
grep -q 'v3_downgrade' "$T/v2" \
    || fail "the restarted B forgot A: $(cat "$T/v2")"
exit 0
