#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# `make bench`: the rows of issue 8, each against a limit measured in this
# same run. Daemons run in a network namespace made here; only the PIDs
# started here are stopped; every load is bounded in count and time.
# Prints a table and writes bench/results.json. Run as root.
#
# BENCH_QUICK=1 runs each row once instead of three times (the median).
# BENCH_SESSIONS=N holds N sessions in the largest rows 5b/6 (100000).
# BENCH_ROWS="hold flood ..." runs only those sections (see want()).

set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
B=$TOP/objs/bench
OPENRED=$TOP/objs/openred
CTL=$TOP/objs/openredctl
NS=orbench_$$
T=$(mktemp -d /tmp/openred-bench.XXXXXX)
ROWS=$T/rows.jsonl
KEYS=$B/keys                # cached: peer keys are costly to make
NKEYS=10000                 # throughput: each a never-seen peer
# rows 5b and 6: sessions held at 1k, 10k and this many (distinct peers)
NHOLD=${BENCH_SESSIONS:-100000}
RUNS=3
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=1
PORT=9401
STARTED=$T/started          # master PIDs started here, one a line

log() { echo "bench: [${SECONDS}s, load $(cut -d" " -f1 /proc/loadavg)] $*" >&2; }

die() {
    log "$*"
    exit 1
}

nsx() { ip netns exec "$NS" "$@"; }

# ours PID: PID is still a master we started (not a reused PID)
ours() {
    grep -qx "$1" "$STARTED" 2>/dev/null \
        && grep -q openred "/proc/$1/cmdline" 2>/dev/null
}

cleanup() {
    local pid
    for pid in $(cat "$STARTED" 2>/dev/null); do
        ours "$pid" && kill -TERM "$pid" 2>/dev/null
    done
    sleep 0.3
    for pid in $(cat "$STARTED" 2>/dev/null); do
        ours "$pid" && kill -KILL "$pid" 2>/dev/null
    done
    ip netns del "$NS" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait_for TENTHS COMMAND...: poll every 0.1 s
wait_for() {
    local n=$1
    shift
    while [ "$n" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        n=$(( n - 1 ))
    done
    return 1
}

kv() {      # kv FILE KEY: the value of KEY=... in FILE
    sed -n "s/^$2=//p" "$1" | tail -n 1
}

median() {  # median of the numbers given
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR) print v[int((NR + 1) / 2)]; else print "" }'
}

calc() { python3 -c "print($*)"; }

# want SECTION: BENCH_ROWS unset or empty runs every section; else it
# lists those to run (crypto idle lat tput flood hold disc beacons
# reload quit); tput needs crypto's ceilings, so it brings them
want() {
    [ -z "${BENCH_ROWS:-}" ] && return 0
    case " $BENCH_ROWS " in
        *" $1 "*) return 0 ;;
        *" tput "*) [ "$1" = crypto ] && return 0 ;;
    esac
    return 1
}

# row ID NAME MEASURED UNIT LIMIT RATIO TARGET MET NOTE
# MEASURED "" means not run, and NOTE says why. MET: yes, no or "".
row() {
    python3 - "$@" >> "$ROWS" <<'EOF'
import json, sys
a = sys.argv[1:]
num = lambda s: None if s == "" else float(s)
print(json.dumps({"row": a[0], "name": a[1], "measured": num(a[2]),
    "unit": a[3], "limit": a[4], "ratio": num(a[5]), "target": a[6],
    "met": {"yes": True, "no": False}.get(a[7]),
    "status": "not run" if a[2] == "" else "ok", "note": a[8]}))
EOF
}

# conf_write NAME WORKERS PORT [EXTRA_NODE [EXTRA_MAIN]]
conf_write() {
    local d=$T/$1
    mkdir -p "$d/conf" "$d/logs"
    cat > "$d/conf/openred.conf" <<EOF
worker_processes = $2;
user = "";
pid = "$d/logs/openred.pid";
worker_shutdown_timeout = 5;
worker_connections = ${WCONN:-19000};
max_pending_handshakes = 4096;
error_log = { path = "$d/logs/error.log"; level = "notice"; };
control = { socket = "$d/logs/control.sock"; };
${5:-}
nodes = ( { id = "$1"; sector = "tech"; listen = "127.0.0.1:$3";
            key = "$T/$1.pem"; max_inbound = ${MAXIN:-30000}; ${4:-} } );
EOF
}

# daemon_start NAME: starts it, waits for its control socket
daemon_start() {
    local d=$T/$1 pid
    rm -f "$d/logs/openred.pid"
    nsx ${DAEMON_PIN:-} "$OPENRED" -p "$d" -c "$d/conf/openred.conf" || return 1
    wait_for 50 test -s "$d/logs/openred.pid" || return 1
    pid=$(cat "$d/logs/openred.pid")
    echo "$pid" >> "$STARTED"
    wait_for 50 test -S "$d/logs/control.sock" || return 1
    echo "$pid"
}

daemon_stop() {     # daemon_stop PID
    local pid=$1
    ours "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null
    wait_for 50 sh -c "! test -r /proc/$pid/stat" || kill -KILL "$pid"
}

workers_of() { cat "/proc/$1/task/$1/children" 2>/dev/null; }

pss_kib() {         # PSS of a master and its workers, KiB
    local sum=0 p v
    for p in "$1" $(workers_of "$1"); do
        v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
        sum=$(( sum + ${v:-0} ))
    done
    echo "$sum"
}

# cpu_ticks MASTER [user|sys]: CPU time of its workers so far, in clock
# ticks (1/100 s): user + system, or one of them
cpu_ticks() {
    local sum=0 p t f='$12 + $13'
    case "${2:-}" in user) f='$12' ;; sys) f='$13' ;; esac
    for p in $(workers_of "$1"); do
        t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null \
            | awk "{ print $f }")
        sum=$(( sum + ${t:-0} ))
    done
    echo "$sum"
}

