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

#include <sys/socket.h>

#define OR_AUTO_CANDIDATES  32      /* peers looked at per node per round */

typedef struct or_hs_s           or_hs_t;
typedef struct or_autoconnect_s  or_autoconnect_t;

/* State for the dials of hs (borrowed; valid until or_autoconnect_free). */
__attribute__((warn_unused_result))
or_err_t or_autoconnect_new(or_hs_t *hs, or_autoconnect_t **out);
void or_autoconnect_free(or_autoconnect_t *ac);

/*
 * Dial fp at sa for node (index), v3 if the peer is known to speak it:
 * id given, or a verified v3 beacon listed it; else v2. For auto-connect
 * and any module that finds peers its own way (static peers, a DHT).
 * Skipped (OR_AGAIN) if fp is one of our nodes, in backoff, being dialled
 * or in a session with node. OR_OK dialled; else the dial failed and
 * backs off (auto-connect's backoff, ended by dial_done).
 */
__attribute__((warn_unused_result))
or_err_t or_autoconnect_dial(or_autoconnect_t *ac, size_t node,
    const struct sockaddr *sa, socklen_t salen, const char *fp,
    const unsigned char *id);

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

/* or_hs_dial_done_pt, data = ac: a failed dial backs off, a good one
 * clears the backoff. */
void or_autoconnect_dial_done(or_hs_t *hs, size_t node, const char *peer,
    int ok, void *data);

#endif /* OR_AUTOCONNECT_H_INCLUDED */
