/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Dial hints: a contract of the core between modules, in worker 0. A
 * module that learns where a peer may be (the DHT) posts a hint; the
 * module that dials (the handshake) registers the one handler, which
 * dials it if it may (never itself, not twice, with its backoff). A hint
 * is only a hint: the handshake authenticates the peer by its id.
 */
#ifndef OR_DIAL_H_INCLUDED
#define OR_DIAL_H_INCLUDED

#include <stddef.h>
#include <sys/socket.h>

#include "or_err.h"

/* id: the peer's v3 id (32 bytes); source names who learned it ("dht") */
typedef or_err_t (*or_dial_hint_pt)(size_t node, const struct sockaddr *sa,
    socklen_t salen, const unsigned char *id, const char *source,
    void *data);

/* The handler of this process (NULL: none); the dialling module's
 * init_worker sets it, its exit_worker clears it. */
void or_dial_hint_handler(or_dial_hint_pt handler, void *data);

/* OR_OK dialled, OR_AGAIN not now (held, dialling, backoff), else no
 * handler in this process or the dial failed. */
__attribute__((warn_unused_result))
or_err_t or_dial_hint(size_t node, const struct sockaddr *sa,
    socklen_t salen, const unsigned char *id, const char *source);

#endif /* OR_DIAL_H_INCLUDED */
