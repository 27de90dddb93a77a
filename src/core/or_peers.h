/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The peer table: what discovery heard, per node, in the "peers" shm zone,
 * so that auto-connect, the handshake and `openredctl peers` can read it
 * without including the discovery module. Keyed by (node index,
 * fingerprint), bounded by the node's max_peers (the stalest entry goes
 * when full), entries older than the node's expire are not returned.
 * Written by the discovery worker only; readers lock with or_peers_each().
 * Pure functions take `now` (s, wall clock) so tests inject the clock.
 */
#ifndef OR_PEERS_H_INCLUDED
#define OR_PEERS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "openred.h"
#include "or_err.h"
#include "or_limits.h"

typedef struct or_cycle_s     or_cycle_t;
typedef struct or_shm_zone_s  or_shm_zone_t;

#define OR_PEERS_ZONE      "peers"
#define OR_PEER_ADDR_LEN   46          /* INET6_ADDRSTRLEN */
#define OR_PEER_IFNAME_LEN 16          /* IF_NAMESIZE */
#define OR_PEER_ADDRS_MAX  4           /* addresses kept per peer */

/* One address a peer's beacons came from, and where we heard them. */
typedef struct {
    char      ip[OR_PEER_ADDR_LEN];           /* "" = free slot */
    char      ifname[OR_PEER_IFNAME_LEN];     /* arrival interface; "" =
                                                 a shared socket */
    uint32_t  ifindex;                        /* arrival; the scope of a
                                                 link-local address */
    int32_t   family;                         /* 4 or 6 */
    int64_t   last_seen;                      /* s, wall clock */
} or_peer_addr_t;

/* One discovered peer of one node (PROTOCOL-v2.md "Discovery beacons"). */
typedef struct {
    char      fingerprint[OR_FP_LEN + 1];     /* "" = free slot */
    char      sector[OR_V2_SECTOR_LEN_MAX + 1];
    char      services[OR_V2_SERVICES_MAX][OR_V2_SERVICE_LEN_MAX + 1];
    uint32_t  nservices;
    int64_t   activity_level;
    char      adv_ip[OR_V2_IP_LEN_MAX + 1];   /* advertised p2p_endpoint */
    uint16_t  adv_port;                       /* advertised; the dial port */
    char      source[OR_PEER_ADDR_LEN];       /* beacon source address */
    uint16_t  source_port;                    /* beacon source UDP port */
    int64_t   first_seen;                     /* s, wall clock */
    int64_t   last_seen;                      /* s, wall clock */
    uint64_t  beacons;                        /* beacons counted */
    char      node_hash[OR_NODE_HASH_LEN + 1];  /* changes when the peer
                                                   restarts */
    /* Kept by the table, not taken from beacons: a completed handshake
     * pinned the endpoint, and beacons from any other one cannot move
     * the entry (a spoofed beacon would send auto-connect elsewhere). */
    int32_t   confirmed;                      /* 1: pinned */
    char      confirmed_ip[OR_PEER_ADDR_LEN];
    uint16_t  confirmed_port;                 /* 0: any port of that ip */
    uint64_t  conflicts;                      /* beacons the pin refused */
    /* Listed by a verified v3 beacon (PROTOCOL.md v3 §11): a v2 beacon
     * then changes nothing (OR_PEER_V3_HELD); id is its full v3 id. */
    int32_t   v3;
    unsigned char id[32];
    /* Where the last beacon arrived (discovery sets them with source):
     * the interface ("" = a shared socket, which does not tell), its
     * index (the scope id a link-local source is dialled with) and the
     * family. The table keeps every address heard, the
     * OR_PEER_ADDRS_MAX heard last (PROTOCOL.md §11.4). */
    char      source_if[OR_PEER_IFNAME_LEN];
    uint32_t  source_ifindex;
    int32_t   source_family;                  /* 4 or 6; 0 = unknown */
    uint32_t  naddrs;
    or_peer_addr_t addrs[OR_PEER_ADDRS_MAX];
} or_peer_t;

/* The dial address: beacon source address with the advertised port
 * (the original advertises 127.0.0.1 whatever its host); the advertised
 * address only if the source was 0.0.0.0. A link-local IPv6 source is
 * dialled on the interface it was heard on (sin6_scope_id =
 * source_ifindex). OR_EPROTO if that is not an address or the port is
 * 0. */
