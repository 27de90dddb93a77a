#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Every source file under git names its licence (an SPDX line in its first
# lines), LICENSE is BSD-2-Clause, and debian/copyright (DEP-5) says the
# same. Run by .ci/package.
set -eu
cd "$(dirname "$0")/../.."
fail() { echo "licence: $*" >&2; exit 1; }

grep -q '^BSD 2-Clause License' LICENSE || fail "LICENSE is not BSD-2-Clause"
grep -q '^License: BSD-2-Clause' debian/copyright \
    || fail "debian/copyright names no BSD-2-Clause licence"
missing=$(git ls-files '*.c' '*.h' '*.sh' '*.py' '*.mk' configure 'auto/*' \
              '.ci/*' \
          | while read -r f; do
                head -n 4 "$f" | grep -q 'SPDX-License-Identifier: BSD-2-Clause' \
                    || echo "$f"
            done)
[ -z "$missing" ] || fail "no SPDX line in: $(echo $missing)"
echo "licence: $(git ls-files '*.c' '*.h' '*.sh' '*.py' | wc -l) files, BSD-2-Clause: ok"