# ---- preparation (off every clock) ----

[ "$(id -u)" = 0 ] || die "needs root (ip netns)"
for f in "$OPENRED" "$CTL" "$B/or_loadgen" "$B/or_bench_prep" \
         "$B/or_bench_crypto" "$B/or_bench_refuse" "$B/or_bench_v3"; do
    [ -x "$f" ] || die "$f missing: make bench-build"
done
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
ip netns add "$NS" || die "ip netns add $NS"
ip -n "$NS" link set lo up
ip -n "$NS" link set lo multicast on
ip -n "$NS" route add 224.0.0.0/4 dev lo
nsx sysctl -qw net.ipv4.ip_local_port_range="10000 60999"

NMADE=$(( NHOLD > NKEYS ? NHOLD : NKEYS ))
if [ ! -f "$KEYS/k$(printf %05d $((NMADE - 1))).pem" ]; then
    log "making $NMADE peer keys (once, cached in $KEYS)"
    rm -rf "$KEYS" && mkdir -p "$KEYS" && chmod 700 "$KEYS"
    "$B/or_bench_prep" keys "$KEYS" "$NMADE" >/dev/null \
        || die "making keys failed"
fi
FP=$("$B/or_bench_prep" node "$T/n0.pem") || die "node key"
"$B/or_bench_prep" node "$T/d0.pem" >/dev/null || die "node key"
"$B/or_bench_prep" node "$T/d1.pem" >/dev/null || die "node key"
# presign FIRST COUNT SKEW OUT: COUNT requests from keys FIRST.., signed by
# one process per core at once, into OUT in the order they were signed
# (each takes its own clock: the oldest are used first)
NSIGN=$(nproc 2>/dev/null || echo 2)
presign() {
    local first=$1 count=$2 i per from fs=() pids=()
    per=$(( (count + NSIGN - 1) / NSIGN ))
    for i in $(seq 0 $(( NSIGN - 1 ))); do
        from=$(( i * per ))
        [ "$from" -lt "$count" ] || break
        [ $(( from + per )) -le "$count" ] || per=$(( count - from ))
        "$B/or_bench_prep" sign "$KEYS" $(( first + from )) "$per" "$FP" \
            "$3" "$4.$i" &
        pids+=($!)
        fs+=("$4.$i")
    done
    for i in "${pids[@]}"; do
        wait "$i" || return 1
    done
    paste -d '\n' "${fs[@]}" | grep -v '^$' > "$4"
    rm -f "${fs[@]}"
}

log "pre-signing $NKEYS requests to $FP"
# requests are timestamped now + 200 s: valid for the next 500 s
presign 0 "$NKEYS" 200 "$T/req" || die "pre-signing failed"
REQ_T=$(date +%s)

if want crypto; then
# ---- 1. the limit ----

log "row 1: RSA-2048 PSS in-process"
"$B/or_bench_crypto" 0.5 "$RUNS" > "$T/crypto" || die "or_bench_crypto"
SIGN=$(kv "$T/crypto" sign_per_s)
VERIFY=$(kv "$T/crypto" verify_per_s)
FLOOR=$(kv "$T/crypto" hs_floor_us)
RESP=$(kv "$T/crypto" responder_ratio)
RESP_C=$(kv "$T/crypto" responder_over_crypto)
SEEN=$(kv "$T/crypto" responder_seen_ratio)
SEEN_C=$(kv "$T/crypto" responder_seen_over_crypto)
INPROC=$(kv "$T/crypto" hs_inprocess_ratio)
openssl speed -seconds 2 rsa2048 > "$T/speed" 2>/dev/null
SPEED=$(awk '/^rsa 2048 bits/ { print $6 "/" $7 }' "$T/speed")
row 1a "RSA-2048 PSS sign/s, 1 core (or_sign)" "$SIGN" "sign/s" \
    "openssl speed rsa2048: ${SPEED:-?} sign/verify per s" "" "the limit" "" \
    "same EVP calls as the daemon"
row 1b "RSA-2048 PSS verify/s, 1 core (or_verify)" "$VERIFY" "verify/s" \
    "" "" "the limit" "" ""
row 1c "responder hs/s in-process, never-seen peer / sign/s" "$RESP" \
    "x" "x crypto alone (row 1f): $RESP_C" "$RESP_C" ">= 0.97 x row 1f" \
    "$(calc "'yes' if $RESP_C >= 0.97 else 'no'")" \
    "or_v2_request_check_cached + or_v2_response_build, a key cache of one key while two peers alternate (a miss, an import, an eviction each time); ratio column: against import+verify+sign done in turn in the same milliseconds; 1 worker's ceiling (row 3.1)"
row 1i "responder hs/s in-process, returning peer / sign/s" "$SEEN" \
    "x" "x its crypto (verify+sign): $SEEN_C" "$SEEN_C" \
    ">= 0.97 x verify+sign" "$(calc "'yes' if $SEEN_C >= 0.97 else 'no'")" \
    "the peer's key found in the worker's key cache (by SHA-256 of the PEM sent): no import, no canonical check; $(kv "$T/crypto" key_cache_seen)"
row 1d "whole handshake in-process / crypto floor" "$INPROC" "x" \
    "floor $FLOOR us" "$INPROC" "info: codec overhead" "" \
    "both sides' codecs, no network: what row 2 adds is the network"
SREC=$(kv "$T/crypto" session_record_us)
row 1e "session table find+add per handshake (empty)" "$SREC" "us" \
    "one sign: $(calc "round(1e6 / $SIGN, 1)") us" \
    "$(calc "round($SREC * $SIGN / 1e6, 3)")" "info: x one sign" "" \
    "or_session_find + or_session_add (hash index, 16384 slots), under the zone lock"
