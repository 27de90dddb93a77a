/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Discovery's diagnosis: why nothing is discovered, said in words. Worker
 * 0 tells it what happens (beacons sent, heard, refused) and ticks it
 * every second; once per period (the node's expire) it logs a notice
 * when a node heard no other node's beacon, or when a socket refused
 * beacons by HMAC (a different passphrase). The same words are the
 * hints of an empty `peers` table; `status` shows each socket's
 * interface and source address.
 */
#ifndef OR_DISCOVERY_DIAG_H_INCLUDED
#define OR_DISCOVERY_DIAG_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "openred.h"

typedef struct or_log_s             or_log_t;
typedef struct or_cycle_s           or_cycle_t;

/* node_sock of a node whose discovery is disabled: no socket */
#define OR_DISCOVERY_NO_SOCK  ((size_t) -1)
typedef struct or_discovery_diag_s  or_discovery_diag_t;

typedef struct {
    const char  *id;            /* borrowed: node id */
    size_t       sock;          /* its socket */
    int64_t      period;        /* s: its expire */
} or_discovery_diag_node_t;

typedef struct {
    const char  *group;         /* borrowed */
    uint16_t     port;
    const char  *interface;     /* borrowed; "" = the kernel's choice */
} or_discovery_diag_sock_t;

/* A diagnosis of nnodes nodes on nsocks sockets, started at now (s, wall
 * clock). Each socket's interface ("" resolved by the route to its
 * group) and source address are looked up once, here. NULL if no memory:
 * every call below accepts NULL and does nothing. */
or_discovery_diag_t *or_discovery_diag_new(or_log_t *log,
    const or_discovery_diag_node_t *nodes, size_t nnodes,
    const or_discovery_diag_sock_t *socks, size_t nsocks, int64_t now);
void or_discovery_diag_free(or_discovery_diag_t *d);

void or_discovery_diag_sent(or_discovery_diag_t *d, size_t node);
/* A beacon of another node reached node (own ones looped back do not). */
void or_discovery_diag_heard(or_discovery_diag_t *d, size_t node,
    int64_t now);
/* A datagram refused on sock; from is "ip:port". Only HMAC counts. */
void or_discovery_diag_refused(or_discovery_diag_t *d, size_t sock,
    or_reason_t reason, const char *from);
/* Every second: logs the notices whose period ended. */
void or_discovery_diag_tick(or_discovery_diag_t *d, int64_t now);

/* The hints for node (its socket's HMAC refusals, no beacon heard), each
 * one sentence; returns how many were written into out (max of them,
 * len bytes each). */
size_t or_discovery_diag_hints(const or_discovery_diag_t *d, size_t node,
    int64_t now, char (*out)[256], size_t max);
/* sock's interface as resolved ("" if unknown or d is NULL). */
const char *or_discovery_diag_ifname(const or_discovery_diag_t *d,
    size_t sock);
/* Adds "interface", "address" (the beacons' source), "group" and "port"
 * to each object of sockets (status's discovery.sockets, by index). */
void or_discovery_diag_sockets_json(const or_discovery_diag_t *d,
    json_t *sockets);

/* The `peers` reply's additions: "hints" ([{node, hint}] for every node,
 * or only node if not NULL), "siblings" (this daemon's fingerprints), and
 * on each peer "sibling", "socket" and "interface" (where it was heard).
 * node_sock: the socket of each node, OR_DISCOVERY_NO_SOCK if disabled.
 * d may be NULL (not worker 0): no hints but the disabled ones. */
__attribute__((warn_unused_result))
or_err_t or_discovery_diag_peers_json(const or_discovery_diag_t *d,
    or_cycle_t *cycle, const size_t *node_sock, const char *node,
    json_t *reply);

#endif /* OR_DISCOVERY_DIAG_H_INCLUDED */
