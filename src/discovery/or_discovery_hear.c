/*
 * What a node does with a beacon it heard (worker 0): its filter first
 * (a refused peer is remembered beside the listed ones, so that the
 * handshake refuses it inbound too), then the peer table, which will not
 * let an unverified beacon move a peer a handshake confirmed.
 */
#include "or_discovery.h"

#include <string.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_log.h"
#include "or_shm.h"

/* counted always, logged at info at most once per gap (peer-caused) */
static void
hear_conflict(or_cycle_t *cycle, size_t i, const or_peer_t *p, int64_t now,
    or_discovery_gap_t *gap)
{
    or_peers_node_stats_t *ns = or_peers_node_stats(cycle, i);

    if (ns != NULL) {
        ns->conflicts++;
    }
    if (now < gap->next) {
        gap->held++;
        return;
    }
    or_log_error(cycle->log, OR_LOG_INFO, 0, "beacon refused: it would "
                 "move confirmed peer %s (%llu other conflicts not logged in "
                 "the last %d s), node: %s, peer: %s:%u", p->fingerprint,
                 (unsigned long long) gap->held, OR_DISCOVERY_LOG_GAP_S,
                 cycle->nodes[i].id, p->source, (unsigned) p->adv_port);
    gap->next = now + OR_DISCOVERY_LOG_GAP_S;
    gap->held = 0;
}

/* into the listed table, or the refused one; under the zone's lock */
static or_peer_update_t
hear_update(or_cycle_t *cycle, size_t i, const or_peer_t *p, int refused,
    int64_t now)
{
    or_shm_zone_t    *z = or_peers_zone(cycle);
    or_peer_table_t  *t;
    or_peer_update_t  r = OR_PEER_UPDATED;

    or_shm_lock(z);
    t = refused ? or_peers_refused_table(cycle, i) : or_peers_table(cycle, i);
    if (t != NULL) {
        r = or_peer_table_update(t, p, now, NULL);
    }
    or_shm_unlock(z);
    return r;
}

int
or_discovery_hear(or_cycle_t *cycle, size_t i, const or_v2_beacon_t *b,
    const or_peer_t *p, int64_t now, or_discovery_gap_t *gap)
{
    or_node_t              *node = &cycle->nodes[i];
    or_peers_node_stats_t  *ns = or_peers_node_stats(cycle, i);
    const char             *sv[OR_V2_SERVICES_MAX];
    or_peer_update_t        r;
    char                    sector[OR_PRINTABLE_MAX(OR_V2_SECTOR_LEN_MAX)];

    for (size_t k = 0; k < b->nservices; k++) {
        sv[k] = b->services[k];
    }
    if (node->filter != NULL
        && !node->filter(node, b->sector, sv, b->nservices))
    {
        ns->filtered++;
        (void) hear_update(cycle, i, p, 1, now);
        return 0;
    }
    r = hear_update(cycle, i, p, 0, now);
    if (r == OR_PEER_UPDATED) {
        return 0;
    }
    if (r == OR_PEER_CONFLICT) {
        hear_conflict(cycle, i, p, now, gap);
        return 0;
    }
    if (r == OR_PEER_RESTARTED) {
        /* it lists no one yet: answer early rather than at our interval */
        or_log_error(cycle->log, OR_LOG_INFO, 0, "peer restarted: %s, "
                     "node: %s, peer: %s:%u", p->fingerprint, node->id,
                     p->source, (unsigned) p->adv_port);
        return 1;
    }
    ns->listed++;
    ns->evicted += r == OR_PEER_NEW_EVICTED;
    or_log_error(cycle->log, OR_LOG_INFO, 0, "peer discovered: %s, "
                 "sector \"%s\", node: %s, peer: %s:%u", p->fingerprint,
                 or_printable(b->sector, strlen(b->sector), sector,
                              sizeof(sector), OR_PRINTABLE_QUOTED),
                 node->id, p->source, (unsigned) p->adv_port);
    return 1;
}
