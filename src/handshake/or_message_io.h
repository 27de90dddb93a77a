/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Messages on an established session (PROTOCOL-v2.md "After the
 * handshake"): v2 framing, JSON objects back to back, counted in the
 * session table, logged and published to `watch` as they arrive.
 */
#ifndef OR_MESSAGE_IO_H_INCLUDED
#define OR_MESSAGE_IO_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "or_err.h"

typedef struct or_hs_s         or_hs_t;
typedef struct or_hs_conn_s    or_hs_conn_t;

/* One complete object received on session hc; -1 if hc was closed. */
int or_message_io_receive(or_hs_conn_t *hc, const char *json, size_t len);

/* Counts one message of bytes, in (1) or out (0), in hc's session slot. */
void or_message_io_count(or_hs_conn_t *hc, int in, size_t bytes);

/* Send payload (one JSON object) on session id held by this worker.
 * OR_AGAIN: not held here. OR_ETOOBIG: the peer does not read. */
__attribute__((warn_unused_result))
or_err_t or_message_io_send(or_hs_t *hs, uint64_t id, const char *payload,
    size_t len);

#endif /* OR_MESSAGE_IO_H_INCLUDED */
