# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A handshake from one of our own nodes is refused with reason "self":
# a node dialling itself, and a sibling of the same daemon dialling it
# (the request is signed with our own key, so it really is us).
. "$(dirname "$0")/handshake_lib.sh"

hs_conf A 9001
hs_conf_sibling A S 9002
hs_start A
FA=$(hs_fp A)
FS=$($HSTOOL fp "$T/A/S.pem")

dial() {        # dial KEY PORT TARGET: print what v2peer saw
    nsx timeout 10 $V2PEER dial --key "$1" --connect "127.0.0.1:$2" \
        --target "$3" --seconds 3
}
got=$(dial "$T/A/key.pem" 9001 "$FA")
case "$got" in
    *'"handshake_verification_failed: self"'*) ;;
    *) fail "A dialling itself: $got" ;;
esac
got=$(dial "$T/A/key.pem" 9002 "$FS")
case "$got" in
    *'"handshake_verification_failed: self"'*) ;;
    *) fail "A dialling its sibling S: $got" ;;
esac
why='self (the request comes from node "A" of this daemon)'
grep -q "handshake refused: $why, node: S," "$T/A/error.log" \
    || fail "the refusal of A by S was not logged"
self_count() {  # self_count NODE: refusals of NODE for reason self
    hs_ctl A status --json | $PY -c '
import json, sys
print(json.load(sys.stdin)["handshakes"][sys.argv[1]].get("self", 0))' "$1"
}
[ "$(self_count S)" = 1 ] && [ "$(self_count A)" = 1 ] \
    || fail "status does not count the refusals: $(hs_ctl A status --json)"
hs_ctl A status | grep -q '^S  *0  *self 1$' \
    || fail "status does not show the refusal: $(hs_ctl A status)"
[ "$(hs_ctl A sessions --json)" = "[]" ] \
    || fail "a session with ourselves was recorded"
echo "ok"
