/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Static peers (worker 0): a node's `peers = ( { address = "host:port";
 * id = "..."; } )` are dialled and kept with no discovery, through
 * auto-connect's dial and backoff. A 64-hex id dials v3 and the handshake
 * proves the peer holds that key; a 16-hex fingerprint dials v2. Host
 * names resolve with getaddrinfo_a(), whose thread only writes an eventfd
 * that the worker's loop reads: the loop never blocks on a lookup.
 */
#ifndef OR_STATIC_PEERS_H_INCLUDED
#define OR_STATIC_PEERS_H_INCLUDED

#include <jansson.h>

#include "or_conf.h"
#include "or_err.h"

#define OR_STATIC_PEERS_MAX   16     /* per node */
#define OR_STATIC_RESOLVE_S   300    /* a host name is looked up again */

typedef struct or_hs_s            or_hs_t;
typedef struct or_autoconnect_s   or_autoconnect_t;
typedef struct or_static_peers_s  or_static_peers_t;

/* postconf: the entries of node's peers, each error at its own line */
void or_static_peers_check(or_conf_report_t *rep, const or_node_t *node,
    const or_conf_records_t *peers);

/* lists[i]: node i's peers (borrowed from the cycle). Arms the first
 * round in hs's loop; *out is NULL when no node has a static peer. */
__attribute__((warn_unused_result))
or_err_t or_static_peers_new(or_hs_t *hs, or_autoconnect_t *ac,
    const or_conf_records_t *const *lists, or_static_peers_t **out);
void or_static_peers_stop(or_static_peers_t *sp);
void or_static_peers_free(or_static_peers_t *sp);

/* One round now: resolve what needs it, dial what is missing. */
void or_static_peers_round(or_static_peers_t *sp);

/* status: { node: [ { address, id, resolved, session, dials }, ... ] } */
json_t *or_static_peers_status(or_static_peers_t *sp);

#endif /* OR_STATIC_PEERS_H_INCLUDED */
