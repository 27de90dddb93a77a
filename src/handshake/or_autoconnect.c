/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Auto-connect: for each node with auto_connect, the discovered peers
 * that pass its filter are dialled at beacon source + advertised port
 * while the node holds fewer than max_connections sessions and dials.
 */
#include "or_autoconnect.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_hs.h"
#include "or_peers.h"
#include "or_session.h"
#include "or_shm.h"

/* The backoff after a failed dial (doubles up to the maximum). */
#define OR_BACKOFF_MIN_S      5
#define OR_BACKOFF_MAX_S      300
#define OR_BACKOFF_SLOTS      256

typedef struct {
    char     peer[OR_FP_LEN + 1];
    size_t   node;
    int64_t  not_before;      /* s, wall clock */
    int64_t  delay;           /* s, next backoff */
} ac_backoff_t;

struct or_autoconnect_s {
    or_hs_t       *hs;        /* borrowed */
    ac_backoff_t   backoff[OR_BACKOFF_SLOTS];
    /* per node: the rank, among the peers that may be dialled, where the
     * next round starts, so that every round does not favour the same */
    size_t         start[OR_PEERS_NODES_MAX];
};

or_err_t
or_autoconnect_new(or_hs_t *hs, or_autoconnect_t **out)
{
    or_autoconnect_t *ac = calloc(1, sizeof(*ac));

    if (ac == NULL) {
        return OR_ENOMEM;
    }
    ac->hs = hs;
    *out = ac;
    return OR_OK;
}

void
or_autoconnect_free(or_autoconnect_t *ac)
{
    free(ac);
}

static ac_backoff_t *
backoff_slot(or_autoconnect_t *ac, size_t node, const char *peer, int create)
{
    ac_backoff_t *free_slot = NULL, *oldest = NULL;

    for (size_t i = 0; i < OR_BACKOFF_SLOTS; i++) {
        ac_backoff_t *b = &ac->backoff[i];

        if (b->peer[0] == '\0') {
            free_slot = free_slot ? free_slot : b;
            continue;
        }
        if (b->node == node && strcmp(b->peer, peer) == 0) {
            return b;
        }
        if (oldest == NULL || b->not_before < oldest->not_before) {
            oldest = b;
        }
    }
    if (!create) {
        return NULL;
    }
    free_slot = free_slot ? free_slot : oldest;
    memset(free_slot, 0, sizeof(*free_slot));
    snprintf(free_slot->peer, sizeof(free_slot->peer), "%s", peer);
    free_slot->node = node;
    return free_slot;
}

void
or_autoconnect_dial_done(or_hs_t *hs, size_t node, const char *peer,
    int ok, void *data)
{
    or_autoconnect_t *ac = data;
    ac_backoff_t     *b = backoff_slot(ac, node, peer, !ok);

    (void) hs;
    if (b == NULL) {
        return;
    }
    if (ok) {
        memset(b, 0, sizeof(*b));
        return;
    }
    b->delay = b->delay ? b->delay * 2 : OR_BACKOFF_MIN_S;
    if (b->delay > OR_BACKOFF_MAX_S) {
        b->delay = OR_BACKOFF_MAX_S;
    }
    b->not_before = (int64_t) time(NULL) + b->delay;
}

