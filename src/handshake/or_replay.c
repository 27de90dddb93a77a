/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The replay cache. Requests live in open addressing over OR_REPLAY_SLOTS
 * (a probe of OR_REPLAY_PROBE slots from the key); a slot whose request is
 * out of the window (ts + window < now) is free, since the time check
 * refuses that request already. A key is SHA-256 of the signature as an
 * integer, so no re-encoding of a request is a new key.
 *
 * When a probe holds only live requests, one of them must be forgotten.
 * There is no global floor: raising one to the forgotten request's
 * timestamp let an attacker who signed its own requests at now + window
 * refuse every genuine request as a replay (issue 16). Instead:
 *  - the victim is a request of the requester with the most requests in
 *    the probe (the busiest source), its oldest; so a flood evicts itself
 *    first;
 *  - the victim's requester gets a floor of its own (OR_REPLAY_FLOORS
 *    records, same probing): its requests at or below the forgotten
 *    timestamp are refused. Only that requester's own replays and
 *    requests as old as one already forgotten are refused, never anyone
 *    else's; a requester whose clock moves forward never meets its floor;
 *  - a genuine replay is always caught while inside the window: it is
 *    still in the table, or its requester's floor is at or above it;
 *  - if no floor record can be kept for any candidate, nothing is
 *    forgotten and the new request is refused as busy (OR_AGAIN), not as
 *    a replay. That takes OR_REPLAY_SLOTS live requests and
 *    OR_REPLAY_FLOORS distinct forgotten requesters within one window.
 */
#include "or_replay.h"

#include <string.h>

#include <openssl/evp.h>

or_err_t
or_replay_key(const unsigned char *sig, size_t siglen,
    unsigned char key[OR_REPLAY_KEY_LEN])
{
    unsigned char  padded[OR_SIG_MAX];

    if (siglen > OR_SIG_MAX) {
        return OR_EPROTO;
    }
    memset(padded, 0, OR_SIG_MAX - siglen);
    memcpy(padded + OR_SIG_MAX - siglen, sig, siglen);
    if (!EVP_Digest(padded, sizeof(padded), key, NULL, EVP_sha256(), NULL)) {
        return OR_ECRYPTO;
    }
    return OR_OK;
}

/* the first slot looked at: from the key, which is canonical */
static uint64_t
key_hash(const unsigned char key[OR_REPLAY_KEY_LEN])
{
    uint64_t  h;

    memcpy(&h, key, sizeof(h));
    return h;
}

/* FNV-1a over a fingerprint: the floor record's slot, not a secret */
static uint64_t
fp_hash(const char fp[OR_FP_LEN])
{
    uint64_t  h = 1469598103934665603ULL;

    for (size_t i = 0; i < OR_FP_LEN; i++) {
        h ^= (unsigned char) fp[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* fp's live floor record; else, if want_free, a free one (fp not set);
 * NULL if neither */
static or_replay_floor_t *
floor_find(or_replay_t *rc, const char fp[OR_FP_LEN], int64_t now,
    int want_free)
{
    uint64_t           h = fp_hash(fp);
    or_replay_floor_t *f, *free_rec = NULL;

    for (size_t i = 0; i < OR_REPLAY_PROBE; i++) {
        f = &rc->floors[(h + i) % OR_REPLAY_FLOORS];
        if (f->expires <= now) {
            if (free_rec == NULL) {
                free_rec = f;
            }
        } else if (memcmp(f->fp, fp, OR_FP_LEN) == 0) {
            return f;
        }
    }
    return want_free ? free_rec : NULL;
}

/* requests of s's requester among the live slots of the probe */
static size_t
probe_count(or_replay_slot_t *const *live, size_t nlive,
    const or_replay_slot_t *s)
{
    size_t n = 0;

    for (size_t i = 0; i < nlive; i++) {
        n += memcmp(live[i]->fp, s->fp, OR_FP_LEN) == 0;
    }
    return n;
}

/*
 * Forgets one live request of the probe, busiest requester first, oldest
 * first within it, whose requester can keep a floor; returns its slot, or
 * NULL if none can (busy).
 */
static or_replay_slot_t *
evict(or_replay_t *rc, or_replay_slot_t **live, size_t nlive, int64_t now,
    int64_t window)
{
    size_t              count[OR_REPLAY_PROBE], best;
    or_replay_slot_t   *v;
    or_replay_floor_t  *f;

    for (size_t i = 0; i < nlive; i++) {
        count[i] = probe_count(live, nlive, live[i]);
    }
    /* at most nlive rounds: each takes the best candidate left out */
    for (size_t round = 0; round < nlive; round++) {
        best = nlive;
        for (size_t i = 0; i < nlive; i++) {
            if (live[i] == NULL) {
                continue;
            }
            if (best == nlive || count[i] > count[best]
                || (count[i] == count[best] && live[i]->ts < live[best]->ts))
            {
                best = i;
            }
        }
        v = live[best];
        f = floor_find(rc, v->fp, now, 1);
        if (f == NULL) {
            live[best] = NULL;          /* its requester has no room */
            continue;
        }
        if (f->expires <= now) {
            memcpy(f->fp, v->fp, OR_FP_LEN);
            f->floor = v->ts;
        } else if (v->ts > f->floor) {
            f->floor = v->ts;
        }
        f->expires = f->floor + window + 1;
        rc->evicted++;
        return v;
    }
    return NULL;
}

or_err_t
or_replay_check_add(or_replay_t *rc,
    const unsigned char key[OR_REPLAY_KEY_LEN], const char *fp, int64_t ts,
    int64_t now, int64_t window)
{
    uint64_t            h = key_hash(key);
    or_replay_slot_t   *free_slot = NULL, *live[OR_REPLAY_PROBE], *s;
    or_replay_floor_t  *f;
    size_t              nlive = 0;

    f = floor_find(rc, fp, now, 0);
    if (f != NULL && ts <= f->floor) {
        return OR_EAUTH;
    }
    /* the whole probe: a free slot may sit before the request's own */
    for (size_t i = 0; i < OR_REPLAY_PROBE; i++) {
        s = &rc->slots[(h + i) % OR_REPLAY_SLOTS];
        if (s->expires <= now) {
            if (free_slot == NULL) {
                free_slot = s;
            }
            continue;
        }
        if (memcmp(s->key, key, OR_REPLAY_KEY_LEN) == 0) {
            return OR_EAUTH;
        }
        live[nlive++] = s;
    }
    if (free_slot == NULL) {
        free_slot = evict(rc, live, nlive, now, window);
        if (free_slot == NULL) {
            rc->busy++;
            return OR_AGAIN;
        }
    }
    free_slot->expires = ts + window + 1 > now ? ts + window + 1 : now + 1;
    free_slot->ts = ts;
    memcpy(free_slot->fp, fp, OR_FP_LEN);
    memcpy(free_slot->key, key, OR_REPLAY_KEY_LEN);
    return OR_OK;
}
