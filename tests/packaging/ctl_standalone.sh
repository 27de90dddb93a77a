#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# openredctl links libopenred and src/ctl only (issue 14): no PCRE2 in
# ldd, no daemon function (handshake, sessions, peers, config loader,
# cycle) in nm. A ctl file that includes a src/core header does not even
# compile: auto/rules.mk builds src/ctl without -Isrc/core.
#   tests/packaging/ctl_standalone.sh [BINARY]   (default objs/openredctl)
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/objs/openredctl}

if ldd "$bin" | grep -q pcre2; then
    echo "ctl_standalone: $bin links PCRE2" >&2
    exit 1
fi
prefixes='or_hs_|or_session|or_peer|or_conf_|or_cycle|or_module|or_worker'
prefixes="$prefixes|or_event_|or_log_"
daemon=$(nm "$bin" | awk '{ print $NF }' | grep -E "^($prefixes)" || true)
if [ -n "$daemon" ]; then
    echo "ctl_standalone: $bin holds daemon code:" $daemon >&2
    exit 1
fi
echo "ctl_standalone: $(nm "$bin" | grep -c ' T or_') functions," \
     "no daemon code, no PCRE2: ok"
