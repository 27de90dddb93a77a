# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# The metrics module: off unless metrics.listen is set; then GET /metrics
# is Prometheus text that promtool accepts, 404 elsewhere, and a real
# Prometheus in the test's namespace scrapes it and sees
# openred_handshakes_total{result="accepted"} rise when B connects to A.
. "$(dirname "$0")/handshake_lib.sh"

command -v promtool > /dev/null && command -v prometheus > /dev/null || {
    echo "SKIP: needs promtool and prometheus (apt-get install prometheus)"
    exit 77
}
URL=http://127.0.0.1:9474/metrics
PROM=
trap '[ -z "$PROM" ] || { kill "$PROM"; wait "$PROM"; }; hs_cleanup' EXIT

hs_conf A 9001
hs_conf B 9002
hs_start B
nsx ss -ltnH "sport = :9474" | grep -q . && fail "metrics listen without metrics.listen"
echo 'metrics = { listen = "127.0.0.1:9474"; };' >> "$T/A/openred.conf"
hs_start A
FA=$(hs_fp A)

scrape() {
    nsx curl -fsS --max-time 5 "$URL"
}
wait_for 10 scrape || fail "no answer on $URL"
scrape > "$T/m0" || fail "scrape"
nsx curl -sS -o /dev/null -w '%{http_code} %{content_type}\n' "$URL" \
    > "$T/head"
[ "$(cat "$T/head")" = "200 text/plain; version=0.0.4; charset=utf-8" ] \
    || fail "status and type: $(cat "$T/head")"
[ "$(nsx curl -sS -o /dev/null -w '%{http_code}' "${URL%/metrics}/x")" = 404 ] \
    || fail "/x is not 404"
[ "$(nsx curl -sS -o /dev/null -w '%{http_code}' -X POST "$URL")" = 405 ] \
    || fail "POST is not 405"
promtool check metrics < "$T/m0" > "$T/promtool" 2>&1 \
    || { cat "$T/promtool" >&2; fail "promtool check metrics"; }
grep -qx 'openred_workers 2' "$T/m0" || fail "openred_workers is not 2"
grep -qx 'openred_handshakes_total{node="A",result="accepted"} 0' "$T/m0" \
    || fail "no accepted handshakes counter at 0"

# a real Prometheus, scraping every second
cat > "$T/prometheus.yml" << END
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: openred
    static_configs: [ { targets: [ "127.0.0.1:9474" ] } ]
END
nsx prometheus --config.file="$T/prometheus.yml" \
    --storage.tsdb.path="$T/tsdb" --web.listen-address=127.0.0.1:9090 \
    > "$T/prometheus.log" 2>&1 &
PROM=$!
query() {       # query EXPR: the first value of an instant query
    nsx curl -fsS --max-time 5 --data-urlencode "query=$1" \
        http://127.0.0.1:9090/api/v1/query | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")'
}
is() {          # is EXPR VALUE
    [ "$(query "$1")" = "$2" ]
}
Q='openred_handshakes_total{node="A",result="accepted"}'
wait_for 30 is "$Q" 0 || { tail -5 "$T/prometheus.log" >&2;
    fail "Prometheus did not scrape $Q = 0: $(query "$Q")"; }
wait_for 10 is 'up{job="openred"}' 1 || fail "Prometheus: target not up"

hs_ctl B connect B 127.0.0.1:9001 "$FA" > "$T/connect" 2>&1 \
    || { cat "$T/connect" >&2; fail "B could not connect to A"; }
wait_for 10 is "$Q" 1 || fail "Prometheus saw $Q = $(query "$Q"), not 1"
wait_for 10 is 'openred_sessions{node="A",direction="in"}' 1 \
    || fail "no inbound session of A in Prometheus"
scrape | promtool check metrics > "$T/promtool" 2>&1 \
    || { cat "$T/promtool" >&2; fail "promtool check metrics after a handshake"; }

# a reload keeps serving on the same socket, from the new worker 0
kill -HUP "$(cat "$T/A/openred.pid")"
wait_for 10 grep -q "configuration reloaded" "$T/A/error.log" || fail "reload"
wait_for 10 eval 'scrape | grep -qx "openred_reloads_total 1"' \
    || fail "no openred_reloads_total 1 after the reload"
exit 0
