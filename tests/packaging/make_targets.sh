#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Every target of the generated top-level Makefile that is also the name of
# a file or directory in the tree (bench/) must still reach objs/Makefile.
# Run from a configured tree: tests/packaging/make_targets.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
[ -f Makefile ] && [ -f objs/Makefile ] || { echo "skip: run ./configure first"; exit 77; }
failed=0
for t in bench; do
    [ -e "$t" ] || continue
    if ! make -n "$t" 2>&1 | grep -q -- "-f objs/Makefile $t"; then
        echo "FAIL: 'make $t' does not reach objs/Makefile (./$t exists)"
        failed=1
    fi
done
[ "$failed" = 0 ] && echo "make targets: ok"
exit "$failed"
