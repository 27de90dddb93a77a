# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# The always-on hardening flags are in the built binaries: PIE, full
# RELRO (BIND_NOW), a non-executable stack, the stack protector and
# FORTIFY. Skipped for --without-hardening, and FORTIFY left out for
# sanitizer, debug or coverage builds, where configure leaves it out on
# purpose.
. "$(dirname "$0")/lib.sh"

need_cmd readelf
conf=$("$OPENRED" -V 2>&1) || fail "openred -V"
case "$conf" in
*--without-hardening*) skip "built --without-hardening" ;;
esac
fortify=yes
case "$conf" in
*--with-sanitizers*|*--with-debug*|*--with-coverage*) fortify=no ;;
esac

for bin in "$OPENRED" "$OPENREDCTL"; do
    name=${bin##*/}
    readelf -h "$bin" | grep -q 'Type: *DYN' || fail "$name is not PIE"
    readelf -d "$bin" | grep -q 'FLAGS_1.*PIE' || fail "$name: no PIE flag"
    readelf -d "$bin" | grep -Eq '\(FLAGS\).*BIND_NOW|FLAGS_1.*NOW' \
        || fail "$name: no BIND_NOW (-z now)"
    readelf -lW "$bin" | grep -q GNU_RELRO || fail "$name: no RELRO"
    readelf -lW "$bin" | grep GNU_STACK | grep -q ' RW ' \
        || fail "$name: executable stack"
done

# The daemon has arrays on its stack and string calls the compiler can
# check: -fstack-protector-strong and FORTIFY leave these imports.
syms=$(readelf --dyn-syms -W "$OPENRED")
echo "$syms" | grep -q '__stack_chk_fail' || fail "no stack protector"
if [ $fortify = yes ]; then
    echo "$syms" | grep -Eq '__[a-z]+_chk(@|$| )' || fail "no FORTIFY"
fi
echo ok
