/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Connections: bounded buffers over a non-blocking socket, sized by what
 * they hold (or_conn.h). Nothing here logs: the owner knows whether a
 * failure is a refusal, a close or a bug.
 */
#include "or_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void conn_event(or_event_loop_t *loop, int fd, unsigned events,
    void *data);

static size_t
in_initial(const or_conn_t *c)
{
    return c->inmax < OR_CONN_IN_INITIAL ? c->inmax : OR_CONN_IN_INITIAL;
}

or_err_t
or_conn_new(or_event_loop_t *loop, int fd, size_t inmax, size_t outmax,
    or_conn_t **out)
{
    or_conn_t *c = calloc(1, sizeof(*c));

    /* no input buffer until there is input (or_conn_read) */
    if (c == NULL || inmax == 0) {
        free(c);
        close(fd);
        return OR_ENOMEM;
    }
    c->inmax = inmax;
    c->fd = fd;
    c->loop = loop;
    c->outmax = outmax;
    snprintf(c->peer, sizeof(c->peer), "-");
    *out = c;
    return OR_OK;
}

or_err_t
or_conn_start(or_conn_t *c, unsigned mask, or_conn_handler_pt handler,
    void *data)
{
    c->handler = handler;
    c->data = data;
    return or_event_add(c->loop, c->fd, mask, conn_event, c);
}

void
or_conn_free(or_conn_t *c)
{
    if (c == NULL) {
        return;
    }
    /* a connection's socket is never shared, so its close is its
     * EPOLL_CTL_DEL: one system call less per handshake */
    or_timer_del(c->loop, &c->deadline);
    or_event_close(c->loop, c->fd);
    free(c->in);
    free(c->out);
    free(c);
}

/* Doubles in, up to inmax: a large message costs log2(inmax / 4 KiB)
 * reallocations, a small one none. */
static or_err_t
conn_grow_in(or_conn_t *c)
{
    size_t  cap = c->incap == 0 ? in_initial(c)
                  : c->incap > c->inmax / 2 ? c->inmax : 2 * c->incap;
    char   *p = realloc(c->in, cap);

    if (p == NULL) {
        return OR_ENOMEM;
    }
    c->in = p;
    c->incap = cap;
    return OR_OK;
}

/* An empty input buffer goes back to malloc: an idle connection holds
 * none (100,000 idle sessions at 4 KiB each would be 400 MiB). */
static void
conn_drop_in(or_conn_t *c)
{
    int err = errno;

    free(c->in);
    errno = err;
    c->in = NULL;
    c->incap = 0;
}

or_err_t
or_conn_read(or_conn_t *c, size_t *n)
{
    ssize_t r;

    if (c->inlen >= c->inmax) {
        return OR_ETOOBIG;
    }
    if (c->inlen == c->incap && conn_grow_in(c) != OR_OK) {
        return OR_ENOMEM;
    }
    do {
        r = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
    } while (r < 0 && errno == EINTR);
    if (r <= 0 && c->inlen == 0) {
        conn_drop_in(c);        /* a wake-up with nothing: hold nothing */
    }
    if (r < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? OR_AGAIN : OR_ERROR;
    }
    c->eof = r == 0;
    c->inlen += (size_t) r;
    c->bytes_in += (uint64_t) r;
    *n = (size_t) r;
    return OR_OK;
}

or_err_t
or_conn_set_inmax(or_conn_t *c, size_t inmax)
{
    char *p;

    if (c->inlen > inmax || inmax == 0) {
        return OR_ETOOBIG;
    }
    c->inmax = inmax;
    if (c->incap > inmax) {
        p = realloc(c->in, inmax);
        if (p != NULL) {
            c->in = p;
        }
        c->incap = inmax;       /* a failed shrink keeps a larger block */
    }
    return OR_OK;
}

or_err_t
or_conn_push_input(or_conn_t *c, const void *data, size_t len)
{
    if (len == 0) {
        return OR_OK;       /* in may be NULL: no memcpy to it */
    }
    if (len > c->inmax - c->inlen) {
        return OR_ETOOBIG;
    }
    while (c->incap - c->inlen < len) {
        if (conn_grow_in(c) != OR_OK) {
            return OR_ENOMEM;
        }
    }
    memcpy(c->in + c->inlen, data, len);
    c->inlen += len;
    return OR_OK;
}

void
or_conn_consume(or_conn_t *c, size_t n)
{
    if (n < c->inlen) {
        memmove(c->in, c->in + n, c->inlen - n);
        c->inlen -= n;
        return;
    }
    c->inlen = 0;
    conn_drop_in(c);
}

