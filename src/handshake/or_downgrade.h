/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * No downgrade to v2 (docs/PROTOCOL.md v3 §6.2, §6.3): a node's protocol
 * policy (protocol.accept_v2, protocol.min_version) and the seen-v3 set
 * (or_seen_v3.h) decide whether v2 may be spoken with a peer, inbound and
 * outbound, and a dial without an id becomes v3 to a peer in the set.
 */
#ifndef OR_DOWNGRADE_H_INCLUDED
#define OR_DOWNGRADE_H_INCLUDED

#include <stddef.h>

typedef struct or_hs_s  or_hs_t;

/* 0 if node may speak v2 with fp, else the refusal (OR_SR_V2_REFUSED by
 * policy, OR_SR_DOWNGRADE for a peer in seen-v3, whose v2 fingerprint
 * could be a 64-bit prefix collision or a stripping attacker) */
int or_downgrade_v2_refused(or_hs_t *hs, size_t node, const char *fp);

/* A dial of fp without an id: 1 and the id if fp is in seen-v3 (dial v3) */
int or_downgrade_v3_id(or_hs_t *hs, const char *fp, unsigned char *id);

#endif /* OR_DOWNGRADE_H_INCLUDED */
