/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The watch event ring: fixed slots indexed by seq modulo OR_EVENTS_MAX,
 * in its own shm zone so that discovery and the handshake publish without
 * knowing each other.
 */
#include "or_evring.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "or_shm.h"

void
or_evring_push(or_evring_t *r, const or_evt_t *ev)
{
    or_evlane_t *l = &r->lane[ev->type != OR_EVT_MESSAGE];
    or_evt_t    *slot;

    r->last++;
    slot = &l->ring[l->pushed++ % OR_EVENTS_MAX];
    *slot = *ev;
    slot->seq = r->last;
}

/* Index (in pushed order) of the lane's first kept event after since. */
static uint64_t
lane_first(const or_evlane_t *l, uint64_t since)
{
    uint64_t i = l->pushed > OR_EVENTS_MAX ? l->pushed - OR_EVENTS_MAX : 0;

    while (i < l->pushed && l->ring[i % OR_EVENTS_MAX].seq <= since) {
        i++;
    }
    return i;
}

/* The two lanes merged by seq. Every seq is in one lane, so what is
 * neither returned nor still kept after since was overwritten. */
void
or_evring_read(const or_evring_t *r, uint64_t since, or_evt_t *out,
    size_t max, size_t *n, uint64_t *missed)
{
    uint64_t i[2], kept;

    *n = 0;
    *missed = 0;
    if (since >= r->last) {
        return;
    }
    i[0] = lane_first(&r->lane[0], since);
    i[1] = lane_first(&r->lane[1], since);
    kept = (r->lane[0].pushed - i[0]) + (r->lane[1].pushed - i[1]);
    *missed = r->last - since - kept;
    while (*n < max && (i[0] < r->lane[0].pushed
                        || i[1] < r->lane[1].pushed))
    {
        const or_evt_t *a = i[0] < r->lane[0].pushed
                            ? &r->lane[0].ring[i[0] % OR_EVENTS_MAX] : NULL;
        const or_evt_t *b = i[1] < r->lane[1].pushed
                            ? &r->lane[1].ring[i[1] % OR_EVENTS_MAX] : NULL;
        int             k = a == NULL || (b != NULL && b->seq < a->seq);

        out[(*n)++] = k ? *b : *a;
        i[k]++;
    }
}

or_err_t
or_evring_zone_add(or_cycle_t *cycle)
{
    return or_shm_zone_add(cycle, OR_EVRING_ZONE, sizeof(or_evring_t), NULL)
           ? OR_OK : OR_ENOMEM;
}

static void
copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

void
or_evring_publish(or_cycle_t *cycle, or_evt_type_t type, const char *node,
    const char *peer, const char *detail, const char *text, size_t textlen)
{
    or_shm_zone_t *zone = or_shm_zone_find(cycle, OR_EVRING_ZONE);
    or_evring_t   *r = zone ? or_shm_addr(zone) : NULL;
    or_evt_t       ev;

    if (r == NULL) {
        return;
    }
    memset(&ev, 0, offsetof(or_evt_t, text));
    ev.time = (int64_t) time(NULL);
    ev.type = (int) type;
    copy_str(ev.node, sizeof(ev.node), node);
    copy_str(ev.peer, sizeof(ev.peer), peer);
    copy_str(ev.detail, sizeof(ev.detail), detail);
    if (text != NULL) {
        ev.truncated = textlen > sizeof(ev.text);
        ev.textlen = ev.truncated ? sizeof(ev.text) : textlen;
        memcpy(ev.text, text, ev.textlen);
    }
    or_shm_lock(zone);
    or_evring_push(r, &ev);
    or_shm_unlock(zone);
}

or_err_t
or_evring_fetch(or_cycle_t *cycle, uint64_t since, or_evt_t *out, size_t max,
    size_t *n, uint64_t *missed, uint64_t *last)
{
    or_shm_zone_t *zone = or_shm_zone_find(cycle, OR_EVRING_ZONE);
    or_evring_t   *r = zone ? or_shm_addr(zone) : NULL;

    if (r == NULL) {
        return OR_ERROR;
    }
    or_shm_lock(zone);
    or_evring_read(r, since, out, max, n, missed);
    *last = r->last;
    or_shm_unlock(zone);
    return OR_OK;
}

const char *
or_evt_type_name(int type)
{
    static const char *const names[] = {
        "unknown", "peer_discovered", "peer_lost", "session_established",
        "session_closed", "message", "handshake_failed"
    };

    return type > 0 && (size_t) type < sizeof(names) / sizeof(names[0])
           ? names[type] : names[0];
}