FLOOR_R=$(kv "$T/crypto" responder_crypto_floor_ratio)
TWO=$(kv "$T/crypto" sign_two_process_ratio)
row 1f "sign / (import + verify of a never-seen key + sign)" "$FLOOR_R" \
    "x" "" "$FLOOR_R" "info: ceiling of row 1c" "" \
    "the crypto a v2 responder cannot skip, in its order as one step: import the request's key, verify, sign; JSON comes on top (row 1c), the network on top of that (row 3.1)"
row 1g "sign/s of 2 processes at once / 1 process" "$TWO" "x" "" "$TWO" \
    "info: how 2 cores scale" "" \
    "both cores busy; x row 1c is the ceiling of row 3.2 before the load generator takes its share"
log "row 1h: CPU per refused request, by kind"
"$B/or_bench_refuse" 0.3 "$RUNS" > "$T/refuse" || die "or_bench_refuse"
WORST=$(kv "$T/refuse" refuse_worst)
KINDS=$(sed -n 's/^refuse_\([a-z0-9_]*\)=\(.*\)/\1 \2/p' "$T/refuse" \
        | grep -v '^worst ' | tr '\n' ',' | sed 's/,$//; s/,/, /g')
row 1h "refused request CPU, worst kind / one verify" "$WORST" "x" "" \
    "$WORST" "<= 3 verifies" \
    "$(calc "'yes' if $WORST <= 3 else 'no'")" \
    "or_v2_request_check of bound requests, each kind / one or_verify of the same round: $KINDS"

# ---- 4. beacons in-process ----

row 4a "valid beacons opened+filtered/s, 1 core" \
    "$(kv "$T/crypto" beacon_valid_per_s)" "beacons/s" "" "" ">= 100000" \
    "$(calc "'yes' if $(kv "$T/crypto" beacon_valid_per_s) >= 100000 else 'no'")" \
    "filter: $(kv "$T/crypto" beacon_filter)"
row 4b "forged tokens refused/s, 1 core" \
    "$(kv "$T/crypto" beacon_forged_per_s)" "tokens/s" "" "" ">= 300000" \
    "$(calc "'yes' if $(kv "$T/crypto" beacon_forged_per_s) >= 300000 else 'no'")" \
    "right shape, wrong HMAC"
row 4c "junk datagrams refused/s, 1 core" \
    "$(kv "$T/crypto" beacon_junk_per_s)" "dgrams/s" "" "" ">= 2000000" \
    "$(calc "'yes' if $(kv "$T/crypto" beacon_junk_per_s) >= 2000000 else 'no'")" \
    "random bytes"

# ---- 6. v3 in-process (docs/PROTOCOL.md Part v3) ----

log "row 6: v3 in-process"
"$B/or_bench_v3" 2 > "$T/v3" || die "or_bench_v3"
V3HS=$(kv "$T/v3" v3_handshake_over_floor)
row 6a "v3 whole handshake in-process / crypto floor" "$V3HS" "x" \
    "floor $(kv "$T/v3" v3_handshake_floor_us) us" "$V3HS" \
    "info: codec overhead" "" \
    "MSG1..MSG3, both sides, no network; floor: 2 signs, 2 verifies, 2 X25519 keygens and derives, interleaved"
for n in 1024 16384; do
    V3R=$(kv "$T/v3" "v3_record_${n}_over_raw")
    row "6$([ $n = 1024 ] && echo b || echo c)" \
        "v3 record of $n B sealed+opened / raw EVP" "$V3R" "x" \
        "raw $(kv "$T/v3" "v3_record_${n}_raw_evp_us") us" "$V3R" \
        "info: record layer overhead" "" \
        "ChaCha20-Poly1305, the same bytes through EVP alone, interleaved"
done

V3B=$(kv "$T/v3" v3_beacon_over_floor)
row 6d "v3 beacons opened+verified / RSA verify alone" "$V3B" "x" \
    "$(kv "$T/v3" v3_beacons_per_s) beacons/s, floor $(kv "$T/v3" v3_beacon_floor_us) us" \
    "$V3B" "info: beacon codec overhead" "" \
    "a sealed ANNOUNCE (PROTOCOL.md v3 §11): seal opened, fields checked, key bound, signature verified; floor: one RSA-PSS verify, interleaved"
V3K=$(kv "$T/v3" v3_beacon_known_over_floor)
row 6e "v3 beacons of a known peer opened+verified / RSA verify alone" \
    "$V3K" "x" "$(kv "$T/v3" v3_beacons_known_per_s) beacons/s" "$V3K" \
    "info: beacon codec overhead" "" \
    "as 6d with the key its last beacon bound (same DER): what the discovery worker does for a peer it already heard"

fi # crypto

if want idle; then
# ---- 5. idle memory ----

log "row 5: idle memory"
conf_write n0 2 "$PORT"
v=()
for i in $(seq "$RUNS"); do
    m=$(daemon_start n0) || die "openred did not start (see $T/n0/logs)"
    sleep 1
    v+=("$(pss_kib "$m")")
    daemon_stop "$m"
done
IDLE=$(median "${v[@]}")
row 5a "idle PSS, master + 2 workers" "$IDLE" "KiB" "" "" "<= 8192 KiB" \
    "$(calc "'yes' if $IDLE <= 8192 else 'no'")" "smaps_rollup"

fi # idle

if want lat; then
# ---- 2. handshake latency ----

