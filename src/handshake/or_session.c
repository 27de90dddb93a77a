/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The session table in shared memory: dense slots handed out from a free
 * stack, and an open-addressing index on (node, fingerprint) so that a
 * handshake looks at a few buckets under the zone lock, not every slot.
 */
#include "or_session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "or_hash.h"
#include "or_shm.h"

#define SESSION_MAGIC  0x6f727373u      /* "orss" */

_Static_assert(OR_SR_LAST <= OR_R_LAST + 24, "or_session_table_t.refused "
               "has no room for every refusal reason");

const char *
or_session_reason_name(int reason)
{
    static const char *const ours[] = {
        "replay", "timeout", "limit", "filtered", "self", "closed_early",
        "duplicate", "sessions_full", "busy", "idle", "evicted",
        "source_limit", "dropped", "rate_dropped", "flood", "v2_refused",
        "v3_downgrade"
    };

    if (reason >= OR_R_LAST && reason < OR_SR_LAST) {
        return ours[reason - OR_R_LAST];
    }
    return or_reason_name((or_reason_t) reason);
}

/* ---- layout ---- */

size_t
or_session_table_size(size_t max)
{
    return sizeof(or_session_table_t) + max * sizeof(or_session_t)
           + max * sizeof(uint32_t) + or_hash_index_slots(max) * sizeof(uint32_t);
}

static uint32_t *
free_of(const or_session_table_t *t)
{
    return (uint32_t *) (void *) ((char *) t->slots
                                  + t->max * sizeof(or_session_t));
}

static uint32_t *
index_of(const or_session_table_t *t)
{
    return free_of(t) + t->max;
}

void
or_session_table_init(or_session_table_t *t, size_t max, uint64_t seed)
{
    memset(t, 0, sizeof(*t));
    t->max = (uint32_t) max;
    t->mask = (uint32_t) (or_hash_index_slots(max) - 1);
    t->seed = seed;
    t->magic = SESSION_MAGIC;
}

/* FNV-1a over the keyed fingerprint and node, then a 64-bit finalizer:
 * FNV alone leaves the low bits (the bucket) poorly mixed. The seed keeps
 * a peer from choosing keys that pile into one bucket run. */
