/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * v3 beacons in the discovery worker (docs/PROTOCOL.md v3 §11), beside
 * the v2 ones on the same sockets: each node's instance and sequence, the
 * memory of the last verified beacon per id (replays and old sequences
 * are refused by it), and what a verified ANNOUNCE, QUERY or GOODBYE does
 * to the peer table. The codec is libopenred's (or_v3_beacon_*).
 */
#ifndef OR_DISCOVERY_V3_H_INCLUDED
#define OR_DISCOVERY_V3_H_INCLUDED

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "openred.h"
#include "or_discovery.h"
#include "or_discovery_peers.h"
#include "or_v3.h"

typedef struct or_cycle_s      or_cycle_t;
typedef struct or_disc_v3_s    or_disc_v3_t;

#define OR_DISC_V3_SEEN_MAX  1024   /* ids remembered; oldest heard goes */

/*
 * RSA verifies a beacon may cost worker 0 (token buckets, a second's
 * worth each). A replay costs none (the memory of each id); but a sender
 * with the passphrase can make beacons that pass every cheap check for
 * nothing: an id heard before with a sequence bumped and the signature
 * left as it was, or, with more ids than the memory holds, old beacons
 * replayed once their ids were forgotten. So: an id remembered may cost
 * OR_DISC_V3_ID_RATE verifies/s, burst 2 x (a genuine node at the
 * shortest interval, 1 s - 10 % jitter, sends 1.1 a second, plus an
 * early answer a second and its GOODBYE: 1/s starved discovery_watch_
 * events.sh's GOODBYE), and all ids not remembered together
 * OR_DISC_V3_NEW_RATE/s. At most (OR_DISC_V3_NEW_RATE + OR_DISC_V3_ID_RATE
 * x OR_DISC_V3_SEEN_MAX) verifies/s, whatever the flood; over it a beacon
 * is refused unverified (v3_beacon_budget).
 */
#define OR_DISC_V3_NEW_RATE  200
#define OR_DISC_V3_ID_RATE   3

/* A token bucket of rate/s holding at most burst: 1 and one token less
 * if it had one at now_ms, else 0. Time going back refills nothing. */
typedef struct {
    uint64_t  milli;            /* tokens x 1000 */
    int64_t   at_ms;            /* last refill; 0: full, not yet used */
} or_disc_v3_bucket_t;

int or_discovery_v3_bucket_take(or_disc_v3_bucket_t *b, unsigned rate,
    unsigned burst, int64_t now_ms);

/* keys[i] is node i's network (Fernet) key: K_net comes from it, so no
 * second PBKDF2. Each node draws its instance here. */
__attribute__((warn_unused_result))
or_err_t or_discovery_v3_new(or_cycle_t *cycle, or_fernet_t *const *keys,
    or_disc_v3_t **out);
void or_discovery_v3_free(or_disc_v3_t *v);

/* 1 if the datagram starts with the v3 beacon magic */
int or_discovery_v3_is(const void *buf, size_t len);

/* Builds node's next beacon into out (OR_V3_BEACON_MAX bytes), its
 * sequence spent: the same bytes then go on each of the node's
 * per-interface sockets; or_discovery_v3_sent counts one sent. */
__attribute__((warn_unused_result))
or_err_t or_discovery_v3_build(or_disc_v3_t *v, size_t node, unsigned type,
    unsigned char *out, size_t *len);
void or_discovery_v3_sent(or_disc_v3_t *v, size_t node);

/* Sends node's next beacon: its first is a QUERY, then ANNOUNCEs;
 * GOODBYE with OR_V3_BEACON_GOODBYE as type (0: the next of the two). */
__attribute__((warn_unused_result))
or_err_t or_discovery_v3_send(or_disc_v3_t *v, size_t node, unsigned type,
    int fd, const struct sockaddr *dst, socklen_t dstlen);

/*
 * A v3 datagram heard on socket sock by the nodes nodes[0..n) (with their
 * max_peers): opened with each node's K_net, checked and verified once,
 * then applied to each node of the network that opened it. OR_R_NONE if
 * it was ours or applied, else why it was refused (the caller counts and
 * logs). *answer: 1 if a newcomer or a QUERY wants an early beacon.
 */
or_reason_t or_discovery_v3_hear(or_disc_v3_t *v, size_t sock,
    const size_t *nodes, const int64_t *max_peers, size_t n, const void *buf,
    size_t len, const or_disc_from_t *from, int64_t now_ms,
    or_discovery_gap_t *gap, int *answer);

#endif /* OR_DISCOVERY_V3_H_INCLUDED */
