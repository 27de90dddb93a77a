/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The discovery worker's side of the peer table (or_peers.h): an opened
 * beacon offered to a node (its filter, the pinned peers, the listing),
 * and the expiry sweep; each change is counted, logged and published as
 * a watch event (or_evring.h).
 */
#ifndef OR_DISCOVERY_PEERS_H_INCLUDED
#define OR_DISCOVERY_PEERS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "openred.h"
#include "or_peers.h"

typedef struct or_cycle_s or_cycle_t;

#define OR_DISCOVERY_LOG_GAP_S  10  /* s: peer trouble, one line per gap */

/* A rate-limited log line: the next time one may be written, and how
 * many were held back since the last. */
typedef struct {
    int64_t   next;         /* s, wall clock */
    uint64_t  held;
} or_discovery_gap_t;

/*
 * Offers an opened beacon b (as peer entry p) to node i, which keeps
 * max_peers entries. What the node's filter refuses is counted and
 * remembered beside its peers (the handshake refuses it inbound); a
 * beacon that would move a peer a handshake confirmed changes nothing
 * (counted, logged through gap); else the peer is refreshed or listed
 * (peer_discovered; an entry the listing removed is peer_lost). 1 if the
 * node listed a new peer or the peer restarted (answer with an early
 * beacon), else 0.
 */
int or_discovery_hear(or_cycle_t *cycle, size_t i, const or_v2_beacon_t *b,
    const or_peer_t *p, int64_t now, int64_t max_peers,
    or_discovery_gap_t *gap);

/* A verified v3 GOODBYE from fp: node i's entry goes now (peer_lost,
 * "goodbye"), and its refused one too. 1 if fp was listed. */
int or_discovery_goodbye(or_cycle_t *cycle, size_t i, const char *fp);

/* The same verified v3 beacon heard again on another socket (IPv4 and
 * IPv6, another interface): node i's entry of p notes p's source among
 * its addresses, nothing else changes. 1 if p is listed. */
int or_discovery_also_at(or_cycle_t *cycle, size_t i, const or_peer_t *p,
    int64_t now);

/* Removes every node's entries not heard for its expire s (peer_lost,
 * "expired: not heard for N s"). Takes the peers zone's lock; the event
 * ring's lock is taken inside it (always in that order). */
void or_discovery_sweep(or_cycle_t *cycle, int64_t now);

#endif /* OR_DISCOVERY_PEERS_H_INCLUDED */
