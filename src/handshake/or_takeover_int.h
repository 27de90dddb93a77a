/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * What the two halves of the hand-over share (or_takeover.c): the zone's
 * layout, a worker's state, and the functions both sides call. Internal
 * to src/handshake: or_takeover.h is the contract.
 */
#ifndef OR_TAKEOVER_INT_H_INCLUDED
#define OR_TAKEOVER_INT_H_INCLUDED

#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "or_event.h"
#include "or_handoff.h"
#include "or_log.h"
#include "or_session_transfer.h"
#include "or_shm.h"
#include "or_status.h"
#include "or_takeover.h"
#include "or_timer.h"


#define TK_CHUNK     32768      /* bytes of buffered data per packet */
#define TK_PKT_MAX   (1 + (TK_CHUNK > OR_TRANSFER_STATE_MAX ? TK_CHUNK     \
                                                 : OR_TRANSFER_STATE_MAX))
#define TK_TICK_MS   20         /* old worker: look for the new one */
#define TK_WAIT_MS   2000       /* old worker: acknowledgements, forwards */
#define TK_SNDTIMEO  2          /* s, one blocking send to the new worker */
#define TK_FWD_MAX   256        /* datagrams waiting to be passed on */

/* why a session of the old generation cannot go on under the new one */
enum { TK_R_REMOVED, TK_R_KEY, TK_R_LISTEN, TK_R_SECTOR, TK_R_LAST };

extern const char *const or_tk_reasons[TK_R_LAST];

typedef struct {
    pid_t     pid;
    unsigned  generation;
    unsigned  index;
    uint64_t  token;            /* its listener's name */
} tk_slot_t;

typedef struct {
    uint64_t   kept;            /* sessions taken over */
    uint64_t   closed[TK_R_LAST];
    uint64_t   failed;          /* could not be handed over or taken */
    tk_slot_t  slots[OR_STATUS_SLOTS];
} tk_zone_t;

/* a connection from an old worker, assembling one session at a time */
typedef struct tk_in_s  tk_in_t;
struct tk_in_s {
    tk_in_t              *next;
    or_takeover_t        *tk;
    int                   fd;
    int                   have;     /* st is filled, data follows */
    or_transfer_state_t   st;
    int                   sfd;      /* its socket; -1 */
    unsigned char        *data;     /* st.inlen + st.outlen */
    size_t                got;
};

typedef struct {
    or_handoff_hdr_t  hdr;
    char             *payload;
    uint64_t          at_ms;
} tk_fwd_t;

struct or_takeover_s {
    or_hs_t        *hs;
    or_shm_zone_t  *zone;
    int             lfd;            /* listener; -1 */
    uint64_t        token;
    tk_in_t        *ins;
    unsigned char  *pkt;            /* TK_PKT_MAX */
    /* quitting */
    int             reload;         /* 1: hand over, 0: -s quit */
    int             shutdown;       /* -s quit: close what comes in too */
    int             out_fd;         /* to the new worker; -1 */
    pid_t           out_pid;
    size_t          unacked;        /* sent, not acknowledged */
    size_t          handed;         /* sent since the quit */
    uint64_t        quit_ms;
    uint64_t        last_ack_ms;
    int             holding;        /* or_worker_conn_hold() for the wait */
    int             lingered;       /* the one tick after the last ack */
    or_timer_t      tick;
    tk_fwd_t        fwd[TK_FWD_MAX];
    size_t          nfwd;
};


or_log_t *or_tk_log(or_takeover_t *tk);
uint64_t or_tk_now(or_takeover_t *tk);
/* the abstract name of the listener of token */
socklen_t or_tk_addr(uint64_t token, struct sockaddr_un *sa);
/* counts one session: kept, closed for reason (TK_R_*), or failed (-1) */
void or_tk_count(or_takeover_t *tk, int reason, int kept);
/* 1 if pid is a worker the master recorded (any generation) */
int or_tk_is_worker(or_takeover_t *tk, pid_t pid);
/* SO_PEERCRED of fd: our uid and, if pid > 0, that very process */
int or_tk_peer_ok(int fd, pid_t pid, pid_t *out);

/* the new worker (or_takeover_in.c) */
void or_tk_accept(or_event_loop_t *loop, int fd, unsigned events,
    void *data);
void or_tk_in_free(tk_in_t *in);

/* the old worker (or_takeover_out.c) */
void or_tk_out_reset(or_takeover_t *tk);

#endif /* OR_TAKEOVER_INT_H_INCLUDED */