log "row 2: handshake latency"
# Everything on one core: a sequential handshake never has two things to
# do at once, and each hand-over between cores is a wake-up IPI, which a
# paravirtualised guest pays dearly (~40 us each way). Segments alternate
# with the floor, measured before and after each, as the host's speed
# drifts by 20% within seconds.
SEGS=7
[ "$RUNS" = 1 ] && SEGS=3
LAT_PIN="taskset -c 0"
conf_write n0 1 "$PORT"
m=$(DAEMON_PIN=$LAT_PIN daemon_start n0) || die "openred did not start"
p50=() p99=() rat=() flo=()
# CPU of both ends over all segments: where a handshake's time goes
wu=0 wk=0 lu=0 lk=0 nhs=0
for i in $(seq "$SEGS"); do
    $LAT_PIN "$B/or_bench_crypto" 0.2 1 sign > "$T/limit.a" || die "or_bench_crypto"
    u0=$(cpu_ticks "$m" user) k0=$(cpu_ticks "$m" sys)
    nsx $LAT_PIN "$B/or_loadgen" lat "127.0.0.1:$PORT" \
        "$KEYS/k$(printf %05d "$i").pem" "$FP" 60 10 > "$T/lat" 2>&1
    wu=$(( wu + $(cpu_ticks "$m" user) - u0 ))
    wk=$(( wk + $(cpu_ticks "$m" sys) - k0 ))
    $LAT_PIN "$B/or_bench_crypto" 0.2 1 sign > "$T/limit.b" || die "or_bench_crypto"
    [ "$(kv "$T/lat" ok)" -gt 0 ] 2>/dev/null || break
    lu=$(calc "$lu + $(kv "$T/lat" cpu_user_s)")
    lk=$(calc "$lk + $(kv "$T/lat" cpu_sys_s)")
    nhs=$(( nhs + $(kv "$T/lat" ok) + $(kv "$T/lat" fail) ))
    f=$(calc "($(kv "$T/limit.a" hs_floor_us) + $(kv "$T/limit.b" hs_floor_us)) / 2")
    p50+=("$(kv "$T/lat" p50_us)")
    p99+=("$(kv "$T/lat" p99_us)")
    flo+=("$f")
    rat+=("$(calc "$(kv "$T/lat" p50_us) / $f")")
done
daemon_stop "$m"
if [ "${#p50[@]}" -gt 0 ]; then
    P50=$(median "${p50[@]}")
    P99=$(median "${p99[@]}")
    r=$(calc "round($(median "${rat[@]}"), 3)")
    row 2 "handshake latency p50 (p99 ${P99} us)" "$P50" "us" \
        "floor $(calc "round($(median "${flo[@]}"), 1)") us (2 sign + 2 verify, before and after each segment)" \
        "$r" "<= 1.1 x floor" "$(calc "'yes' if $r <= 1.1 else 'no'")" \
        "sequential, loopback, one core; the gap above the floor: both sides' codecs (row 1d), the kernel (the CPU split below) and the event loop's wake-ups; ratio = median of $SEGS segments' (60 handshakes) ratios; CPU per handshake: responder $(calc "round($wu * 1e4 / $nhs)") us user + $(calc "round($wk * 1e4 / $nhs)") us kernel, initiator $(calc "round($lu * 1e6 / $nhs)") us user + $(calc "round($lk * 1e6 / $nhs)") us kernel; whole handshake in-process: row 1d"
else
    row 2 "handshake latency" "" "us" "" "" "<= 1.1 x floor" "" \
        "not run: $(kv "$T/lat" last_error || head -c 200 "$T/lat")"
fi

fi # lat

if want tput; then
# ---- 3. responder throughput ----

# tput WORKERS CONC N [spin]: one daemon, SEGS segments of N handshakes,
# the sign/s measured before and after each; medians of handshakes/s, of
# sign/s, of their ratio, of the workers' handshakes per CPU-second / sign/s,
# and of the load generator's CPU share of the wall time (its cores taken
# from the workers)
tput() {
    local w=$1 c=$2 n=$3 v=() sg=() rt=() cp=() lc=() wc=() fails=0 ps c0 o s
    conf_write n0 "$w" "$PORT"
    m=$(daemon_start n0) || return 1
    for i in $(seq "$SEGS"); do
        o=$T/tput.$w.$i
        sed -n "$(( (i - 1) * n + 1 )),$(( i * n ))p" "$T/req" > "$T/seg"
        "$B/or_bench_crypto" 0.2 1 sign > "$T/limit.a" || return 1
        c0=$(cpu_ticks "$m")
        nsx "$B/or_loadgen" tput "127.0.0.1:$PORT" "$T/seg" "$c" "$n" 20 \
            ${4:-} > "$o" 2>&1
        c0=$(( $(cpu_ticks "$m") - c0 ))
        "$B/or_bench_crypto" 0.2 1 sign > "$T/limit.b" || return 1
        s=$(calc "($(kv "$T/limit.a" sign_per_s) + $(kv "$T/limit.b" sign_per_s)) / 2")
        cp+=("$(calc "$(kv "$o" ok) * 100 / max($c0, 1) / $s")")
        lc+=("$(calc "$(kv "$o" cpu_s) / max($(kv "$o" elapsed_s), 0.001)")")
        wc+=("$(calc "$c0 / 100 / max($(kv "$o" elapsed_s), 0.001)")")
        ps=$(kv "$o" per_s)
        v+=("$ps")
        sg+=("$s")
        rt+=("$(calc "$ps / $s")")
        fails=$(( fails + $(kv "$o" fail) + $(kv "$o" unfinished) ))
    done
    daemon_stop "$m"
    echo "$(median "${v[@]}") $fails $(median "${sg[@]}") $(median "${rt[@]}") $(median "${cp[@]}") $(median "${lc[@]}") $(median "${wc[@]}")"
}

