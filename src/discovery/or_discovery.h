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

typedef struct or_cycle_s  or_cycle_t;
typedef struct or_log_s    or_log_t;
typedef struct or_node_s   or_node_t;

/* Opens a UDP socket bound to port, joined to group on interface ("" =
 * the kernel's choice), sending there with ttl, loopback on (siblings on
 * this host hear each other). *dst = group:port. Logs why on OR_ERROR. */
__attribute__((warn_unused_result))
or_err_t or_discovery_socket(const char *group, uint16_t port,
    const char *interface, int ttl, or_log_t *log, int *fd,
    struct sockaddr_in *dst);

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
    const struct sockaddr_in *from);

#define OR_DISCOVERY_LOG_GAP_S  10  /* s: peer trouble, one line per gap */

/* A rate-limited log line: the next time one may be written, and how
 * many were held back since the last. */
typedef struct {
    int64_t   next;         /* s, wall clock */
    uint64_t  held;
} or_discovery_gap_t;

/*
 * Offers an opened beacon (b, as entry p) to node (index) of cycle: what
 * the node's filter refuses is counted and remembered beside its peers
 * (the handshake refuses it inbound); else it is listed or refreshed,
 * unless it would move a peer a handshake confirmed (counted, logged
 * through gap). 1 if it listed a new or restarted peer (answer early).
 */
int or_discovery_hear(or_cycle_t *cycle, size_t node,
    const or_v2_beacon_t *b, const or_peer_t *p, int64_t now,
    or_discovery_gap_t *gap);

/* s, wall clock with the fraction (the beacon's "timestamp"). */
double or_discovery_wall_now(void);
/* Uniform in 0 .. n - 1 (n > 0), from the OpenSSL RNG. */
uint64_t or_discovery_random(uint64_t n);
/* interval s +- 10 %, in ms: beacons of nodes started together drift
 * apart instead of bursting at once. */
uint64_t or_discovery_jitter_ms(int64_t interval);

#endif /* OR_DISCOVERY_H_INCLUDED */
