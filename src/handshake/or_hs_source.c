/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Per-source counts of a worker's inbound connections: a chained hash on
 * the IP address, keyed by a random seed so that a peer cannot choose
 * addresses that share a chain, entries freed as their last connection
 * closes.
 */
#include "or_hs_source.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "or_hs_conn.h"

#define SOURCE_BUCKETS  1024        /* a power of two */

static size_t
source_key(const struct sockaddr *sa, unsigned char key[16])
{
    memset(key, 0, 16);
    if (sa->sa_family == AF_INET6) {
        memcpy(key, &((const struct sockaddr_in6 *) (const void *) sa)
               ->sin6_addr, 16);
        return 16;
    }
    memcpy(key, &((const struct sockaddr_in *) (const void *) sa)->sin_addr,
           4);
    return 4;
}

static size_t
source_hash(const or_hs_sources_t *t, const unsigned char key[16])
{
    uint64_t h = 1469598103934665603ULL ^ t->seed;

    for (int i = 0; i < 16; i++) {
        h = (h ^ key[i]) * 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t) h & t->mask;
}

or_hs_source_t *
or_hs_source_get(or_hs_sources_t *t, const struct sockaddr *sa)
{
    unsigned char   key[16];
    or_hs_source_t *s;
    size_t          b;

    if (t->buckets == NULL) {
        t->buckets = calloc(SOURCE_BUCKETS, sizeof(*t->buckets));
        if (t->buckets == NULL) {
            return NULL;
        }
        t->mask = SOURCE_BUCKETS - 1;
        if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK)
            != (ssize_t) sizeof(t->seed))
        {
            t->seed = (uint64_t) time(NULL) ^ ((uint64_t) getpid() << 32);
        }
    }
    (void) source_key(sa, key);
    b = source_hash(t, key);
    for (s = t->buckets[b]; s != NULL; s = s->next) {
        if (s->family == sa->sa_family && memcmp(s->addr, key, 16) == 0) {
            return s;
        }
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    memcpy(s->addr, key, 16);
    s->family = sa->sa_family;
    s->next = t->buckets[b];
    t->buckets[b] = s;
    t->count++;
    return s;
}

void
or_hs_source_put(or_hs_sources_t *t, or_hs_source_t *src)
{
    or_hs_source_t **pp;

    if (src == NULL || src->pending > 0 || src->sessions > 0
        || t->buckets == NULL)
    {
        return;
    }
    for (pp = &t->buckets[source_hash(t, src->addr)]; *pp != NULL;
         pp = &(*pp)->next)
    {
        if (*pp == src) {
            *pp = src->next;
            t->count--;
            free(src);
            return;
        }
    }
}

void
or_hs_source_add_pending(or_hs_source_t *src, or_hs_conn_t *hc)
{
    hc->src_prev = src->newest;
    hc->src_next = NULL;
    if (src->newest != NULL) {
        src->newest->src_next = hc;
    } else {
        src->oldest = hc;
    }
    src->newest = hc;
    src->pending++;
}

void
or_hs_source_del_pending(or_hs_source_t *src, or_hs_conn_t *hc)
{
    if (hc->src_prev != NULL) {
        hc->src_prev->src_next = hc->src_next;
    } else {
        src->oldest = hc->src_next;
    }
    if (hc->src_next != NULL) {
        hc->src_next->src_prev = hc->src_prev;
    } else {
        src->newest = hc->src_prev;
    }
    hc->src_prev = hc->src_next = NULL;
    src->pending--;
}

/* O(sources): run only when max_pending_handshakes is full. */
or_hs_source_t *
or_hs_source_busiest(const or_hs_sources_t *t)
{
    or_hs_source_t *best = NULL;

    for (size_t b = 0; t->buckets != NULL && b <= t->mask; b++) {
        for (or_hs_source_t *s = t->buckets[b]; s != NULL; s = s->next) {
            if (s->pending > 0 && (best == NULL || s->pending > best->pending))
            {
                best = s;
            }
        }
    }
    return best;
}

void
or_hs_sources_free(or_hs_sources_t *t)
{
    for (size_t b = 0; t->buckets != NULL && b <= t->mask; b++) {
        while (t->buckets[b] != NULL) {
            or_hs_source_t *s = t->buckets[b];

            t->buckets[b] = s->next;
            free(s);
        }
    }
    free(t->buckets);
    memset(t, 0, sizeof(*t));
}
