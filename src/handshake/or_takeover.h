/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Sessions survive a reload: the old generation's workers hand their
 * established sessions (the socket by SCM_RIGHTS, the state in
 * or_session_transfer.h's format, the buffered bytes) to the new
 * generation's, which carry them on under the same link and counters.
 *
 * Each worker listens on an abstract SOCK_SEQPACKET socket under a random
 * name (as or_handoff.c's: nobody can bind it first) and publishes the
 * name in the "takeover" zone, which only the daemon's processes map.
 * Both ends check the other with SO_PEERCRED: our uid, and a pid the
 * master recorded as one of its workers (the "workers" zone), the
 * listener's being the very worker the name was published for.
 *
 * On QUIT a worker asks the "workers" zone whether a newer generation
 * runs: then it is a reload, and every session is handed over as soon as
 * its worker #index (else #0) has published its name; handshakes in
 * progress finish here and are handed over once established. Otherwise
 * it is `-s quit`: sessions close at once ("shutting down").
 */
#ifndef OR_TAKEOVER_H_INCLUDED
#define OR_TAKEOVER_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "or_err.h"
#include "or_handoff.h"

typedef struct or_cycle_s     or_cycle_t;
typedef struct or_hs_s        or_hs_t;
typedef struct or_takeover_s  or_takeover_t;

#define OR_TAKEOVER_ZONE  "takeover"

/* Master: declare the zone (kept across reloads: its size is fixed). */
__attribute__((warn_unused_result))
or_err_t or_takeover_zone_add(or_cycle_t *cycle);

/* Worker: listen, publish the name; OR_ERROR (errno) if it cannot. */
__attribute__((warn_unused_result))
or_err_t or_takeover_open(or_hs_t *hs, or_takeover_t **out);
/* Worker quits: hand sessions over (reload) or close them (stop). */
void or_takeover_quit(or_takeover_t *tk);
/* A hand-off datagram for a session this worker no longer holds: passed
 * on to the worker it went to (OR_OK, or queued until that worker has
 * it); OR_AGAIN if it never went anywhere from here. */
__attribute__((warn_unused_result))
or_err_t or_takeover_forward(or_takeover_t *tk, const or_handoff_hdr_t *hdr,
    const char *payload);
void or_takeover_close(or_takeover_t *tk);

/* status: "reload": sessions kept, closed by reason, failed */
__attribute__((warn_unused_result))
or_err_t or_takeover_status(or_cycle_t *cycle, json_t *status);

#endif /* OR_TAKEOVER_H_INCLUDED */