# 1 worker: the load generator spins on the other core (or_loadgen.c says
# why); 2 workers: it shares both cores with them, so it sleeps
for w in 1 2; do
    log "row 3: throughput, $w worker(s)"
    if [ "$w" = 1 ]; then
        set -- 16 $(( NKEYS / SEGS )) spin
        how="in-process responder (row 1c)"
    else
        set -- 32 $(( NKEYS / SEGS )) ""
        how="row 1g x row 1c x the cores the load generator leaves"
    fi
    res=$(tput "$w" "$1" "$2" $3) || res=
    if [ -n "$res" ]; then
        # hs/s fails sign/s ratio per-cpu-second loadgen-cores
        set -- $res
        r=$(calc "round($4, 3)")
        # The ceiling a daemon cannot pass, measured in this run: one
        # worker has a core of its own (the load generator spins on the
        # other); two share both cores with the load generator, which
        # takes its measured share of them.
        if [ "$w" = 1 ]; then
            ceil=$RESP
        else
            ceil=$(calc "round($TWO * $RESP * max(0.0, 2 - $6) / 2, 3)")
        fi
        f=$(calc "round($r / max($ceil, 0.001), 3)")
        row "3.$w" "responder handshakes/s, $w worker(s) ($2 failed)" "$1" \
            "hs/s" "$3 sign/s (1 core, before and after each segment); ceiling $ceil x sign/s ($how)" "$f" \
            ">= 0.95 x ceiling" "$(calc "'yes' if $f >= 0.95 else 'no'")" \
            "ratio column: hs/s / ceiling; hs/s / sign/s = $r (information); pre-signed, every request a never-seen peer; median of $SEGS segments, sign/s before and after each; workers did $(calc "round($5, 3)") x sign/s per CPU-second ($(calc "round($5 / max($ceil, 0.001), 3)") x the ceiling per CPU-second) and ran $(calc "round($7, 2)") cores of the wall time ($w wanted; what the others' processes left of a shared host: a daemon short of its cores misses the wall-time target however lean its code); the load generator used $(calc "round($6, 2)") of the 2 cores"
    else
        row "3.$w" "responder handshakes/s, $w worker(s)" "" "hs/s" "" "" \
            "" "" "not run: openred did not start"
    fi
done

fi # tput

if want flood; then
# ---- 2f. a known peer's latency during a flood of never-seen keys ----

log "row 2f: a known peer's latency during a flood of never-seen keys"
# Segments alternate: the known peer alone, then the same peer while a
# load generator keeps FCONC never-seen peers' handshakes in flight (each
# segment its own requests: one daemon's replay cache). Nothing in the
# daemon puts a returning peer first; the limit is what a fair FIFO
# server gives it: its latency alone plus the queue ahead of it, which by
# Little's law is the flood's own time in the system, FCONC / its rate.
FSEGS=3
FCONC=32
FN=$(( NKEYS / FSEGS ))
if [ $(( $(date +%s) - REQ_T )) -gt 240 ]; then
    presign 0 "$NKEYS" 200 "$T/reqf" || die "pre-signing failed"
else
    cp "$T/req" "$T/reqf"
fi
conf_write n0 2 "$PORT"
alone=() under=() queue=() fl_rate=() early=0
if m=$(daemon_start n0); then
    # a peer none of the flood's requests comes from
    KNOWN=$T/known.pem
    "$B/or_bench_prep" node "$KNOWN" >/dev/null || die "node key"
    # the first handshake imports the key; from then on it is cached
    nsx "$B/or_loadgen" lat "127.0.0.1:$PORT" "$KNOWN" "$FP" 3 10 \
        > "$T/flat0" 2>&1
    for i in $(seq "$FSEGS"); do
        nsx "$B/or_loadgen" lat "127.0.0.1:$PORT" "$KNOWN" "$FP" 40 20 \
            > "$T/flat.a" 2>&1
        sed -n "$(( (i - 1) * FN + 1 )),$(( i * FN ))p" "$T/reqf" \
            > "$T/reqf.$i"
        nsx "$B/or_loadgen" tput "127.0.0.1:$PORT" "$T/reqf.$i" "$FCONC" \
            "$FN" 60 > "$T/flood.$i" 2>&1 &
        fl=$!
        # the flood's connections in flight before the first measured one
        sleep 0.5
        nsx "$B/or_loadgen" lat "127.0.0.1:$PORT" "$KNOWN" "$FP" 40 20 \
            > "$T/flat.b" 2>&1
        kill -0 "$fl" 2>/dev/null || early=$(( early + 1 ))
        wait "$fl"
        [ "$(kv "$T/flat.a" ok)" -gt 0 ] 2>/dev/null \
            && [ "$(kv "$T/flat.b" ok)" -gt 0 ] 2>/dev/null || continue
        alone+=("$(kv "$T/flat.a" p50_us)")
        under+=("$(kv "$T/flat.b" p50_us)")
        fl_rate+=("$(kv "$T/flood.$i" per_s)")
        queue+=("$(calc "$FCONC * 1e6 / max($(kv "$T/flood.$i" per_s), 1)")")
    done
    daemon_stop "$m"
fi
if [ "${#under[@]}" -gt 0 ]; then
    A=$(median "${alone[@]}")
    U=$(median "${under[@]}")
    Q=$(median "${queue[@]}")
    r=$(calc "round($U / $A, 3)")
    lim=$(calc "round(($A + $Q) / $A, 3)")
    row 2f "known peer's latency p50 during a never-seen flood" "$U" "us" \
        "alone: $A us; the flood's own time in the system: $(calc "round($Q)") us ($FCONC in flight at $(median "${fl_rate[@]}") hs/s)" \
        "$r" "<= (alone + flood's) / alone" \
        "$(calc "'yes' if $r <= $lim and $early == 0 else 'no'")" \
        "ratio column: p50 during the flood / p50 alone (same peer, key cached, same daemon: 2 workers); target $lim = a fair FIFO share, as nothing puts a returning peer first; medians of $FSEGS segments of 40 handshakes each way, $FN never-seen requests per flood; segments whose flood ended before the measure did: $early"
