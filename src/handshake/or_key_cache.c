/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The peer key cache (or_key_cache.h): a hash table of chains over the
 * digest, and a doubly linked list in use order for the eviction. The
 * digest is SHA-256 of bytes a peer chose, so its first bytes are as
 * good as a keyed hash: a peer cannot aim at one chain without a
 * preimage. The whole 32 bytes are compared.
 */
#include "or_key_cache.h"

#include <stdlib.h>
#include <string.h>

typedef struct kc_entry_s  kc_entry_t;

struct kc_entry_s {
    kc_entry_t     *chain;           /* same bucket */
    kc_entry_t     *newer;           /* use order */
    kc_entry_t     *older;
    or_pubkey_t    *pk;              /* one reference */
    unsigned char   md[OR_KEY_CACHE_MD_LEN];
};

struct or_key_cache_s {
    kc_entry_t    **buckets;         /* owned; mask + 1 */
    size_t          mask;
    kc_entry_t     *newest;
    kc_entry_t     *oldest;
    size_t          count;
    size_t          max;
    uint64_t        hits;
    uint64_t        misses;
    uint64_t        evictions;
};

or_err_t
or_key_cache_new(size_t max, or_key_cache_t **out)
{
    or_key_cache_t *kc = calloc(1, sizeof(*kc));
    size_t          n = 16;

    if (kc == NULL) {
        return OR_ENOMEM;
    }
    /* a load of at most 1 per bucket when full */
    while (n < max && n < ((size_t) 1 << 30)) {
        n *= 2;
    }
    kc->buckets = calloc(n, sizeof(*kc->buckets));
    if (kc->buckets == NULL) {
        free(kc);
        return OR_ENOMEM;
    }
    kc->mask = n - 1;
    kc->max = max;
    *out = kc;
    return OR_OK;
}

static kc_entry_t **
kc_slot(or_key_cache_t *kc, const unsigned char *md)
{
    uint64_t      h;
    kc_entry_t  **pp;

    memcpy(&h, md, sizeof(h));
    for (pp = &kc->buckets[h & kc->mask]; *pp != NULL; pp = &(*pp)->chain) {
        if (memcmp((*pp)->md, md, OR_KEY_CACHE_MD_LEN) == 0) {
            break;
        }
    }
    return pp;
}

static void
kc_unlink_use(or_key_cache_t *kc, kc_entry_t *e)
{
    if (e->newer != NULL) {
        e->newer->older = e->older;
    } else {
        kc->newest = e->older;
    }
    if (e->older != NULL) {
        e->older->newer = e->newer;
    } else {
        kc->oldest = e->newer;
    }
    e->newer = e->older = NULL;
}

static void
kc_push_newest(or_key_cache_t *kc, kc_entry_t *e)
{
    e->older = kc->newest;
    e->newer = NULL;
    if (kc->newest != NULL) {
        kc->newest->newer = e;
    } else {
        kc->oldest = e;
    }
    kc->newest = e;
}

static void
kc_evict(or_key_cache_t *kc, kc_entry_t *e)
{
    kc_entry_t **pp = kc_slot(kc, e->md);

    *pp = e->chain;
    kc_unlink_use(kc, e);
    or_pubkey_free(e->pk);
    free(e);
    kc->count--;
}

void
or_key_cache_free(or_key_cache_t *kc)
{
    if (kc == NULL) {
        return;
    }
    while (kc->oldest != NULL) {
        kc_evict(kc, kc->oldest);
    }
    free(kc->buckets);
    free(kc);
}

or_pubkey_t *
or_key_cache_find(or_key_cache_t *kc, const unsigned char *sha256)
{
    kc_entry_t *e = *kc_slot(kc, sha256);

    if (e == NULL) {
        kc->misses++;
        return NULL;
    }
    kc->hits++;
    if (kc->newest != e) {
        kc_unlink_use(kc, e);
        kc_push_newest(kc, e);
    }
    return or_pubkey_ref(e->pk);
}

void
or_key_cache_add(or_key_cache_t *kc, const unsigned char *sha256,
    or_pubkey_t *pk)
{
    kc_entry_t **pp, *e;

    if (kc->max == 0 || *(pp = kc_slot(kc, sha256)) != NULL) {
        return;
    }
    e = malloc(sizeof(*e));
    if (e == NULL) {
        return;
    }
    if (kc->count >= kc->max) {
        kc_evict(kc, kc->oldest);
        kc->evictions++;
        pp = kc_slot(kc, sha256);     /* the chain may have changed */
    }
    memcpy(e->md, sha256, OR_KEY_CACHE_MD_LEN);
    e->pk = or_pubkey_ref(pk);
    e->chain = NULL;
    *pp = e;
    kc_push_newest(kc, e);
    kc->count++;
}

void
or_key_cache_stats(const or_key_cache_t *kc, or_key_cache_stats_t *st)
{
    st->hits = kc->hits;
    st->misses = kc->misses;
    st->evictions = kc->evictions;
    st->count = kc->count;
    st->max = kc->max;
}

static or_pubkey_t *
kc_hook_find(void *data, const unsigned char *sha256)
{
    return or_key_cache_find(data, sha256);
}

static void
kc_hook_add(void *data, const unsigned char *sha256, or_pubkey_t *pk)
{
    or_key_cache_add(data, sha256, pk);
}

void
or_key_cache_hooks(or_key_cache_t *kc, or_pubkey_cache_t *hooks)
{
    hooks->find = kc_hook_find;
    hooks->add = kc_hook_add;
    hooks->data = kc;
}