/* Writes what the socket takes of data: OR_OK with *done = len, OR_AGAIN
 * with *done < len, OR_ERROR (errno). */
static or_err_t
conn_write(or_conn_t *c, const char *data, size_t len, size_t *done)
{
    ssize_t w;

    *done = 0;
    while (*done < len) {
        w = send(c->fd, data + *done, len - *done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK ? OR_AGAIN
                                                           : OR_ERROR;
        }
        *done += (size_t) w;
        c->bytes_out += (uint64_t) w;
    }
    return OR_OK;
}

/* Writes the queue; OR_OK when empty (its memory freed: a queue exists
 * only while a peer is slow), OR_AGAIN when the socket is full. */
static or_err_t
conn_flush(or_conn_t *c)
{
    size_t   done;
    or_err_t rc = conn_write(c, c->out + c->outpos, c->outlen - c->outpos,
                             &done);

    c->outpos += done;
    if (rc != OR_OK) {
        return rc;
    }
    free(c->out);
    c->out = NULL;
    c->outpos = c->outlen = c->outcap = 0;
    return OR_OK;
}

/* Appends to the queue, doubling it up to outmax (the caller checked
 * that pending + len fits). */
static or_err_t
conn_queue(or_conn_t *c, const void *data, size_t len)
{
    size_t  pending = or_conn_pending(c), need = pending + len, cap;
    char   *p;

    if (c->outpos > 0) {
        memmove(c->out, c->out + c->outpos, pending);
        c->outpos = 0;
        c->outlen = pending;
    }
    if (need > c->outcap) {
        cap = c->outcap ? c->outcap : c->outmax < OR_CONN_IN_INITIAL
                                      ? c->outmax : OR_CONN_IN_INITIAL;
        while (cap < need) {
            cap = cap > c->outmax / 2 ? c->outmax : 2 * cap;
        }
        p = realloc(c->out, cap);
        if (p == NULL) {
            return OR_ENOMEM;
        }
        c->out = p;
        c->outcap = cap;
    }
    memcpy(c->out + c->outlen, data, len);
    c->outlen += len;
    return OR_OK;
}

or_err_t
or_conn_send(or_conn_t *c, const void *data, size_t len)
{
    size_t   pending = or_conn_pending(c), done = 0;
    or_err_t rc;

    if (len > c->outmax || pending > c->outmax - len) {
        return OR_ETOOBIG;
    }
    if (pending > 0) {
        return conn_queue(c, data, len);    /* behind it; EPOLLOUT armed */
    }
    rc = conn_write(c, data, len, &done);
    if (rc != OR_AGAIN) {
        return rc;
    }
    if (conn_queue(c, (const char *) data + done, len - done) != OR_OK) {
        if (done == 0) {
            return OR_ENOMEM;
        }
        errno = ENOMEM;         /* half a message is out: the stream is cut */
        return OR_ERROR;
    }
    return or_event_mod(c->loop, c->fd, OR_EV_READ | OR_EV_WRITE);
}

or_err_t
or_conn_deadline(or_conn_t *c, uint64_t ms, or_timer_handler_pt handler)
{
    return or_timer_add(c->loop, &c->deadline, ms, handler, c->data);
}

static void
conn_event(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    or_conn_t *c = data;
    or_err_t   rc;

    if (events & OR_EV_WRITE) {
        rc = conn_flush(c);
        if (rc == OR_OK
            && or_event_mod(loop, fd, OR_EV_READ) != OR_OK)
        {
            rc = OR_ERROR;
        }
        if (rc == OR_ERROR) {
            events |= OR_EV_ERROR;
        }
        if (!(events & (OR_EV_READ | OR_EV_ERROR))) {
            c->handler(c, OR_EV_WRITE);
            return;
        }
    }
    c->handler(c, events);
}

void
or_conn_addr_text(const void *sa, char *out, size_t cap)
{
    const struct sockaddr     *s = sa;
    char                       ip[INET6_ADDRSTRLEN] = "?";

    if (s->sa_family == AF_INET) {
        const struct sockaddr_in *in = sa;

        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
        snprintf(out, cap, "%s:%u", ip, (unsigned) ntohs(in->sin_port));
    } else if (s->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = sa;

        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
        snprintf(out, cap, "[%s]:%u", ip, (unsigned) ntohs(in6->sin6_port));
    } else {
        snprintf(out, cap, "unix");
    }
}