static int
auto_own(or_autoconnect_t *ac, const char *peer)
{
    for (size_t i = 0; i < ac->hs->nnodes; i++) {
        if (strcmp(ac->hs->nodes[i].fp, peer) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
auto_backed_off(or_autoconnect_t *ac, size_t node, const char *peer,
    int64_t now)
{
    ac_backoff_t *b = backoff_slot(ac, node, peer, 0);

    return b != NULL && b->not_before > now;
}

/* Not being dialled, not in a session with this node (either way). */
static int
auto_may_dial(or_autoconnect_t *ac, size_t node, const char *peer)
{
    or_session_table_t *t = or_shm_addr(ac->hs->sessions);
    int                 have;

    if (or_hs_dialling(ac->hs, node, peer)) {
        return 0;
    }
    or_shm_lock(ac->hs->sessions);
    have = or_session_find(t, ac->hs->nodes[node].id, peer) >= 0;
    or_shm_unlock(ac->hs->sessions);
    return !have;
}

typedef struct {
    or_autoconnect_t  *ac;
    size_t             node;
    int64_t            now;
    size_t             rank;    /* eligible peers met so far this pass */
    size_t             from;    /* keep ranks in [from, to) */
    size_t             to;
    size_t             last;    /* rank of the last one kept + 1 */
    or_peer_t         *out;
    size_t             n, max;
} ac_pick_t;

/* Runs with the peers zone locked: local checks and a copy only. The
 * checks come before the cut at max, so no number of backed-off (forged)
 * peers ahead of a peer in the table keeps it out (issue 16). */
static int
auto_collect(const or_peer_t *p, void *data)
{
    ac_pick_t         *c = data;
    const or_node_t   *node = c->ac->hs->nodes[c->node].node;
    const char        *svc[OR_V2_SERVICES_MAX];

    for (uint32_t i = 0; i < p->nservices && i < OR_V2_SERVICES_MAX; i++) {
        svc[i] = p->services[i];
    }
    if ((node->filter != NULL
         && !node->filter(node, p->sector, svc, p->nservices))
        || auto_own(c->ac, p->fingerprint)
        || auto_backed_off(c->ac, c->node, p->fingerprint, c->now))
    {
        return 0;
    }
    if (c->rank >= c->from && c->rank < c->to && c->n < c->max) {
        c->out[c->n++] = *p;
        c->last = c->rank + 1;
    }
    c->rank++;
    return 0;
}

size_t
or_autoconnect_pick(or_autoconnect_t *ac, size_t node,
    const or_peer_table_t *t, int64_t now, or_peer_t *out, size_t max)
{
    ac_pick_t  c = { ac, node, now, 0, 0, SIZE_MAX, 0, out, 0, max };
    size_t    *start = &ac->start[node < OR_PEERS_NODES_MAX ? node : 0];
    size_t     total;

    /* from the rotating start to the end, then from the top to it */
    c.from = *start;
    or_peer_table_each(t, now, auto_collect, &c);
    total = c.rank;
    if (c.n < max && c.from > 0) {
        c.rank = 0;
        c.from = 0;
        c.to = *start;
        or_peer_table_each(t, now, auto_collect, &c);
    }
    *start = total == 0 ? 0 : c.last % total;
    return c.n;
}

static size_t
auto_held(or_autoconnect_t *ac, size_t node)
{
    or_session_table_t *t = or_shm_addr(ac->hs->sessions);
    size_t              n;

    or_shm_lock(ac->hs->sessions);
    n = or_session_count(t, ac->hs->nodes[node].id, -1);
    or_shm_unlock(ac->hs->sessions);
    /* dials in progress count too, so max_connections is not passed */
    return n + or_hs_dial_count(ac->hs, node);
}

or_err_t
or_autoconnect_dial(or_autoconnect_t *ac, size_t node,
    const struct sockaddr *sa, socklen_t salen, const char *fp,
    const unsigned char *id)
{
    or_peer_t  p;

    if (auto_own(ac, fp)
        || auto_backed_off(ac, node, fp, (int64_t) time(NULL))
        || !auto_may_dial(ac, node, fp))
    {
        return OR_AGAIN;
    }
    /* v3 to a peer known to speak it (PROTOCOL.md v3 §6.3): its verified
     * v3 beacon listed it with its full id */
    if (id == NULL
        && or_peers_find(ac->hs->cycle, node, fp, (int64_t) time(NULL), &p)
        && p.v3)
    {
        id = p.id;
    }
    if (or_hs_dial_v3(ac->hs, node, sa, salen, fp, id) != OR_OK) {
        or_autoconnect_dial_done(ac->hs, node, fp, 0, ac);
        return OR_ERROR;
    }
    return OR_OK;
}

static void
auto_node(or_autoconnect_t *ac, size_t node)
{
    or_cycle_t              *cycle = ac->hs->cycle;
    or_shm_zone_t           *z = or_peers_zone(cycle);
    or_peer_t               *p = malloc(OR_AUTO_CANDIDATES * sizeof(*p));
    struct sockaddr_storage  sa;
    socklen_t                salen;
    size_t                   held = auto_held(ac, node), n = 0;
    size_t                   max = ac->hs->nodes[node].max_connections;

    if (p == NULL || z == NULL || or_shm_addr(z) == NULL || held >= max) {
        free(p);
        return;
    }
    or_shm_lock(z);
    if (or_peers_table(cycle, node) != NULL) {
        n = or_autoconnect_pick(ac, node, or_peers_table(cycle, node),
                                (int64_t) time(NULL), p, OR_AUTO_CANDIDATES);
    }
    or_shm_unlock(z);
    for (size_t i = 0; i < n && held < max; i++) {
        const char *fp = p[i].fingerprint;

        if (!auto_may_dial(ac, node, fp)
            || or_peer_dial_addr(&p[i], &sa, &salen) != OR_OK)
        {
            continue;
        }
        /* a failed dial is backed off inside */
        if (or_autoconnect_dial(ac, node, (struct sockaddr *) &sa, salen, fp,
                                p[i].v3 ? p[i].id : NULL) == OR_OK)
        {
            held++;
        }
    }
    free(p);
}

void
or_autoconnect_round(or_autoconnect_t *ac)
{
    for (size_t i = 0; i < ac->hs->nnodes; i++) {
        if (ac->hs->nodes[i].auto_connect) {
            auto_node(ac, i);
        }
    }
}