else
    row 2f "known peer's latency during a never-seen flood" "" "us" "" "" \
        "" "" "not run: $(kv "$T/flat.b" last_error || head -c 200 "$T/flat.b")"
fi

fi # flood

# ---- 5b, 6. sessions: memory per session, scale ----

# Descriptors one process may hold here: root raises its own limit (above)
# unless the host forbids it (no CAP_SYS_RESOURCE: a container), and what
# it could not raise is a hard limit for the daemon's workers and for the
# load generator alike. A hold row is split to fit it: HOLD_PER sessions
# at most per process, the daemon with enough workers and the load
# generator as enough processes.
NOFILE=$(ulimit -n)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
HOLD_PER=$(( NOFILE > 4000 ? NOFILE - 2000 : NOFILE / 2 ))

# hold N REQS OUT: N sessions (distinct peers, from 64 loopback addresses)
# held by W = max(2, ceil(N / HOLD_PER)) workers and opened by as many
# load generator processes, each with its share of REQS; PSS before and
# while held into OUT. The limits are the daemon's own settings, sized for
# N: descriptors per worker (worker_connections: the whole per-process
# limit, as the listening socket's EPOLLEXCLUSIVE wake-ups do not share
# connections out exactly evenly), inbound per node and per source, session
# slots; no idle timeout, so that the first sessions of a long run live
# until the message.
hold() {
    local n=$1 reqs=$2 out=$3 m before maxsec w k i sh
    maxsec=$(( 30 + n / 250 ))
    k=$(( (n + HOLD_PER - 1) / HOLD_PER ))
    w=$(( k > 2 ? k : 2 ))
    WCONN=$(( NOFILE - 64 < n / w + 8192 ? NOFILE - 64 : n / w + 8192 ))
    WCONN=$WCONN MAXIN=$(( n + 1000 )) conf_write n0 "$w" "$PORT" \
        "session_idle_timeout = 0;" \
        "max_sessions = $(( n + 1000 )); max_sessions_per_source = $n; max_pending_per_source = 1024;"
    m=$(daemon_start n0) || return 1
    sleep 0.5
    before=$(pss_kib "$m")
    rm -f "$out".* "$T/sync".*
    # shard i takes lines i+1, i+1+k, ... of the first n: each its share,
    # oldest first
    for i in $(seq 0 $(( k - 1 ))); do
        head -n "$n" "$reqs" | awk -v k="$k" -v i="$i" '(NR - 1) % k == i' \
            > "$out.req$i"
        sh=$(wc -l < "$out.req$i")
        nsx "$B/or_loadgen" hold "127.0.0.1:$PORT" "$out.req$i" \
            $(( 64 / k > 8 ? 64 / k : 8 )) "$sh" "$maxsec" 3 "$T/sync" \
            > "$out.$i" 2>&1 &
    done
    for i in $(seq 0 $(( k - 1 ))); do
        wait_for $(( (maxsec + 10) * 10 )) grep -q '^established=' "$out.$i"
    done
    sleep 1
    echo "pss_before=$before" >> "$out.pss"
    echo "pss_held=$(pss_kib "$m")" >> "$out.pss"
    # how the workers shared the sessions (EPOLLEXCLUSIVE accept): their
    # sockets, from /proc, the moment they are all held
    for i in $(workers_of "$m"); do
        find "/proc/$i/fd" -lname 'socket:*' 2>/dev/null | wc -l
    done | tr '\n' ' ' | sed 's/ $//' > "$out.spread"
    touch "$T/sync.go"
    for i in $(seq 0 $(( k - 1 ))); do
        wait_for 300 grep -q '^alive=' "$out.$i"
    done
    nsx "$CTL" -S "$T/n0/logs/control.sock" sessions --json \
        > "$out.sessions" 2> "$out.ctlerr"
    touch "$T/sync.end"
    wait
    daemon_stop "$m"
    # one result for the row: sums, the longest time, a last error
    {
        for key in established alive ok fail; do
            echo "$key=$(cat "$out".[0-9]* | sed -n "s/^$key=//p" \
                | awk '{ s += $1 } END { print s + 0 }')"
        done
        echo "elapsed_s=$(cat "$out".[0-9]* | sed -n 's/^elapsed_s=//p' \
            | sort -g | tail -n 1)"
        grep -h '^last_error=' "$out".[0-9]* | tail -n 1
        echo "shards=$k"
        echo "workers=$w"
        echo "spread=$(cat "$out.spread")"
        cat "$out.pss"
    } > "$out"
}

