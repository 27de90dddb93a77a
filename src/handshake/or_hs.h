/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The v2 handshake over epoll (PROTOCOL-v2.md "Handshake over TCP") as
 * responder and initiator, and the established sessions a worker holds
 * (messages: or_message_io.h). The handshake module owns the settings and
 * the control commands; these files own the connections.
 */
#ifndef OR_HS_H_INCLUDED
#define OR_HS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "openred.h"
#include "or_err.h"
#include "or_hs_source.h"
#include "or_pex.h"
#include "or_session.h"
#include "or_timer.h"

typedef struct or_cycle_s      or_cycle_t;
typedef struct or_worker_s     or_worker_t;
typedef struct or_node_s       or_node_t;
typedef struct or_shm_zone_s   or_shm_zone_t;
typedef struct or_hs_s         or_hs_t;
typedef struct or_hs_conn_s    or_hs_conn_t;
typedef struct or_key_cache_s  or_key_cache_t;

/* One node as this worker serves it. */
typedef struct {
    or_hs_t          *hs;            /* back pointer, for the accept handler */
    const or_node_t  *node;          /* borrowed from the cycle */
    const char       *id;            /* borrowed */
    const or_key_t   *key;           /* borrowed; loaded by the master */
    const char       *fp;            /* borrowed; the key's fingerprint */
    int               listen_fd;     /* the master's; -1 if none */
    uint64_t          timeout_ms;    /* handshake_timeout */
    size_t            max_size;      /* handshake_max_size */
    size_t            max_inbound;   /* sessions in, and handshakes in */
    size_t            inbound;       /* this worker: pending + sessions */
    size_t            sessions_in;   /* this worker: inbound sessions */
    int               watched;       /* listen_fd is in the loop */
    uint64_t          idle_ms;       /* session_idle_timeout; 0: never */
    uint64_t          msg_rate;      /* max_message_rate, per s */
    uint64_t          byte_rate;     /* max_message_byte_rate, per s */
    int               auto_connect;
    size_t            max_connections;   /* sessions + dials, auto-connect */
    int               v3_only;       /* protocol: accept_v2 = false or
                                        min_version = 3 (or_downgrade.c) */
    int               accept_undiscovered;   /* 0: refuse requesters
                                                discovery never heard */
    or_pex_node_t     pex;           /* peer exchange (or_pex.h) */
} or_hs_node_t;

/* Told when an outbound dial ends: ok, or why not (auto-connect backoff). */
typedef void (*or_hs_dial_done_pt)(or_hs_t *hs, size_t node,
    const char *peer, int ok, void *data);

struct or_hs_s {
    or_cycle_t         *cycle;       /* borrowed */
    or_worker_t        *worker;      /* borrowed */
    or_hs_node_t       *nodes;       /* owned, nnodes */
    size_t              nnodes;
    size_t              pending;     /* handshakes in progress, all nodes */
    size_t              max_pending; /* max_pending_handshakes */
    size_t              max_pending_src;   /* max_pending_per_source */
    size_t              max_sessions_src;  /* max_sessions_per_source */
    or_hs_sources_t     sources;     /* inbound connections by address */
    or_shm_zone_t      *sessions;    /* borrowed */
    or_shm_zone_t      *replay;      /* borrowed */
    or_hs_conn_t       *conns;       /* every connection of this worker */
    int                 accepting;
    or_timer_t          accept_pause; /* armed while accept() lacks fds */
    or_hs_dial_done_pt  dial_done;
    void               *dial_data;
    uint64_t            handoff;     /* this worker's hand-off token */
    or_key_cache_t     *keys;        /* owned; peer keys (or_key_cache.h) */
};

/* Start accepting on every node's listening socket (EPOLLEXCLUSIVE). */
__attribute__((warn_unused_result))
or_err_t or_hs_listen(or_hs_t *hs);
/* Stop accepting; sessions and handshakes in progress carry on. */
void or_hs_stop_accepting(or_hs_t *hs);
/* Close every connection with reason (worker exit). */
void or_hs_close_all(or_hs_t *hs, const char *reason);

/* Dial peer (expected fingerprint) at sa for node; the result comes as a
 * session_established or handshake_failed event and to dial_done. */
__attribute__((warn_unused_result))
or_err_t or_hs_dial(or_hs_t *hs, size_t node, const struct sockaddr *sa,
    socklen_t salen, const char *peer);
/* The same in v3 (docs/PROTOCOL.md Part v3) to the node whose 256-bit
 * id is id; peer is its first 16 hex, the v2 fingerprint. */
__attribute__((warn_unused_result))
or_err_t or_hs_dial_v3(or_hs_t *hs, size_t node, const struct sockaddr *sa,
    socklen_t salen, const char *peer, const unsigned char *id);
/* Dials of node in progress in this worker. */
size_t or_hs_dial_count(const or_hs_t *hs, size_t node);
/* 1 if this worker has a dial to peer of node in progress. */
int or_hs_dialling(const or_hs_t *hs, size_t node, const char *peer);

/* Close session id held here (replaced elsewhere); OR_AGAIN if not here. */
__attribute__((warn_unused_result))
or_err_t or_hs_close_session(or_hs_t *hs, uint64_t id, const char *reason);

/* Watch node's listening socket while this worker accepts and holds
 * fewer than max_inbound inbound handshakes; stop watching otherwise, so
 * that (EPOLLEXCLUSIVE) the kernel hands new connections to the other
 * workers instead of this one accepting and closing them. */
void or_hs_watch(or_hs_t *hs, size_t node);

/* Count a refusal of node by reason (or_reason_t or OR_SR_*) in shm. */
void or_hs_count(or_hs_t *hs, size_t node, int reason);

#endif /* OR_HS_H_INCLUDED */
