#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# make install into a scratch DESTDIR, check the layout, build examples/
# with pkg-config against that tree and run it on a vector key and beacon:
# its fingerprint must be the vector's. Run from `make install-check`
# (after ./configure && make).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

vectors=${OR_VECTORS:-}
if [ -z "$vectors" ]; then
    for d in tests/vectors/legacy-v2 ../shared/vectors/legacy-v2; do
        [ -f "$d/node-a.fp" ] && vectors=$(cd "$d" && pwd) && break
    done
fi
[ -n "$vectors" ] || { echo "example: no test vectors found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root

fail() { echo "example: $*" >&2; exit 1; }

make -s -f objs/Makefile install DESTDIR="$dest" > "$tmp/install.log" 2>&1 \
    || { cat "$tmp/install.log" >&2; fail "make install failed"; }

# paths come from objs/Makefile, i.e. from ./configure
var() { sed -n "s/^$1 *= *//p" objs/Makefile; }
sbin=$(var SBIN_PATH); conf=$(var CONF_PATH); libdir=$(var LIB_DIR)
incdir=$(var INCLUDE_DIR); mandir=$(var MAN_DIR)

for f in "$sbin" "$conf" "$libdir/libopenred.so.0.1.0" "$libdir/libopenred.a" \
         "$incdir/openred/openred.h" "$incdir/openred/or_err.h" \
         "$incdir/openred/or_wire_limits.h" "$incdir/openred/or_v3.h" \
         "$incdir/openred/or_peer_record.h" \
         "$libdir/pkgconfig/openred.pc" "$mandir/man8/openred.8" \
         "$mandir/man5/openred.conf.5"; do
    [ -f "$dest$f" ] || fail "make install did not install $f"
done
[ "$(readlink "$dest$libdir/libopenred.so.0")" = libopenred.so.0.1.0 ] \
    || fail "$libdir/libopenred.so.0 is not a link to libopenred.so.0.1.0"
[ "$(readlink "$dest$libdir/libopenred.so")" = libopenred.so.0 ] \
    || fail "$libdir/libopenred.so is not a link to libopenred.so.0"
if [ -f objs/openredctl ]; then
    [ -f "$dest$(var BIN_PATH)" ] || fail "openredctl not installed"
fi

# a second install keeps an edited config and puts the new one beside it
echo "# edited by the operator" >> "$dest$conf"
make -s -f objs/Makefile install DESTDIR="$dest" > "$tmp/install.log" 2>&1 \
    || { cat "$tmp/install.log" >&2; fail "second make install failed"; }
grep -q "edited by the operator" "$dest$conf" \
    || fail "make install overwrote $conf"
cmp -s conf/openred.conf "$dest$conf.default" \
    || fail "make install did not put the new config at $conf.default"

tests/packaging/symbols.sh "$dest$libdir/libopenred.so.0.1.0"

# each installed header compiles alone, with nothing but the installed tree
# on the include path (no header of the daemon's may leak into the API)
for h in "$dest$incdir"/openred/*.h; do
    printf '#include <openred/%s>\n' "${h##*/}" \
        | ${CC:-cc} -std=c11 -Wall -Werror -fsyntax-only -I"$dest$incdir" \
            -x c - 2> "$tmp/hdr.log" \
        || { cat "$tmp/hdr.log" >&2; fail "installed ${h##*/} does not compile alone"; }
done

# the example, built only from what pkg-config says about the installed tree
# (a library built --with-sanitizers needs their runtime loaded first: the
# example is then built with them too)
cp -r examples "$tmp/examples"
cflags="-O2 -g -Wall -Wextra -Werror"
if readelf -d "$dest$libdir/libopenred.so.0.1.0" | grep -q 'libasan'; then
    cflags="$cflags -fsanitize=address,undefined"
fi
PKG_CONFIG_PATH=$dest$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest \
    make -s -C "$tmp/examples" CFLAGS="$cflags" > "$tmp/build.log" 2>&1 \
    || { cat "$tmp/build.log" >&2; fail "examples/ does not build"; }
LD_LIBRARY_PATH=$dest$libdir ldd "$tmp/examples/openred-example" | grep -q "libopenred.so.0 => $dest" \
    || fail "the example is not linked to the installed libopenred.so.0"

want=$(cat "$vectors/node-a.fp")
LD_LIBRARY_PATH=$dest$libdir "$tmp/examples/openred-example" \
    "$vectors/node-a.key.pem" "$vectors/beacon-a.token" \
    "OpenRed-P2P-Discovery-2025" > "$tmp/out" \
    || { cat "$tmp/out"; fail "the example failed"; }
cat "$tmp/out"
grep -qx "fingerprint $want" "$tmp/out" \
    || fail "fingerprint is not $want (node-a.fp)"
grep -q "^request [0-9]* bytes from $want to $want, signature good$" \
    "$tmp/out" || fail "no checked handshake request"
grep -q "^beacon from $want sector tech at 127.0.0.1:9001$" "$tmp/out" \
    || fail "beacon-a.token did not open to node A's beacon"

# and a fresh key: a fingerprint of 16 hex
LD_LIBRARY_PATH=$dest$libdir "$tmp/examples/openred-example" > "$tmp/out" \
    || fail "the example failed with a generated key"
grep -qE '^fingerprint [0-9a-f]{16}$' "$tmp/out" \
    || fail "no fingerprint for a generated key"

echo "example: install layout, pkg-config build and vector fingerprint: ok"
