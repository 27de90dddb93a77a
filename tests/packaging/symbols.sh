#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# libopenred.so exports exactly the functions its public headers declare:
# nothing internal (base64, JSON helpers) leaks, nothing declared is
# missing from src/crypto/libopenred.map.
#   tests/packaging/symbols.sh [LIBRARY]     (default objs/libopenred.so)
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
lib=${1:-$root/objs/libopenred.so}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# every or_* name followed by "(" in the public headers is a function
cat "$root/src/crypto/openred.h" "$root/src/crypto/or_err.h" \
    "$root/src/crypto/or_v3.h" "$root/src/crypto/or_peer_record.h" \
    | grep -o '\bor_[a-z0-9_]*[[:space:]]*(' | tr -d ' (' | sort -u \
    > "$tmp/declared"
nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' \
    | sort -u > "$tmp/exported"

if ! cmp -s "$tmp/declared" "$tmp/exported"; then
    echo "symbols: $lib exports other functions than openred.h declares" >&2
    echo "  (< declared only: add to src/crypto/libopenred.map;" \
         "> exported only: internal, must stay local)" >&2
    diff "$tmp/declared" "$tmp/exported" >&2 || true
    exit 1
fi
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != libopenred.so.0 ]; then
    echo "symbols: $lib has soname \"$soname\", expected libopenred.so.0" >&2
    exit 1
fi
echo "symbols: $(wc -l < "$tmp/exported") public functions, soname $soname: ok"
