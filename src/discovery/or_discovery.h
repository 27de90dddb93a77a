/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Discovery's pieces that need no module state: the multicast socket, a
 * node's beacon fields, the network keys. Pure where it can be, so the
 * unit tests and bench/ call them. A datagram is opened by libopenred's
 * or_v2_beacon_open, the one path the fuzzer and the bench exercise too.
 */
#ifndef OR_DISCOVERY_H_INCLUDED
#define OR_DISCOVERY_H_INCLUDED

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "openred.h"
#include "or_err.h"
#include "or_peers.h"
#include "or_rand.h"

typedef struct or_log_s    or_log_t;
typedef struct or_node_s   or_node_t;

/* Opens a UDP socket bound to port, joined to group on interface ("" =
 * the kernel's choice), sending there with ttl, loopback on (siblings on
 * this host hear each other). *dst = group:port. Logs why on OR_ERROR. */
__attribute__((warn_unused_result))
or_err_t or_discovery_socket(const char *group, uint16_t port,
    const char *interface, int ttl, or_log_t *log, int *fd,
    struct sockaddr_in *dst);

/* The IPv6 group v3 beacons also go to on each interface a node's
 * `interfaces` rules take (link-local scope; PROTOCOL.md §11.4). */
#define OR_DISCOVERY_GROUP6  "ff02::114"

/* Where a datagram came from and where it arrived. */
typedef struct {
    struct sockaddr_storage  sa;        /* the source */
    const char              *ifname;    /* arrival interface; "" = a
                                           shared socket, not known */
    uint32_t                 ifindex;   /* 0 = not known */
} or_disc_from_t;

/* "ip:port", "[ip]:port" or "[fe80::1%eth0]:port" of sa into buf. */
void or_discovery_addr_text(const or_disc_from_t *from, char *buf,
    size_t len);

/* Opens a UDP socket of family (AF_INET: group, AF_INET6:
 * OR_DISCOVERY_GROUP6) bound to port, joined on interface ifindex only
 * (IP_MULTICAST_ALL / IPV6_MULTICAST_ALL off, so it hears that
 * interface's memberships alone), sending there (IP_MULTICAST_IF /
 * IPV6_MULTICAST_IF) with ttl, loopback on, and the arrival interface
 * reported (IP_PKTINFO / IPV6_RECVPKTINFO). *dst = group:port (scoped
 * to the interface). err says which step failed. */
__attribute__((warn_unused_result))
or_err_t or_discovery_socket_if(int family, const char *group,
    uint32_t ifindex, uint16_t port, int ttl, int *fd,
    struct sockaddr_storage *dst, socklen_t *dstlen, char *err,
    size_t errlen);

/* A node's beacon fields from its identity and core settings (timestamp
 * left 0). OR_ERROR if the node has no key loaded. */
__attribute__((warn_unused_result))
or_err_t or_discovery_beacon_init(const or_node_t *node, or_v2_beacon_t *b);

/* The Fernet key of passphrase: PBKDF2 is slow (OR_PBKDF2_ITERATIONS),
 * so a reload copies the key of an unchanged passphrase from the old
 * cycle's keys (old, old_pass: nold of each; may be NULL) instead. */
__attribute__((warn_unused_result))
or_err_t or_discovery_key(const char *passphrase, or_fernet_t *const *old,
    const char *const *old_pass, size_t nold, or_fernet_t **out,
    or_errbuf_t *eb);

/* The peer-table entry for an opened beacon heard from `from`. */
void or_discovery_peer(or_peer_t *p, const or_v2_beacon_t *b,
    const or_disc_from_t *from);

/* s, wall clock with the fraction (the beacon's "timestamp"). */
double or_discovery_wall_now(void);
/* interval s +- 10 %, in ms, from the worker's generator r: beacons of
 * nodes started together drift apart instead of bursting at once. */
uint64_t or_discovery_jitter_ms(or_rand_t *r, int64_t interval);

#endif /* OR_DISCOVERY_H_INCLUDED */
