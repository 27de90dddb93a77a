#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# The bash completions source cleanly, register themselves and complete
# from the binaries' own usage: `openredctl sta` to status, `openredctl pe`
# to peers, every command of the table in src/ctl/openredctl.c, and
# `openred -s re` to the -s names of the signals table.
#
#   tests/packaging/completion.sh [COMPLETION_DIR [BIN_DIR...]]
#
# Defaults: contrib/bash-completion and objs (after make). build-deb.sh
# runs it on the extracted package.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dir=${1:-contrib/bash-completion}
[ $# -gt 0 ] && shift
bins=${*:-objs}
path=$(echo $bins | tr ' ' ':'):$PATH

fail() { echo "completion: FAILED: $*" >&2; exit 1; }

# complete NAME WORD...: COMPREPLY, sorted, for the last WORD
complete() {
    name=$1; shift
    PATH=$path bash -c '
        . "$1/$2" || exit 1
        shift 2
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        "_$(basename "${COMP_WORDS[0]}")"
        printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
        sh "$dir" "$name" "$@"
}

for name in openred openredctl; do
    got=$(bash -c ". '$dir/$name' && complete -p $name") \
        || fail "$dir/$name does not source"
    [ "$got" = "complete -F _$name $name" ] \
        || fail "$dir/$name registers \"$got\""
done

check() {
    want=$1; shift
    got=$(complete "$@")
    [ "$got" = "$want" ] || fail "$* completes to \"$got\", not \"$want\""
}
check "status stop " openredctl openredctl st
check "status " openredctl openredctl sta
check "peers " openredctl openredctl pe
check "--node " openredctl openredctl send --
check "generate " openredctl openredctl -S /x key g
check "--node --stats " openredctl openredctl peers --
check "reload reopen " openred openred -s re

# every command of the table, and only those
table=$(sed -n 's/^    { "\([a-z_-]*\)", or_ctl_.*/\1/p' src/ctl/openredctl.c \
        | sort | tr '\n' ' ')
[ -n "$table" ] || fail "no command table found in src/ctl/openredctl.c"
check "$table" openredctl openredctl ""
signals=$(sed -n 's/^    { SIG[A-Z0-9]*, *"\([a-z]*\)".*/\1/p' \
          src/core/or_process.c | sort | tr '\n' ' ')
[ -n "$signals" ] || fail "no signals table found in src/core/or_process.c"
check "$signals" openred openred -s ""
case $(complete openred openred -) in
    *"-T "*"-g "*|*"-g "*"-T "*) ;;
    *) fail "openred - does not offer -T and -g" ;;
esac
echo "completion: openred and openredctl: ok"