__attribute__((warn_unused_result))
or_err_t or_peer_dial_addr(const or_peer_t *p, struct sockaddr_storage *sa,
    socklen_t *len);
/* The address part of that (borrowed from p). */
const char *or_peer_dial_ip(const or_peer_t *p);

/* ---- one node's table (pure; used by discovery and the unit tests) ---- */

typedef struct or_peer_table_s or_peer_table_t;

/* Bytes of a table of max_peers entries (index included). */
size_t or_peer_table_size(size_t max_peers);
/* Lays out a table in mem (or_peer_table_size(max_peers) bytes), empty. */
or_peer_table_t *or_peer_table_init(void *mem, size_t max_peers,
    int64_t expire, const char *node_id);

/* What an update did, so that discovery can publish peer_discovered
 * (every OR_PEER_NEW*) and peer_lost (the entry an update removed). */
typedef enum {
    OR_PEER_UPDATED = 0,        /* known, refreshed */
    OR_PEER_NEW,                /* added to a table with room */
    OR_PEER_NEW_EVICTED,        /* added; the stalest entry made room and
                                   is in *removed */
    OR_PEER_NEW_EXPIRED,        /* known but expired (not swept yet): its
                                   old entry went, in *removed, and it is
                                   listed anew */
    OR_PEER_RESTARTED,          /* known, but its node_hash changed: the
                                   peer restarted and lists no one yet */
    OR_PEER_CONFLICT,           /* confirmed elsewhere: nothing changed but
                                   the entry's conflicts counter */
    OR_PEER_V3_HELD             /* a v2 beacon for a peer a verified v3
                                   beacon listed: nothing changed */
} or_peer_update_t;

/* Adds or refreshes p (its fingerprint, sector, services, endpoint and
 * source; first_seen, last_seen and beacons are kept by the table).
 * removed (may be NULL) gets the entry the update took out, for
 * OR_PEER_NEW_EVICTED and OR_PEER_NEW_EXPIRED. */
or_peer_update_t or_peer_table_update(or_peer_table_t *t, const or_peer_t *p,
    int64_t now, or_peer_t *removed);
/*
 * A handshake with fp completed with a peer at ip (text) and port (the one
 * we dialled; 0 for an inbound one, whose listening port we do not learn):
 * pins the live entry's endpoint there (and points it there if it pointed
 * elsewhere). Beacons from another endpoint then count as conflicts until
 * the entry expires. 1 if fp was listed.
 */
int or_peer_table_confirm(or_peer_table_t *t, const char *fp,
    const char *ip, uint16_t port, int64_t now);
/* Notes p's source (address, interface) in the live entry of
 * p->fingerprint without touching anything else: the same beacon heard
 * again on another path (PROTOCOL.md §11.4). 1 if it is listed. */
int or_peer_table_add_addr(or_peer_table_t *t, const or_peer_t *p,
    int64_t now);
/* Removes fp's entry at once (a verified v3 GOODBYE); 1 and *removed
 * (may be NULL) filled if it was listed. */
int or_peer_table_remove(or_peer_table_t *t, const char *fp,
    or_peer_t *removed);
/* Removes the entries not heard for expire s; calls lost (may be NULL)
 * with each before it goes. Returns how many went. */
size_t or_peer_table_expire(or_peer_table_t *t, int64_t now,
    void (*lost)(const or_peer_t *p, void *data), void *data);
/* Live entries (not expired at now); copy into out when found. */
int or_peer_table_find(const or_peer_table_t *t, const char *fp,
    int64_t now, or_peer_t *out);
size_t or_peer_table_count(const or_peer_table_t *t, int64_t now);
/* Calls cb for each live entry until it returns nonzero. */
typedef int (*or_peers_each_pt)(const or_peer_t *p, void *data);
void or_peer_table_each(const or_peer_table_t *t, int64_t now,
    or_peers_each_pt cb, void *data);

/* ---- counters (per discovery socket and per node) ---- */

#define OR_PEERS_NODES_MAX    64
#define OR_PEERS_SOCKETS_MAX  64

typedef struct {
    uint64_t  received;               /* datagrams read */
    uint64_t  opened;                 /* opened with some passphrase */
    uint64_t  refused[OR_R_LAST];     /* by or_reason_t of the last key */
    uint64_t  own;                    /* our own nodes' beacons */
    uint64_t  early;                  /* early beacons sent */
    uint64_t  v3_received;            /* v3 beacons read (PROTOCOL.md §11) */
    uint64_t  v3_verified;            /* ... that passed every check */
} or_peers_sock_stats_t;

