/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Listening TCP sockets, one per node block, opened by the master before
 * workers fork and kept across a reload when the address is unchanged, so
 * the kernel's accept queue never disappears and no connection is refused.
 * Workers accept on node->listen_fd (non-blocking) with OR_EV_EXCLUSIVE.
 */
#ifndef OR_LISTEN_H_INCLUDED
#define OR_LISTEN_H_INCLUDED

#include "or_err.h"

typedef struct or_cycle_s or_cycle_t;

#define OR_LISTEN_BACKLOG  511     /* as nginx; the kernel caps it at
                                      net.core.somaxconn */
/*
 * TCP_DEFER_ACCEPT: a v2 initiator sends its request right after connect(),
 * so the kernel hands over a connection only once its first bytes are in.
 * The worker then reads at accept, a wake-up less per handshake, and a
 * connection that sends nothing takes no worker slot; after this many
 * seconds (rounded up to SYN-ACK retransmits) it is handed over anyway and
 * handshake_timeout runs from there.
 */
#define OR_DEFER_ACCEPT_S  10

/* Sets every node's listen_fd: the fd of old's node with the same address
 * (shared until or_listen_commit()), else a new socket (SO_REUSEADDR,
 * IPV6_V6ONLY for IPv6, non-blocking, close-on-exec). Errors are logged to
 * cycle->log with the node and address. On failure, what it opened is
 * closed and every listen_fd of cycle is -1; old is untouched. */
__attribute__((warn_unused_result))
or_err_t or_listen_open(or_cycle_t *cycle, or_cycle_t *old);

/* After the new cycle is complete, before new workers fork: closes old's
 * sockets that cycle does not reuse (old workers close their own copies
 * when they start to quit) and sets every listen_fd of old to -1. */
void or_listen_commit(or_cycle_t *cycle, or_cycle_t *old);

/* Undo or stop: closes the sockets of cycle that old (may be NULL) does not
 * share, and sets every listen_fd of cycle to -1. Only for a cycle on which
 * or_listen_open() succeeded; a quitting worker calls it with NULL. */
void or_listen_close(or_cycle_t *cycle, or_cycle_t *old);

#endif /* OR_LISTEN_H_INCLUDED */
