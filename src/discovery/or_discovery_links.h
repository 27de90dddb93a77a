/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Worker 0's per-interface discovery sockets, for the nodes that set
 * `interfaces`: one socket per (node, interface, family) the rules take,
 * opened and closed by the worker itself as a NETLINK_ROUTE socket
 * reports links and addresses coming and going (each relevant message,
 * or an overrun, triggers a fresh getifaddrs() scan; nothing is taken
 * from the message itself). Datagrams are read with their arrival
 * interface (IP_PKTINFO / IPV6_PKTINFO) and handed to the module.
 */
#ifndef OR_DISCOVERY_LINKS_H_INCLUDED
#define OR_DISCOVERY_LINKS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "openred.h"
#include "or_discovery.h"
#include "or_discovery_iface.h"
#include "or_event.h"

typedef struct or_disc_links_s  or_disc_links_t;
typedef struct json_t           json_t;

typedef struct {
    int                      fd;        /* -1: free */
    size_t                   node;
    size_t                   sock;      /* the node's discovery socket slot */
    int                      family;    /* AF_INET, AF_INET6 */
    uint32_t                 ifindex;
    char                     name[OR_DISC_IFNAME_LEN];
    struct sockaddr_storage  dst;       /* the group on this interface */
    socklen_t                dstlen;
    uint64_t                 received;
    uint64_t                 sent;
    uint64_t                 send_failed;
    uint64_t                 other_if;  /* arrived on another interface */
    int                      mark;      /* reconcile: still wanted */
    or_disc_links_t         *links;
} or_disc_ifsock_t;

/* One node's rules and socket parameters (rules borrowed: NULL = the
 * node uses a shared socket, not this). */
typedef struct {
    const or_disc_iface_rules_t  *rules;
    const char                   *group;    /* IPv4 */
    uint16_t                      port;
    int                           ttl;
    size_t                        sock;
    const char                   *id;
} or_disc_links_node_t;

/* A datagram read on is (trunc: longer than OR_BEACON_MAX). */
typedef void (*or_disc_links_dgram_pt)(void *data, or_disc_ifsock_t *is,
    const char *buf, size_t len, int trunc, const or_disc_from_t *from);

/* Opens the netlink socket and the sockets of the interfaces there are
 * now (without netlink, logged: no changes followed). OR_ERROR only
 * without memory. */
__attribute__((warn_unused_result))
or_err_t or_disc_links_new(or_event_loop_t *loop, or_log_t *log,
    const or_disc_links_node_t *nodes, size_t nnodes,
    or_disc_links_dgram_pt cb, void *data, or_disc_links_t **out);
void or_disc_links_free(or_disc_links_t *l);

/* The next socket of node after prev (NULL: the first), or NULL. */
or_disc_ifsock_t *or_disc_links_next(or_disc_links_t *l, size_t node,
    or_disc_ifsock_t *prev);

/* Looks the interfaces up again and opens / closes sockets to match. */
void or_disc_links_rescan(or_disc_links_t *l);

/* 1 if the netlink datagram buf holds a message about links or
 * addresses (RTM_NEWLINK, DELLINK, NEWADDR, DELADDR); 0 if none, or it
 * is malformed past the first good one. Pure, for the tests. */
int or_disc_links_nl_relevant(const void *buf, size_t len);

/* {"sockets": [...], "rescans", "overruns", "open_failed", "refused"} */
json_t *or_disc_links_json(const or_disc_links_t *l);

#endif /* OR_DISCOVERY_LINKS_H_INCLUDED */
