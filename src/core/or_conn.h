/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * A TCP connection of a worker: non-blocking fd, a bounded input buffer, a
 * bounded output queue, one deadline timer. Both buffers are sized by use,
 * not by their bound, so that an idle connection holds neither: the input
 * buffer is allocated when bytes come (OR_CONN_IN_INITIAL), doubles up to
 * its bound and is freed once emptied, the output queue exists only while
 * the socket refuses bytes. The owner
 * closes it through its own close function (which logs the reason once)
 * and or_conn_free().
 */
#ifndef OR_CONN_H_INCLUDED
#define OR_CONN_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "or_err.h"
#include "or_event.h"
#include "or_timer.h"

typedef struct or_conn_s or_conn_t;

/* bytes: the input buffer when input comes (a v2 request or response,
 * ~2.3 KB, fits in one read) */
#define OR_CONN_IN_INITIAL  4096

/* Readable, hung up or failed (the owner reads to find out which), or the
 * output queue drained after being full (OR_EV_WRITE). */
typedef void (*or_conn_handler_pt)(or_conn_t *c, unsigned events);

struct or_conn_s {
    int                  fd;
    or_event_loop_t     *loop;        /* borrowed */
    char                 peer[64];    /* "ip:port", for logs */
    char                *in;          /* owned; incap bytes; NULL: empty */
    size_t               inlen;
    size_t               incap;       /* doubles up to inmax when full */
    size_t               inmax;       /* bound on one buffered input */
    char                *out;         /* owned; NULL when nothing waits */
    size_t               outlen;
    size_t               outpos;
    size_t               outcap;      /* doubles up to outmax */
    size_t               outmax;      /* bound on the queue */
    int                  eof;         /* the peer shut its side */
    or_timer_t           deadline;
    or_conn_handler_pt   handler;
    void                *data;        /* the owner's; borrowed */
    uint64_t             bytes_in;
    uint64_t             bytes_out;
};

/* Takes fd (closed by or_conn_free, also on failure). inmax bounds the
 * input buffered at once, outmax the output queue. OR_ENOMEM. */
__attribute__((warn_unused_result))
or_err_t or_conn_new(or_event_loop_t *loop, int fd, size_t inmax,
    size_t outmax, or_conn_t **out);
/* Watch for input; OR_ERROR (errno) if epoll refused the fd. */
__attribute__((warn_unused_result))
or_err_t or_conn_start(or_conn_t *c, unsigned mask,
    or_conn_handler_pt handler, void *data);
/* Unregisters, disarms, closes the fd, frees. Accepts NULL. */
void or_conn_free(or_conn_t *c);

/* Reads what is there into the free space of in, doubling in (up to
 * inmax) when it is full. OR_OK: *n bytes (0 and c->eof set at end of
 * stream). OR_AGAIN: nothing yet. OR_ETOOBIG: inmax bytes are buffered.
 * OR_ENOMEM: growing failed (what is buffered stays). OR_ERROR: read
 * failed (errno). */
__attribute__((warn_unused_result))
or_err_t or_conn_read(or_conn_t *c, size_t *n);
/* Changes the input bound (after the handshake: OR_MESSAGE_MAX); keeps
 * what is buffered and allocates nothing. OR_ETOOBIG if more is
 * buffered than the new bound. */
__attribute__((warn_unused_result))
or_err_t or_conn_set_inmax(or_conn_t *c, size_t inmax);
/* Appends len bytes to in as if read (a session taken over from another
 * worker brings what that worker had buffered), growing in up to inmax.
 * OR_ETOOBIG past inmax, OR_ENOMEM. */
__attribute__((warn_unused_result))
or_err_t or_conn_push_input(or_conn_t *c, const void *data, size_t len);
/* Drops the first n bytes of in; an emptied buffer is freed. */
void or_conn_consume(or_conn_t *c, size_t n);

/* Writes now what the socket takes and queues only the rest (so a peer
 * that reads costs no allocation). OR_ETOOBIG if the queue would pass
 * outmax (nothing queued), OR_ERROR if the write failed (errno),
 * OR_ENOMEM. */
__attribute__((warn_unused_result))
or_err_t or_conn_send(or_conn_t *c, const void *data, size_t len);
static inline size_t
or_conn_pending(const or_conn_t *c)
{
    return c->outlen - c->outpos;
}

/* (Re)arm the deadline; handler gets c->data. */
__attribute__((warn_unused_result))
or_err_t or_conn_deadline(or_conn_t *c, uint64_t ms,
    or_timer_handler_pt handler);

/* "ip:port" of a sockaddr, into out[64]. */
void or_conn_addr_text(const void *sa, char *out, size_t cap);

#endif /* OR_CONN_H_INCLUDED */
