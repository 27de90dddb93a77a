/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * No downgrade to v2 (or_downgrade.h). v2 signs a fixed string, so no v2
 * field can say "I speak v3": the defence is policy and memory. Once an
 * id is in seen-v3, a v2 handshake claiming its fingerprint is refused
 * before anything is recorded, and a dial to it is v3.
 */
#include "or_downgrade.h"

#include "or_hs.h"
#include "or_seen_v3.h"
#include "or_session.h"

int
or_downgrade_v2_refused(or_hs_t *hs, size_t node, const char *fp)
{
    if (hs->nodes[node].v3_only) {
        return OR_SR_V2_REFUSED;
    }
    if (or_seen_v3_find_fp(hs->cycle, fp, NULL)) {
        return OR_SR_DOWNGRADE;
    }
    return 0;
}

int
or_downgrade_v3_id(or_hs_t *hs, const char *fp, unsigned char *id)
{
    return or_seen_v3_find_fp(hs->cycle, fp, id);
}
