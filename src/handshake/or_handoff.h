/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Worker-to-worker hand-off for sessions: each worker binds an abstract
 * Unix datagram socket, so `openredctl send` (served by worker 0) reaches
 * whichever worker holds a session, old generations included, without the
 * master. Senders are checked by SCM_CREDENTIALS: only our own uid is
 * heard.
 *
 * The name is random (64 bits from getrandom), chosen when the worker
 * binds it and recorded in every session the worker holds
 * (or_session_t.handoff): any local uid may bind any abstract name, so a
 * name that can be known in advance (the pid, as before) can be taken
 * first, and every new worker then failed to start. A name nobody knows
 * before it is bound cannot be squatted.
 */
#ifndef OR_HANDOFF_H_INCLUDED
#define OR_HANDOFF_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "or_err.h"
#include "or_limits.h"

typedef enum {
    OR_HANDOFF_SEND = 1,        /* payload: a message's JSON object */
    OR_HANDOFF_CLOSE            /* payload: the reason text */
} or_handoff_op_t;

typedef struct {
    uint32_t  op;               /* or_handoff_op_t */
    uint32_t  len;              /* payload bytes that follow */
    uint64_t  session;          /* or_session_t.id */
} or_handoff_hdr_t;

/* This process's socket, non-blocking, under a new random name whose
 * token goes to *token (never 0); -1 and errno. */
int or_handoff_open(uint64_t *token);
/* One datagram to the worker whose socket is token; OR_ERROR (errno) if it
 * is gone. */
__attribute__((warn_unused_result))
or_err_t or_handoff_send(uint64_t token, or_handoff_op_t op,
    uint64_t session, const void *payload, size_t len);
/* Reads one datagram into buf (cap >= OR_SEND_DGRAM_MAX). OR_AGAIN when
 * none; OR_EAUTH from another uid or short (dropped). */
__attribute__((warn_unused_result))
or_err_t or_handoff_recv(int fd, or_handoff_hdr_t *hdr, char *buf,
    size_t cap);

#endif /* OR_HANDOFF_H_INCLUDED */
