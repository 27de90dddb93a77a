/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The sources of one worker's inbound connections, by IP address: how
 * many handshakes each has in progress (oldest first) and how many
 * sessions, so that max_pending_per_source and max_sessions_per_source
 * cost O(1) at accept, and a full max_pending_handshakes can drop the
 * oldest handshake of the busiest source (OpenSSH MaxStartups, WireGuard
 * per-source buckets) instead of refusing the newcomer.
 */
#ifndef OR_HS_SOURCE_H_INCLUDED
#define OR_HS_SOURCE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "or_err.h"

typedef struct or_hs_conn_s    or_hs_conn_t;
typedef struct or_hs_source_s  or_hs_source_t;

struct or_hs_source_s {
    or_hs_source_t  *next;           /* hash chain */
    unsigned char    addr[16];       /* IPv4 in the first 4 bytes */
    int              family;
    size_t           pending;        /* inbound handshakes in progress */
    size_t           sessions;       /* inbound sessions */
    or_hs_conn_t    *oldest;         /* pending, oldest first */
    or_hs_conn_t    *newest;
};

typedef struct {
    or_hs_source_t **buckets;        /* owned; NULL until first use */
    size_t           mask;
    uint64_t         seed;
    size_t           count;          /* sources listed */
} or_hs_sources_t;

/* The source of sa (created with zero counts); NULL out of memory. */
or_hs_source_t *or_hs_source_get(or_hs_sources_t *t,
    const struct sockaddr *sa);
/* Frees src if it has nothing left in progress or established. */
void or_hs_source_put(or_hs_sources_t *t, or_hs_source_t *src);
/* Appends hc (newest) to / removes hc from its source's pending list;
 * both keep src->pending. */
void or_hs_source_add_pending(or_hs_source_t *src, or_hs_conn_t *hc);
void or_hs_source_del_pending(or_hs_source_t *src, or_hs_conn_t *hc);
/* The source with the most handshakes in progress (ties: any); NULL if
 * none has one. */
or_hs_source_t *or_hs_source_busiest(const or_hs_sources_t *t);
/* Frees the table (every source must be gone or is dropped). */
void or_hs_sources_free(or_hs_sources_t *t);

#endif /* OR_HS_SOURCE_H_INCLUDED */