static uint64_t
session_hash(const or_session_table_t *t, const char *node, const char *peer)
{
    uint64_t h = 1469598103934665603ULL ^ t->seed;

    for (; *peer != '\0'; peer++) {
        h = (h ^ (unsigned char) *peer) * 1099511628211ULL;
    }
    h = (h ^ 0xffu) * 1099511628211ULL;
    for (; *node != '\0'; node++) {
        h = (h ^ (unsigned char) *node) * 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static size_t
home_of(const or_session_table_t *t, const or_session_t *s)
{
    return (size_t) (session_hash(t, s->node, s->peer) & t->mask);
}

/* ---- lookups ---- */

/* An entry never lies more than OR_SESSION_PROBE buckets past its home,
 * with no empty bucket between (inserts are bounded, deletion only moves
 * entries back), so a lookup stops at the first empty bucket or there. */
int
or_session_find(const or_session_table_t *t, const char *node,
    const char *peer)
{
    const uint32_t *ix = index_of(t);
    size_t          i = (size_t) (session_hash(t, node, peer) & t->mask);

    for (int n = 0; n < OR_SESSION_PROBE && ix[i] != 0; n++) {
        const or_session_t *s = &t->slots[ix[i] - 1];

        if (strcmp(s->peer, peer) == 0 && strcmp(s->node, node) == 0) {
            return (int) (ix[i] - 1);
        }
        i = (i + 1) & t->mask;
    }
    return -1;
}

int
or_session_add(or_session_table_t *t, const or_session_t *s, uint64_t *id)
{
    uint32_t *ix = index_of(t);
    size_t    i = home_of(t, s);
    uint32_t  slot;
    int       n;

    if (t->used == t->max) {
        return -1;
    }
    for (n = 0; n < OR_SESSION_PROBE && ix[i] != 0; n++) {
        i = (i + 1) & t->mask;
    }
    if (n == OR_SESSION_PROBE) {
        return -2;
    }
    slot = t->nfree > 0 ? free_of(t)[--t->nfree] : t->top++;
    t->slots[slot] = *s;
    t->slots[slot].id = ++t->next_id;
    ix[i] = slot + 1;
    t->used++;
    *id = t->slots[slot].id;
    return (int) slot;
}

void
or_session_add_error(const or_session_table_t *t, int rc, char *buf,
    size_t len)
{
    if (rc == -2) {
        snprintf(buf, len, "session table index crowded: no free bucket "
                 "within %d of the peer's (%u of max_sessions %u used)",
                 OR_SESSION_PROBE, t->used, t->max);
    } else {
        snprintf(buf, len, "session table full: %u of max_sessions %u used",
                 t->used, t->max);
    }
}

/* ---- removal ---- */

/* Empties the bucket of slot and shifts the run after it back, so that
 * no tombstones build up (as in or_peers.c). */
static void
unindex(or_session_table_t *t, uint32_t slot)
{
    uint32_t *ix = index_of(t);
    size_t    i = home_of(t, &t->slots[slot]), j, home;
    int       n;

    for (n = 0; n < OR_SESSION_PROBE && ix[i] != slot + 1; n++) {
        i = (i + 1) & t->mask;
    }
    if (n == OR_SESSION_PROBE) {
        return;                         /* not indexed: nothing to undo */
    }
    ix[i] = 0;
    for (j = i;;) {
        j = (j + 1) & t->mask;
        if (ix[j] == 0) {
            break;
        }
        home = home_of(t, &t->slots[ix[j] - 1]);
        /* Leave ix[j] if its home lies cyclically in (i, j]. */
        if ((i <= j) ? (i < home && home <= j) : (i < home || home <= j)) {
            continue;
        }
        ix[i] = ix[j];
        ix[j] = 0;
        i = j;
    }
}

static void
drop(or_session_table_t *t, uint32_t slot)
{
    unindex(t, slot);
    memset(&t->slots[slot], 0, sizeof(t->slots[slot]));
    free_of(t)[t->nfree++] = slot;
    t->used--;
}

void
or_session_remove(or_session_table_t *t, int idx, uint64_t id)
{
    if (idx >= 0 && (uint32_t) idx < t->top && id != 0
        && t->slots[idx].id == id)
    {
        drop(t, (uint32_t) idx);
    }
}

size_t
or_session_count(const or_session_table_t *t, const char *node, int dir)
{
    size_t n = 0;

    for (uint32_t i = 0; i < t->top; i++) {
        const or_session_t *s = &t->slots[i];

        if (s->id != 0 && strcmp(s->node, node) == 0
            && (dir < 0 || s->direction == dir))
        {
            n++;
        }
    }
    return n;
}

void
or_session_purge_pid(or_session_table_t *t, pid_t pid)
{
    for (uint32_t i = 0; i < t->top; i++) {
        if (t->slots[i].id != 0 && t->slots[i].pid == pid) {
            drop(t, i);
        }
    }
}

/* ---- the zone ---- */

or_err_t
or_session_zone_add(or_cycle_t *cycle, size_t max)
{
    if (max == 0 || max > OR_SESSIONS_LIMIT) {
        return OR_ECONF;
    }
    return or_shm_zone_add(cycle, OR_SESSION_ZONE,
                           or_session_table_size(max), NULL)
           ? OR_OK : OR_ENOMEM;
}

or_shm_zone_t *
or_session_zone(or_cycle_t *cycle)
{
    return or_shm_zone_find(cycle, OR_SESSION_ZONE);
}

/* A zone is kept across a reload only with the same size, and the size
 * grows with max: so a table already set up has this max, and a fresh
 * zone is zeroed memory that needs only its header. */
or_err_t
or_session_zone_attach(or_shm_zone_t *zone, size_t max)
{
    or_session_table_t *t = or_shm_addr(zone);
    uint64_t            seed;
    or_err_t            rc = OR_OK;

    if (t == NULL || or_shm_size(zone) != or_session_table_size(max)) {
        return OR_ECONF;
    }
    or_shm_lock(zone);
    if (t->magic != SESSION_MAGIC) {
        if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK)
            != (ssize_t) sizeof(seed))
        {
            seed = (uint64_t) time(NULL) * 6364136223846793005ULL
                   ^ (uint64_t) getpid();
        }
        or_session_table_init(t, max, seed);
    } else if (t->max != max) {
        rc = OR_ECONF;
    }
    or_shm_unlock(zone);
    return rc;
}
