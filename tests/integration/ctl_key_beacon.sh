# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# openredctl key and beacon: local commands, no daemon and no network.
# Vector tokens open (or are refused with the reason), seal/open round
# trips, vector keys print their fingerprints, generated keys are 0600,
# and the daemon's loader (openred -t) refuses a 0644 key by name.
# Needs no root and no netns, so it does not source lib.sh.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OPENRED=$TOP/objs/openred
OPENREDCTL=$TOP/objs/openredctl
V=$TOP/tests/vectors/legacy-v2
T=$(mktemp -d /tmp/openred-test.XXXXXX)
DEFAULT=OpenRed-P2P-Discovery-2025
PRIVATE="a private health network"
. "$(dirname "$0")/san_lib.sh"
trap 'san_logs "$T"; rm -rf "$T"; san_check' EXIT
unset OPENRED_PASSPHRASE

fail() {
    echo "FAIL: $*" >&2
    [ -f "$T/err" ] && sed 's/^/  stderr: /' "$T/err" >&2
    exit 1
}

# ctl ARGS...: openredctl, bounded, stdout to $T/out, stderr to $T/err;
# sets rc. A hang would be 124, a signal 128+N.
ctl() {
    timeout 20 "$OPENREDCTL" "$@" > "$T/out" 2> "$T/err"
    rc=$?
}

# expect RC TEXT ARGS...: exit code RC and TEXT (fixed) in stderr.
expect() {
    local want=$1 text=$2
    shift 2
    ctl "$@"
    [ "$rc" = "$want" ] || fail "openredctl $*: exit $rc, not $want"
    grep -qF -- "$text" "$T/err" \
        || fail "openredctl $*: no \"$text\" on stderr"
}

json_equal() {
    python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(0 if a == b else 1)' "$1" "$2"
}

# beacon open: the original's token, byte-exact plaintext plus a newline.
ctl beacon open --passphrase "$DEFAULT" "$V/beacon-a.token"
[ "$rc" = 0 ] || fail "beacon-a.token does not open (exit $rc)"
{ cat "$V/beacon-a.plain.json"; echo; } | cmp -s - "$T/out" \
    || fail "beacon-a: output is not beacon-a.plain.json"
json_equal "$T/out" "$V/beacon-a.plain.json" || fail "beacon-a: JSON differs"
[ -s "$T/err" ] && fail "beacon-a: a v2 beacon gave warnings"

# The same from stdin ("-" and no FILE), passphrase from env and file.
OPENRED_PASSPHRASE=$DEFAULT ctl beacon open - < "$V/beacon-a.token"
[ "$rc" = 0 ] && json_equal "$T/out" "$V/beacon-a.plain.json" \
    || fail "beacon-a from stdin with OPENRED_PASSPHRASE"
printf '%s\n' "$DEFAULT" > "$T/pass"
ctl beacon open --passphrase-file "$T/pass" < "$V/beacon-a.token"
[ "$rc" = 0 ] && json_equal "$T/out" "$V/beacon-a.plain.json" \
    || fail "beacon-a with --passphrase-file"

# Refusals: exit 1, the reason on stderr, nothing on stdout.
expect 1 "openredctl: beacon: wrong key or HMAC mismatch" \
    beacon open --passphrase "$PRIVATE" "$V/beacon-a.token"
[ -s "$T/out" ] && fail "a refused token printed something"
expect 1 "HMAC" beacon open --passphrase "$DEFAULT" \
    "$V/beacon-a-bad-hmac.token"
expect 1 "HMAC" beacon open --passphrase "$DEFAULT" \
    "$V/beacon-b-private.token"
expect 1 "expired" beacon open --passphrase "$DEFAULT" --ttl 60 \
    "$V/beacon-a.token"
printf 'not!base64' > "$T/junk"
expect 1 "openredctl: beacon: " beacon open --passphrase x "$T/junk"
head -c 5000 /dev/zero | tr '\0' A > "$T/big"
expect 1 "over" beacon open --passphrase x "$T/big"

# The private network's beacon opens with its own passphrase.
ctl beacon open --passphrase "$PRIVATE" "$V/beacon-b-private.token"
[ "$rc" = 0 ] && json_equal "$T/out" "$V/beacon-b-private.plain.json" \
    || fail "beacon-b-private does not open with \"$PRIVATE\""

