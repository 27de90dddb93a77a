/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The peer keys one worker has imported, by the SHA-256 of the PEM bytes
 * a request carried: a peer that comes back skips the PEM import and its
 * canonical check (or_pubkey_import), which the same bytes passed before.
 * Bounded: past max keys the least recently used goes. Per worker, so no
 * lock; a key is shared by reference (or_pubkey_ref) with the handshakes
 * using it.
 */
#ifndef OR_KEY_CACHE_H_INCLUDED
#define OR_KEY_CACHE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "openred.h"
#include "or_err.h"

#define OR_KEY_CACHE_MD_LEN  32          /* SHA-256 */

typedef struct or_key_cache_s  or_key_cache_t;

typedef struct {
    uint64_t  hits;
    uint64_t  misses;
    uint64_t  evictions;
    size_t    count;                     /* keys held */
    size_t    max;
} or_key_cache_stats_t;

/* A cache of at most max keys (0: keeps none; every find misses). */
__attribute__((warn_unused_result))
or_err_t or_key_cache_new(size_t max, or_key_cache_t **out);
/* Drops the cache's references; keys still used elsewhere live on. */
void or_key_cache_free(or_key_cache_t *kc);

/* A reference of the caller's own to the key whose PEM hashes to
 * sha256, or NULL. A hit becomes the most recently used. */
or_pubkey_t *or_key_cache_find(or_key_cache_t *kc,
    const unsigned char *sha256);
/* Keeps a reference to pk under sha256 (the SHA-256 of its PEM),
 * evicting the least recently used past the bound. Nothing if it is
 * already there or out of memory (a cache may forget). */
void or_key_cache_add(or_key_cache_t *kc, const unsigned char *sha256,
    or_pubkey_t *pk);

void or_key_cache_stats(const or_key_cache_t *kc, or_key_cache_stats_t *st);
/* The hooks or_v2_request_check_cached takes, bound to kc. */
void or_key_cache_hooks(or_key_cache_t *kc, or_pubkey_cache_t *hooks);

#endif /* OR_KEY_CACHE_H_INCLUDED */
