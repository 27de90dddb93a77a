# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# A peer's text reaches the operator's terminal escaped (issue 16): a
# beacon whose sector and services carry ESC, BEL, CR, LF, DEL, a C1 CSI
# and a right-to-left override is listed by `openredctl peers` with each
# of them as \xHH and the rest kept, logged the same way, and `--json`
# still gives the exact string.
. "$(dirname "$0")/discovery_lib.sh"

dc_conf d 'interval = 30;' 'id = "d"; sector = "tech"; listen = "127.0.0.1:9001";'
dc_key p n
dc_start d
fp=$(dc_fp p n)

evil=$'te\x1b[2J\x07\r\nch\x7f\xc2\x9b\xe2\x80\xae caf\xc3\xa9'
shown='te\x1b[2J\x07\x0d\x0ach\x7f\xc2\x9b\xe2\x80\xae caf'$'\xc3\xa9'
dc_send --key "$T/p/n.pem" --sector "$evil" --port 9100 \
    --services $'a\x1bb,ok'
wait_for 5 dc_lists d d "$fp" || fail "the hostile beacon was not listed"

dc_ctl d peers > "$T/peers" || fail "openredctl peers failed"
# not one raw control byte but the table's own newlines, no C1, no RLO
python3 - "$T/peers" <<'PY' || fail "raw control bytes in: $(cat -v "$T/peers")"
import re, sys
b = open(sys.argv[1], "rb").read()
bad = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80\xae", b)
sys.exit(1 if bad else 0)
PY
row=$(grep -F "$fp" "$T/peers") || fail "no row for $fp: $(cat -v "$T/peers")"
case "$row" in
*" $shown "*) ;;
*) fail "sector not shown escaped: $(printf '%s' "$row" | cat -v)" ;;
esac
case "$row" in
*' a\x1bb,ok') ;;
*) fail "services not shown escaped: $(printf '%s' "$row" | cat -v)" ;;
esac

# the log line, between quotes, the same way
grep -qF "peer discovered: $fp, sector \"$shown\"" "$T/d/error.log" \
    || fail "log line not escaped:" \
            "$(grep 'peer discovered' "$T/d/error.log" | cat -v)"

# --json: exact JSON, the sector byte for byte
dc_ctl d peers --json | python3 -c '
import json, sys
want = sys.argv[1].encode("utf-8", "surrogateescape").decode("utf-8")
p = [p for p in json.load(sys.stdin) if p["fingerprint"] == sys.argv[2]]
sys.exit(0 if p and p[0]["sector"] == want
         and p[0]["services"] == ["a\x1bb", "ok"] else 1)' "$evil" "$fp" \
    || fail "--json does not carry the exact sector"
echo "ok: peer text escaped in peers and the log, exact in --json"