# Usage errors: exit 2.
expect 2 "no passphrase" beacon open "$V/beacon-a.token"
expect 2 "--ttl \"soon\"" beacon open --passphrase x --ttl soon
expect 2 "Usage" beacon frobnicate
expect 2 "exclude" beacon open --passphrase x --passphrase-file "$T/pass"

# seal then open: the same bytes; fresh, so --ttl 60 passes.
ctl beacon seal --passphrase "$PRIVATE" "$V/beacon-b-private.plain.json"
[ "$rc" = 0 ] || fail "beacon seal (exit $rc)"
[ -s "$T/err" ] && fail "seal of a v2 beacon gave warnings"
cp "$T/out" "$T/sealed"
ctl beacon open --passphrase "$PRIVATE" --ttl 60 "$T/sealed"
[ "$rc" = 0 ] || fail "a sealed token does not open (exit $rc)"
{ cat "$V/beacon-b-private.plain.json"; echo; } | cmp -s - "$T/out" \
    || fail "seal/open round trip changed the bytes"
expect 1 "HMAC" beacon open --passphrase "$DEFAULT" "$T/sealed"
# Not a v2 beacon: sealed anyway, with a warning.
echo '{"hello": 1}' | timeout 20 "$OPENREDCTL" beacon seal --passphrase x \
    > "$T/sealed" 2> "$T/err" || fail "seal of any JSON"
grep -qF "not a v2 beacon" "$T/err" || fail "no warning for a non-beacon"

# key fingerprint: private and public PEMs of the vectors.
for k in node-a node-b mallory; do
    for f in "$k.key.pem" "$k.pub.pem"; do
        ctl key fingerprint "$V/$f"
        [ "$rc" = 0 ] || fail "key fingerprint $f: exit $rc"
        cmp -s "$T/out" "$V/$k.fp" || fail "key fingerprint $f: $(cat \
            "$T/out"), not $(cat "$V/$k.fp")"
    done
done
expect 1 "holds no unencrypted private key" key fingerprint \
    "$V/beacon-a.plain.json"
expect 1 "No such file" key fingerprint "$T/none.pem"

# key generate: 0600 whatever the umask, its fingerprint printed, no
# overwrite without --force.
(umask 000; timeout 60 "$OPENREDCTL" key generate "$T/new.pem") \
    > "$T/genfp" 2> "$T/err" || fail "key generate"
[ "$(stat -c %a "$T/new.pem")" = 600 ] \
    || fail "generated key mode $(stat -c %a "$T/new.pem"), not 600"
grep -qxE '[0-9a-f]{16}' "$T/genfp" || fail "key generate printed $(cat \
    "$T/genfp")"
ctl key fingerprint "$T/new.pem"
cmp -s "$T/out" "$T/genfp" || fail "key fingerprint of the generated key"
expect 1 "use --force" key generate "$T/new.pem"
cmp -s "$T/out" /dev/null || fail "a refused generate printed something"
ctl key fingerprint "$T/new.pem"
cmp -s "$T/out" "$T/genfp" || fail "a refused generate changed the key"
ctl key generate --force "$T/new.pem"
[ "$rc" = 0 ] || fail "key generate --force: exit $rc"
cmp -s "$T/out" "$T/genfp" && fail "--force kept the old key"
expect 2 "Usage" key generate

# The daemon's loader refuses a 0644 copy, naming the file and the fix.
mkdir -p "$T/conf" "$T/logs"
cp "$V/node-a.key.pem" "$T/world.pem"
chmod 644 "$T/world.pem"
cat > "$T/conf/openred.conf" << END
pid = "$T/logs/openred.pid";
error_log = { path = "$T/logs/error.log"; level = "info"; };
control = { socket = "$T/logs/control.sock"; };
nodes = ( { id = "n0"; sector = "tech"; listen = "127.0.0.1:9001";
            key = "$T/world.pem"; } );
END
timeout 20 "$OPENRED" -t -p "$T/" -c "$T/conf/openred.conf" > "$T/err" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "openred -t with a 0644 key: exit $rc, not 1"
grep -qF "\"$T/world.pem\"" "$T/err" || fail "0644 key: file not named"
grep -qF "chmod 600" "$T/err" || fail "0644 key: no \"chmod 600\""
# The same key at 0600 passes, and openredctl prints its fingerprint.
chmod 600 "$T/world.pem"
timeout 20 "$OPENRED" -t -p "$T/" -c "$T/conf/openred.conf" > "$T/err" 2>&1 \
    || fail "openred -t refuses the key at 0600"
echo ok
