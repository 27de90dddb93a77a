/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * What a node does with a beacon it heard, and what a change to its peer
 * table means. The node's filter comes first (a refused peer is
 * remembered beside the listed ones, so that the handshake refuses it
 * inbound too), then the table, which will not let an unverified beacon
 * move a peer a handshake confirmed. Each listing, restart, expiry and
 * eviction is counted, logged with the peer as context, and published in
 * the core's event ring (peer_discovered, peer_lost) for `openredctl
 * watch`. Runs in the discovery worker.
 */
#include "or_discovery_peers.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "or_cycle.h"
#include "or_discovery.h"
#include "or_evring.h"
#include "or_log.h"
#include "or_shm.h"

#define OR_PEER_ENDPOINT_LEN  (OR_PEER_ADDR_LEN + OR_PEER_IFNAME_LEN + 10)

/* "ip:port"; IPv6 "[ip]:port", a link-local one with the interface it
 * was heard on, "[fe80::1%eth0]:port" */
static void
endpoint(const or_peer_t *p, const char *ip, char *buf, size_t len)
{
    if (strchr(ip, ':') == NULL) {
        snprintf(buf, len, "%s:%u", ip, (unsigned) p->adv_port);
    } else if (strncmp(ip, "fe80:", 5) == 0 && p->source_if[0] != '\0') {
        snprintf(buf, len, "[%s%%%s]:%u", ip, p->source_if,
                 (unsigned) p->adv_port);
    } else {
        snprintf(buf, len, "[%s]:%u", ip, (unsigned) p->adv_port);
    }
}

/* The context of a line about peer p of node: its beacon's source
 * address with the advertised port; addr holds the text. */
static or_log_ctx_t
peer_log(or_cycle_t *cycle, size_t node, const or_peer_t *p, char *addr,
    size_t len)
{
    endpoint(p, p->source, addr, len);
    return OR_LOG_CTX(cycle->log, cycle->nodes[node].id, addr);
}

/* peer_discovered / peer_lost in the core's event ring (openredctl
 * watch): the node, the peer's fingerprint, and as fields its dial
 * address and sector; reason says why a peer was lost. */
static void
publish_peer(or_cycle_t *cycle, or_evt_type_t type, size_t node,
    const or_peer_t *p, const char *reason)
{
    char    addr[OR_PEER_ENDPOINT_LEN];
    json_t *o;
    char   *text = NULL;

    endpoint(p, or_peer_dial_ip(p), addr, sizeof(addr));
    o = json_pack("{s:s, s:s}", "address", addr, "sector", p->sector);
    if (o != NULL) {
        text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
    }
    or_evring_publish(cycle, type, cycle->nodes[node].id, p->fingerprint,
                      reason, text, text ? strlen(text) : 0);
    free(text);
}

static void
lost_expired(or_cycle_t *cycle, size_t node, const or_peer_t *p,
    int64_t now)
{
    char         reason[64], addr[OR_PEER_ENDPOINT_LEN];
    or_log_ctx_t lc = peer_log(cycle, node, p, addr, sizeof(addr));

    or_peers_node_stats(cycle, node)->lost++;
    snprintf(reason, sizeof(reason), "expired: not heard for %lld s",
             (long long) (now - p->last_seen));
    or_log_ctx_ratelimited(&lc, OR_LOG_INFO, "peer lost", 0,
                           "peer lost: %s, %s", p->fingerprint,
                           reason + sizeof("expired:")); /* not heard ... */
    publish_peer(cycle, OR_EVT_PEER_LOST, node, p, reason);
}

/* What an update took out of the table (its entry was copied under the
 * lock): lost, by expiry or to make room. */
static void
node_removed(or_cycle_t *cycle, size_t i, or_peer_update_t r,
    const or_peer_t *removed, int64_t now, int64_t max_peers)
{
    or_peers_node_stats_t *ns = or_peers_node_stats(cycle, i);
    char                   reason[64], addr[OR_PEER_ENDPOINT_LEN];
    or_log_ctx_t           lc;

    if (r == OR_PEER_NEW_EXPIRED) {
        lost_expired(cycle, i, removed, now);
        return;
    }
    if (r != OR_PEER_NEW_EVICTED) {
        return;
    }
    ns->evicted++;
    snprintf(reason, sizeof(reason), "evicted: table full (max_peers %lld)",
             (long long) max_peers);
    lc = peer_log(cycle, i, removed, addr, sizeof(addr));
    or_log_ctx_ratelimited(&lc, OR_LOG_INFO, "peer lost", 0,
                           "peer lost: %s, %s", removed->fingerprint,
                           reason);
    publish_peer(cycle, OR_EVT_PEER_LOST, i, removed, reason);
}

/* counted always, logged at info at most once per gap (peer-caused) */
static void
hear_conflict(or_cycle_t *cycle, size_t i, const or_peer_t *p, int64_t now,
    or_discovery_gap_t *gap)
{
    or_peers_node_stats_t *ns = or_peers_node_stats(cycle, i);
    char                   addr[OR_PEER_ENDPOINT_LEN];
    or_log_ctx_t           lc;

    if (ns != NULL) {
        ns->conflicts++;
    }
    if (now < gap->next) {
        gap->held++;
        return;
    }
    lc = peer_log(cycle, i, p, addr, sizeof(addr));
    or_log_ctx_error(&lc, OR_LOG_INFO, 0, "beacon refused: it would move "
                     "confirmed peer %s (%llu other conflicts not logged in "
                     "the last %d s)", p->fingerprint,
                     (unsigned long long) gap->held, OR_DISCOVERY_LOG_GAP_S);
    gap->next = now + OR_DISCOVERY_LOG_GAP_S;
    gap->held = 0;
}

/* into the listed table, or the refused one; under the zone's lock */
static or_peer_update_t
hear_update(or_cycle_t *cycle, size_t i, const or_peer_t *p, int refused,
    int64_t now, or_peer_t *removed)
{
    or_shm_zone_t    *z = or_peers_zone(cycle);
    or_peer_table_t  *t;
    or_peer_update_t  r = OR_PEER_UPDATED;

    or_shm_lock(z);
    t = refused ? or_peers_refused_table(cycle, i) : or_peers_table(cycle, i);
    if (t != NULL) {
        r = or_peer_table_update(t, p, now, removed);
    }
    or_shm_unlock(z);
    return r;
}

int
or_discovery_hear(or_cycle_t *cycle, size_t i, const or_v2_beacon_t *b,
    const or_peer_t *p, int64_t now, int64_t max_peers,
    or_discovery_gap_t *gap)
{
    or_node_t              *node = &cycle->nodes[i];
    or_peers_node_stats_t  *ns = or_peers_node_stats(cycle, i);
    const char             *sv[OR_V2_SERVICES_MAX];
    or_peer_update_t        r;
    or_peer_t               removed;
    or_log_ctx_t            lc;
    char                    sector[OR_PRINTABLE_MAX(OR_V2_SECTOR_LEN_MAX)];
    char                    addr[OR_PEER_ENDPOINT_LEN];

    for (size_t k = 0; k < b->nservices; k++) {
        sv[k] = b->services[k];
    }
    if (node->filter != NULL
        && !node->filter(node, b->sector, sv, b->nservices))
    {
        ns->filtered++;
        (void) hear_update(cycle, i, p, 1, now, NULL);
        return 0;
    }
    r = hear_update(cycle, i, p, 0, now, &removed);
    if (r == OR_PEER_UPDATED) {
        return 0;
    }
    if (r == OR_PEER_CONFLICT) {
        hear_conflict(cycle, i, p, now, gap);
        return 0;
    }
    if (r == OR_PEER_V3_HELD) {
        ns->v3_held++;          /* counted; the v3 beacons say the rest */
        return 0;
    }
    lc = peer_log(cycle, i, p, addr, sizeof(addr));
    if (r == OR_PEER_RESTARTED) {
        /* it lists no one yet: answer early rather than at our interval */
        or_log_ctx_ratelimited(&lc, OR_LOG_INFO, "peer restarted", 0,
                               "peer restarted: %s", p->fingerprint);
        return 1;
    }
    node_removed(cycle, i, r, &removed, now, max_peers);
    ns->listed++;
    or_log_ctx_ratelimited(&lc, OR_LOG_INFO, "peer discovered", 0,
                           "peer discovered: %s, sector \"%s\"",
                           p->fingerprint,
                           or_printable(b->sector, strlen(b->sector), sector,
                                        sizeof(sector), OR_PRINTABLE_QUOTED));
    publish_peer(cycle, OR_EVT_PEER_DISCOVERED, i, p, NULL);
    return 1;
}

typedef struct {
    or_cycle_t  *cycle;
    size_t       node;
    int64_t      now;           /* s, wall clock */
} lost_ctx_t;

/* Runs with the peers zone locked; the event ring's lock is taken inside
 * it (always in that order: the ring's lock is a leaf). */
static void
peer_lost(const or_peer_t *p, void *data)
{
    lost_ctx_t *lc = data;

    lost_expired(lc->cycle, lc->node, p, lc->now);
}

void
or_discovery_sweep(or_cycle_t *cycle, int64_t now)
{
    or_shm_zone_t *z = or_peers_zone(cycle);

    for (size_t i = 0; i < cycle->nnodes; i++) {
        lost_ctx_t lc = { cycle, i, now };

        or_shm_lock(z);
        if (or_peers_table(cycle, i) != NULL) {
            (void) or_peer_table_expire(or_peers_table(cycle, i), now,
                                        peer_lost, &lc);
        }
        or_shm_unlock(z);
    }
}

int
or_discovery_goodbye(or_cycle_t *cycle, size_t i, const char *fp)
{
    or_shm_zone_t   *z = or_peers_zone(cycle);
    or_peer_table_t *t;
    or_peer_t        removed;
    or_log_ctx_t     lc;
    char             addr[OR_PEER_ENDPOINT_LEN];
    int              gone = 0;

    or_shm_lock(z);
    t = or_peers_table(cycle, i);
    if (t != NULL) {
        gone = or_peer_table_remove(t, fp, &removed);
    }
    t = or_peers_refused_table(cycle, i);
    if (t != NULL) {
        (void) or_peer_table_remove(t, fp, NULL);
    }
    or_shm_unlock(z);
    if (!gone) {
        return 0;
    }
    or_peers_node_stats(cycle, i)->goodbyes++;
    lc = peer_log(cycle, i, &removed, addr, sizeof(addr));
    or_log_ctx_ratelimited(&lc, OR_LOG_INFO, "peer lost", 0,
                           "peer lost: %s, goodbye", removed.fingerprint);
    publish_peer(cycle, OR_EVT_PEER_LOST, i, &removed, "goodbye");
    return 1;
}

int
or_discovery_also_at(or_cycle_t *cycle, size_t i, const or_peer_t *p,
    int64_t now)
{
    or_shm_zone_t *z = or_peers_zone(cycle);
    int            listed = 0;

    if (z == NULL) {
        return 0;
    }
    or_shm_lock(z);
    if (or_peers_table(cycle, i) != NULL) {
        listed = or_peer_table_add_addr(or_peers_table(cycle, i), p, now);
    }
    or_shm_unlock(z);
    return listed;
}
