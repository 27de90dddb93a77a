/*
 * Auto-connect: for each node with auto_connect, the discovered peers
 * that pass its filter are dialled at beacon source + advertised port
 * while the node holds fewer than max_connections sessions and dials.
 */
#include "or_autoconnect.h"

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

/* Never itself or a sibling, never a peer in backoff, being dialled or
 * already in a session with this node (either direction). */
static int
auto_may_dial(or_autoconnect_t *ac, size_t node, const char *peer)
{
    or_session_table_t *t = or_shm_addr(ac->hs->sessions);
    ac_backoff_t       *b = backoff_slot(ac, node, peer, 0);
    int                 have;

    for (size_t i = 0; i < ac->hs->nnodes; i++) {
        if (strcmp(ac->hs->nodes[i].fp, peer) == 0) {
            return 0;
        }
    }
    if (b != NULL && b->not_before > (int64_t) time(NULL)) {
        return 0;
    }
    if (or_hs_dialling(ac->hs, node, peer)) {
        return 0;
    }
    or_shm_lock(ac->hs->sessions);
    have = or_session_find(t, ac->hs->nodes[node].id, peer) >= 0;
    or_shm_unlock(ac->hs->sessions);
    return !have;
}

#define OR_AUTO_CANDIDATES  32

typedef struct {
    const or_node_t  *node;
    size_t            n;
    or_peer_t         p[OR_AUTO_CANDIDATES];
} ac_candidates_t;

/* Runs with the peers zone locked: copy only. */
static int
auto_collect(const or_peer_t *p, void *data)
{
    ac_candidates_t   *c = data;
    const char        *svc[OR_V2_SERVICES_MAX];

    for (uint32_t i = 0; i < p->nservices && i < OR_V2_SERVICES_MAX; i++) {
        svc[i] = p->services[i];
    }
    if (c->node->filter != NULL
        && !c->node->filter(c->node, p->sector, svc, p->nservices))
    {
        return 0;
    }
    c->p[c->n++] = *p;
    return c->n == OR_AUTO_CANDIDATES;
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

static void
auto_node(or_autoconnect_t *ac, size_t node)
{
    or_cycle_t              *cycle = ac->hs->cycle;
    ac_candidates_t         *c = malloc(sizeof(*c));
    struct sockaddr_storage  sa;
    socklen_t                salen;
    size_t                   held = auto_held(ac, node);
    size_t                   max = ac->hs->nodes[node].max_connections;

    if (c == NULL || held >= max) {
        free(c);
        return;
    }
    c->node = &cycle->nodes[node];
    c->n = 0;
    or_peers_each(cycle, node, (int64_t) time(NULL), auto_collect, c);
    for (size_t i = 0; i < c->n && held < max; i++) {
        const char *fp = c->p[i].fingerprint;

        if (!auto_may_dial(ac, node, fp)
            || or_peer_dial_addr(&c->p[i], &sa, &salen) != OR_OK)
        {
            continue;
        }
        if (or_hs_dial(ac->hs, node, (struct sockaddr *) &sa, salen, fp)
            == OR_OK)
        {
            held++;
        } else {
            or_autoconnect_dial_done(ac->hs, node, fp, 0, ac);
        }
    }
    free(c);
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
