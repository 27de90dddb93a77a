/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Auto-connect (worker 0): which discovered peers a node with
 * auto_connect dials, never itself, a sibling or a peer it already holds,
 * and the backoff after a failed dial.
 */
#ifndef OR_AUTOCONNECT_H_INCLUDED
#define OR_AUTOCONNECT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "or_err.h"
#include "or_peers.h"

#define OR_AUTO_CANDIDATES  32      /* peers looked at per node per round */

typedef struct or_hs_s           or_hs_t;
typedef struct or_autoconnect_s  or_autoconnect_t;

/* State for the dials of hs (borrowed; valid until or_autoconnect_free). */
__attribute__((warn_unused_result))
or_err_t or_autoconnect_new(or_hs_t *hs, or_autoconnect_t **out);
void or_autoconnect_free(or_autoconnect_t *ac);

/* One round: every node with auto_connect dials what it is missing. */
void or_autoconnect_round(or_autoconnect_t *ac);

/*
 * The peers of node (index) one round may dial, into out[max]: live in t,
 * passing the node's filter, never one of our nodes, never one in
 * backoff. Those are skipped before the cut at max, and each round starts
 * where the last one stopped, so no number of peers ahead of one in the
 * table keeps it from being dialled. Call with t's zone locked.
 */
size_t or_autoconnect_pick(or_autoconnect_t *ac, size_t node,
    const or_peer_table_t *t, int64_t now, or_peer_t *out, size_t max);

/*
 * For dials found elsewhere (static peers, the DHT): dial peer of node at
 * sa, in v3 when id (OR_V3_ID_LEN bytes) is given, unless it is one of our
 * nodes, in backoff, being dialled or in a session with node. The backoff
 * and its end are auto-connect's (dial_done). OR_OK dialled, OR_AGAIN
 * skipped, else the dial failed (and backs off).
 */
__attribute__((warn_unused_result))
or_err_t or_autoconnect_dial(or_autoconnect_t *ac, size_t node,
    const struct sockaddr *sa, socklen_t salen, const char *peer,
    const unsigned char *id);

/* or_hs_dial_done_pt, data = ac: a failed dial backs off, a good one
 * clears the backoff. */
void or_autoconnect_dial_done(or_hs_t *hs, size_t node, const char *peer,
    int ok, void *data);

#endif /* OR_AUTOCONNECT_H_INCLUDED */
