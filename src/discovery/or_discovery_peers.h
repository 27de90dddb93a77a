/*
 * The discovery worker's side of the peer table (or_peers.h): an opened
 * beacon offered to a node, and the expiry sweep; each change is counted,
 * logged and published as a watch event (or_evring.h).
 */
#ifndef OR_DISCOVERY_PEERS_H_INCLUDED
#define OR_DISCOVERY_PEERS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "openred.h"
#include "or_peers.h"

typedef struct or_cycle_s or_cycle_t;

/* Offers beacon b (as peer entry p) to node i, which keeps max_peers
 * entries: filtered, refreshed, or listed (peer_discovered; an entry it
 * removed is peer_lost). 1 if the node listed a new peer or the peer
 * restarted (answer with an early beacon), else 0. */
int or_discovery_hears(or_cycle_t *cycle, size_t i, const or_v2_beacon_t *b,
    const or_peer_t *p, int64_t now, int64_t max_peers);

/* Removes every node's entries not heard for its expire s (peer_lost,
 * "expired: not heard for N s"). Takes the peers zone's lock; the event
 * ring's lock is taken inside it (always in that order). */
void or_discovery_sweep(or_cycle_t *cycle, int64_t now);

#endif /* OR_DISCOVERY_PEERS_H_INCLUDED */