typedef struct {
    uint64_t  sent;                   /* beacons sent */
    uint64_t  send_failed;
    uint64_t  listed;                 /* peers newly listed */
    uint64_t  lost;                   /* peers expired */
    uint64_t  evicted;                /* stalest entries dropped when full */
    uint64_t  filtered;               /* beacons the node filter refused */
    uint64_t  conflicts;              /* beacons that would move a
                                         confirmed peer */
    uint64_t  v3_sent;                /* v3 beacons sent (all types) */
    uint64_t  v3_held;                /* v2 beacons for a v3-listed peer */
    uint64_t  goodbyes;               /* peers removed by their GOODBYE */
} or_peers_node_stats_t;

/* ---- the zone (all nodes of a cycle) ---- */

/* What the zone holds for each node of a cycle, by node index; the
 * discovery module fills it from its settings (max_peers, expire). */
typedef struct {
    size_t    max_peers;
    int64_t   expire;               /* s */
} or_peers_node_conf_t;

/* Master (init_master): declares the zone for the cycle's nodes (conf has
 * cycle->nnodes rows, at most OR_PEERS_NODES_MAX). A reload keeps it when
 * the size is unchanged; the discovery worker then clears the tables whose
 * node moved (or_peers_zone_attach). */
__attribute__((warn_unused_result))
or_err_t or_peers_zone_add(or_cycle_t *cycle,
    const or_peers_node_conf_t *conf);
/* Borrowed; valid while the cycle lives. NULL without the zone. */
or_shm_zone_t *or_peers_zone(or_cycle_t *cycle);

/* Discovery worker at start: lays the zone out for the cycle's nodes,
 * keeping each table whose node id, max_peers and expire are unchanged
 * and resetting the others. Until then readers see no peers. */
void or_peers_zone_attach(or_cycle_t *cycle,
    const or_peers_node_conf_t *conf);

/* Locked helpers over the zone; node is the node's index in the cycle.
 * Callbacks run with the zone locked: copy, never block or call back. */
void or_peers_each(or_cycle_t *cycle, size_t node, int64_t now,
    or_peers_each_pt cb, void *data);
/* 1 and *out filled if node's filter refused fp's last beacon (alive at
 * now, remembered as long as a listed peer would be), else 0. So that the
 * handshake can refuse an inbound request from a peer the filter hid. */
int or_peers_find_refused(or_cycle_t *cycle, size_t node, const char *fp,
    int64_t now, or_peer_t *out);
/* The refused peers of node (borrowed; lock the zone yourself), or NULL;
 * discovery writes there what the node's filter refused. */
or_peer_table_t *or_peers_refused_table(or_cycle_t *cycle, size_t node);
/* or_peer_table_confirm on node's table, locked (the handshake worker). */
int or_peers_confirm(or_cycle_t *cycle, size_t node, const char *fp,
    const char *ip, uint16_t port, int64_t now);
/* 1 and *out filled if node lists fp (alive at now), else 0. */
int or_peers_find(or_cycle_t *cycle, size_t node, const char *fp,
    int64_t now, or_peer_t *out);

/* The table of node inside the zone (borrowed; lock the zone yourself),
 * or NULL without the zone. */
or_peer_table_t *or_peers_table(or_cycle_t *cycle, size_t node);
or_peers_node_stats_t *or_peers_node_stats(or_cycle_t *cycle, size_t node);
or_peers_sock_stats_t *or_peers_sock_stats(or_cycle_t *cycle, size_t sock);

/* For `openredctl peers`: {"peers": [...], "truncated": bool, "nodes":
 * [per node counters], "sockets": [nsocks socket counters]}, the peers of
 * node id (NULL: every node), at most max of them. *reply is new (owned
 * by the caller) on OR_OK; err says why on failure. */
typedef struct json_t json_t;
__attribute__((warn_unused_result))
or_err_t or_peers_json(or_cycle_t *cycle, const char *node, size_t nsocks,
    size_t max, int64_t now, json_t **reply, char *err, size_t errlen);

/* For `status`: {"nodes": [per node counters], "sockets": [nsocks socket
 * counters]}, the same objects as or_peers_json() gives; a new value, or
 * NULL (no zone, out of memory). */
json_t *or_peers_stats_json(or_cycle_t *cycle, size_t nsocks, int64_t now);

#endif /* OR_PEERS_H_INCLUDED */