# hold_rows N REQS: rows 5b and 6 at N sessions
hold_rows() {
    local n=$1 out=$T/hold$1 est alive per msgin tag target lim
    tag=$([ "$n" -ge 1000 ] && echo "$(( n / 1000 ))k" || echo "$n")
    log "rows 5b, 6: $n sessions held"
    hold "$n" "$2" "$out"
    # split to fit a per-process descriptor limit (hold); what is left
    # is said: the limit, the split, and how the workers shared it
    lim="; RLIMIT_NOFILE $NOFILE per process here (hard limit $(ulimit -Hn)): $(kv "$out" workers) workers (sockets each: $(kv "$out" spread)), $(kv "$out" shards) load generator process(es)"
    est=$(kv "$out" established)
    alive=$(kv "$out" alive)
    if [ "${est:-0}" -gt 0 ]; then
        per=$(calc "round(($(kv "$out" pss_held) - $(kv "$out" pss_before)) * 1024 / $est)")
        target=info
        [ "$n" = "$NHOLD" ] && target="<= 4096 B"
        row "5b.$tag" "PSS per idle session, $n held" "$per" "bytes" \
            "PSS $(kv "$out" pss_before) KiB before, $(kv "$out" pss_held) KiB held" "" "$target" \
            "$( [ "$target" = info ] || calc "'yes' if $per <= 4096 and $est == $n else 'no'")" \
            "$est of $n established, master + $(kv "$out" workers) workers, smaps_rollup; kernel socket memory is not in PSS$lim$( [ "$est" -lt "$n" ] && echo "; last refusal: $(kv "$out" last_error)")"
        msgin=$(python3 -c '
import json, sys
try:
    a = json.load(open(sys.argv[1]))
    print(sum(1 for s in a if s.get("messages_in", 0) >= 1))
except Exception:
    print("")' "$out.sessions")
        row "6.$tag" "sessions established+alive after a message" \
            "${alive:-0}" "sessions" "" "" "$n established, all answering" \
            "$(calc "'yes' if ${alive:-0} == $n else 'no'")" \
            "established $est in $(kv "$out" elapsed_s) s$( [ -n "${PRESIGN_S:-}" ] && [ "$n" = "$NHOLD" ] && echo " after $PRESIGN_S s of pre-signing (a request is valid 580 s after it is signed: a host that signs fewer than $(( NHOLD / 500 )) per s sees handshake_expired)"); messages counted by the daemon: ${msgin:-listing failed: $(head -c 120 "$out.ctlerr")}; last refusal: $(kv "$out" last_error)"
    else
        row "5b.$tag" "PSS per idle session, $n held" "" "bytes" "" "" \
            "<= 4096 B" "" "not run: no session established: $(kv "$out" last_error)"
        row "6.$tag" "$n sessions" "" "sessions" "" "" "$n" "" \
            "not run: no session established: $(kv "$out" last_error)"
    fi
}

if want hold; then
hold_rows 1000 "$T/req"
hold_rows 10000 "$T/req"
fi

if want disc; then
# ---- 7. discovery latency ----

log "row 7: discovery latency"
disc_conf='discovery = { interval = 10; };'
conf_write d0 1 $((PORT + 1)) "" "$disc_conf"
conf_write d1 1 $((PORT + 2)) "" "$disc_conf"
lists() {   # lists NAME FP: NAME's peers include FP
    nsx "$CTL" -S "$T/$1/logs/control.sock" peers --json 2>/dev/null \
        | grep -q "$2"
}
FP0=$("$B/or_bench_prep" node "$T/d0.pem")
# disc_once: seconds from starting d1 until both list each other, or ""
disc_once() {
    local t0 m1 r=
    t0=$(date +%s.%N)
    m1=$(daemon_start d1) || return 1
    wait_for 100 lists d0 "$FP1" && wait_for 100 lists d1 "$FP0" \
        && r=$(calc "round($(date +%s.%N) - $t0, 3)")
    daemon_stop "$m1"
    echo "$r"
}
m0=$(daemon_start d0) || m0=
if [ -n "$m0" ] && nsx "$CTL" -S "$T/d0/logs/control.sock" peers --json \
        > "$T/peers" 2>&1; then
    v=()
    for i in $(seq "$RUNS"); do
        # a node d0 has never heard of: a fresh key each run
        rm -f "$T/d1.pem"
        FP1=$("$B/or_bench_prep" node "$T/d1.pem")
                r=$(disc_once) && [ -n "$r" ] && v+=("$r")
        sleep 0.2
    done
    if [ "${#v[@]}" = "$RUNS" ]; then
        D=$(median "${v[@]}")
        row 7 "discovery: start of a new node to both listed" "$D" "s" \
            "original: up to 10 s" "" "< 1 s both ways" \
            "$(calc "'yes' if $D < 1 else 'no'")" "runs: ${v[*]}"
    else
        row 7 "discovery latency" "" "s" "" "" "< 1 s both ways" "" \
            "not run: the nodes did not list each other within 10 s"
    fi
    # the same node again, restarted: d0 still lists it (expire 60 s),
    # so the question is how soon the restarted node learns d0 back
    r=$(disc_once)
    row 7b "discovery: a known node restarted, both listed" "$r" "s" \
        "interval 10 s" "" "info (< 1 s wanted)" \
        "$( [ -n "$r" ] && calc "'yes' if $r < 1 else 'no'")" \
        "$( [ -n "$r" ] || echo "not run: not listed within 10 s")"
else
    row 7 "discovery latency" "" "s" "" "" "< 1 s both ways" "" \
        "not run: openredctl peers: $(head -c 120 "$T/peers" 2>/dev/null | tr '\n' ' ')"
fi
[ -n "$m0" ] && daemon_stop "$m0"

fi # disc

if want beacons; then
# ---- 4 (through the daemon). beacons read by the discovery socket ----

# received NAME: datagrams the daemon's discovery sockets have read
received() {
    nsx "$CTL" -S "$T/$1/logs/control.sock" peers --stats --json 2>/dev/null \
        | python3 -c '
import json, sys
def walk(v):
    if isinstance(v, dict):
        return sum(walk(x) if k != "received" else int(x)
                   for k, x in v.items())
    if isinstance(v, list):
        return sum(walk(x) for x in v)
    return 0
print(walk(json.load(sys.stdin)))'
}

log "row 4: beacons through the daemon's socket"
conf_write d0 1 $((PORT + 1)) "" "$disc_conf"
if m=$(daemon_start d0) && r0=$(received d0) && [ -n "$r0" ]; then
    for kind in valid forged junk; do
        r0=$(received d0)
        c0=$(cpu_ticks "$m")
        nsx "$B/or_loadgen" beacons 224.0.1.100:5354 "$kind" 300000 2 \
            > "$T/blast.$kind" 2>&1
        sleep 0.3
        r1=$(received d0)
        c0=$(( $(cpu_ticks "$m") - c0 ))
        el=$(kv "$T/blast.$kind" elapsed_s)
        got=$(( r1 - r0 ))
        row "4$kind" "$kind beacons read by the daemon/s" \
            "$(calc "round($got / $el)")" "dgrams/s" "" "" "info" "" \
            "sent $(kv "$T/blast.$kind" sent) in ${el} s by one sender, read $got (the rest dropped by the kernel); worker CPU $(calc "$c0 / 100") s = $(calc "round($got * 100 / max($c0, 1))") per CPU-second"
    done
    daemon_stop "$m"
else
    row 4d "beacons through the daemon's socket" "" "dgrams/s" "" "" \
        "info" "" "not run: no discovery counters (openredctl peers --stats)"
fi

fi # beacons

if want reload; then
# ---- 8. reload under load ----

log "row 8: 10 reloads during a throughput run"
# the requests signed at the start are valid for 500 s: on a slow host
# the run is past that by now, so this row signs its own
if [ $(( $(date +%s) - REQ_T )) -gt 240 ]; then
    presign 0 6000 200 "$T/req8" || die "pre-signing failed"
else
    cp "$T/req" "$T/req8"
fi
conf_write n0 2 "$PORT"
if m=$(daemon_start n0); then
    sleep 0.3
    nsx "$B/or_loadgen" tput "127.0.0.1:$PORT" "$T/req8" 32 6000 30 \
        > "$T/reload" 2>&1 &
    lg=$!
    sleep 0.3
    for i in $(seq 10); do
        kill -HUP "$m"
        sleep 0.3
    done
    wait "$lg"
    daemon_stop "$m"
    bad=$(( $(kv "$T/reload" fail) + $(kv "$T/reload" unfinished) ))
    row 8 "failed handshakes during 10 reloads" "$bad" "handshakes" \
        "$(kv "$T/reload" ok) ok" "" "0" \
        "$( [ "$bad" = 0 ] && echo yes || echo no)" \
        "$(kv "$T/reload" last_error)"
else
    row 8 "reload under load" "" "" "" "" "0" "" "not run: no start"
fi

fi # reload

if want quit; then
# ---- 9. -s quit with sessions open ----

# exited PID: gone, or a zombie its parent has not reaped yet (the
# master's parent after daemonizing is init, which may take its time)
exited() {
    ! test -r "/proc/$1/stat" \
        || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# quit_ms PID: ms from `openred -s quit` (its own start included) until
# master PID has exited
quit_ms() {
    local t0 t1
    t0=$(date +%s%N)
    nsx "$OPENRED" -p "$T/n0" -c "$T/n0/conf/openred.conf" -s quit \
        || return 1
    # every 10 ms (wait_for's 0.1 s is too coarse here), 60 s at most
    local i=0
    until exited "$1"; do
        i=$((i + 1))
        [ "$i" -le 6000 ] || return 1
        sleep 0.01
    done
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
}

log "row 9: -s quit with 100 sessions open"
conf_write n0 2 "$PORT"
idle= busy= est=
if m=$(daemon_start n0); then
    idle=$(quit_ms "$m")
fi
if m=$(daemon_start n0); then
    nsx "$B/or_loadgen" hold "127.0.0.1:$PORT" "$T/req" 64 100 60 60 \
        > "$T/quit" 2>&1 &
    lg=$!
    wait_for 600 grep -q '^established=' "$T/quit"
    est=$(kv "$T/quit" established)
    busy=$(quit_ms "$m")
    kill "$lg" 2>/dev/null
    wait "$lg" 2>/dev/null
    daemon_stop "$m"
fi
if [ -n "$busy" ] && [ -n "$idle" ] && [ "${est:-0}" -gt 0 ]; then
    row 9 "-s quit with $est sessions open" "$busy" "ms" \
        "-s quit with none open: $idle ms; worker_shutdown_timeout 5000 ms" \
        "$(calc "$busy / max($idle, 1)")" "< 1000 ms (issue 18)" \
        "$( [ "$busy" -lt 1000 ] && echo yes || echo no)" \
        "the old behaviour waited for worker_shutdown_timeout"
else
    row 9 "-s quit with 100 sessions open" "" "" "" "" "" "" \
        "not run: ${est:-no} sessions established, quit: ${busy:-failed}"
fi

fi # quit

if want hold; then
# ---- 5b, 6 at the largest count: last, as its pre-signing is long ----

if [ "$NHOLD" -gt "$NKEYS" ]; then
    # signed now (those of the first rows expire 500 s after the start):
    # valid for 580 s from here, longer than the row may take
    log "pre-signing $NHOLD requests for row 6.$(( NHOLD / 1000 ))k"
    t0=$(date +%s)
    presign 0 "$NHOLD" 280 "$T/reqh" || die "pre-signing failed"
    PRESIGN_S=$(( $(date +%s) - t0 ))
    hold_rows "$NHOLD" "$T/reqh"
fi

fi # hold

# ---- the table ----

python3 - "$ROWS" "$TOP/bench/results.json" "$RUNS" <<'EOF'
import json, sys, time
rows = [json.loads(l) for l in open(sys.argv[1])]
fmt = lambda v: "" if v is None else ("%.0f" % v if abs(v) >= 100 else "%g" % v)
print("%-5s %-48s %12s %-10s %-7s %-22s %s" % ("row", "what", "measured",
      "unit", "ratio", "target", "met"))
for r in rows:
    met = {True: "yes", False: "NO", None: ""}[r["met"]]
    m = fmt(r["measured"]) if r["status"] == "ok" else "not run"
    print("%-5s %-48s %12s %-10s %-7s %-22s %s" % (r["row"], r["name"][:48],
          m, r["unit"], fmt(r["ratio"]), r["target"], met))
    if r["limit"]:
        print("%-5s   limit: %s" % ("", r["limit"]))
    if r["note"]:
        print("%-5s   %s" % ("", r["note"]))
json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "runs_per_row": int(sys.argv[3]), "rows": rows},
          open(sys.argv[2], "w"), indent=1)
print("wrote", sys.argv[2])
EOF
