/*
 * Connections: bounded buffers over a non-blocking socket. Nothing here
 * logs: the owner knows whether a failure is a refusal, a close or a bug.
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

or_err_t
or_conn_new(or_event_loop_t *loop, int fd, size_t incap, size_t outmax,
    or_conn_t **out)
{
    or_conn_t *c = calloc(1, sizeof(*c));

    if (c == NULL || (c->in = malloc(incap)) == NULL) {
        free(c);
        close(fd);
        return OR_ENOMEM;
    }
    c->fd = fd;
    c->loop = loop;
    c->incap = incap;
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
    if (or_event_del(c->loop, c->fd) != OR_OK) {
        /* the slot is released anyway; the fd is closed next */
    }
    or_timer_del(c->loop, &c->deadline);
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c);
}

or_err_t
or_conn_read(or_conn_t *c, size_t *n)
{
    ssize_t r;

    if (c->inlen == c->incap) {
        return OR_ETOOBIG;
    }
    do {
        r = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
    } while (r < 0 && errno == EINTR);
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
or_conn_resize_in(or_conn_t *c, size_t incap)
{
    char *p;

    if (c->inlen > incap) {
        return OR_ETOOBIG;
    }
    p = realloc(c->in, incap);
    if (p == NULL) {
        return OR_ENOMEM;
    }
    c->in = p;
    c->incap = incap;
    return OR_OK;
}

void
or_conn_consume(or_conn_t *c, size_t n)
{
    if (n >= c->inlen) {
        c->inlen = 0;
        return;
    }
    memmove(c->in, c->in + n, c->inlen - n);
    c->inlen -= n;
}

/* Writes the queue; OR_OK when empty, OR_AGAIN when the socket is full. */
static or_err_t
conn_flush(or_conn_t *c)
{
    ssize_t w;

    while (c->outpos < c->outlen) {
        w = send(c->fd, c->out + c->outpos, c->outlen - c->outpos,
                 MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK ? OR_AGAIN
                                                           : OR_ERROR;
        }
        c->outpos += (size_t) w;
        c->bytes_out += (uint64_t) w;
    }
    c->outpos = c->outlen = 0;
    return OR_OK;
}

static or_err_t
conn_queue(or_conn_t *c, const void *data, size_t len)
{
    size_t  pending = or_conn_pending(c), need;
    char   *p;

    if (len > c->outmax || pending > c->outmax - len) {
        return OR_ETOOBIG;
    }
    if (c->outpos > 0) {
        memmove(c->out, c->out + c->outpos, pending);
        c->outpos = 0;
        c->outlen = pending;
    }
    need = pending + len;
    if (need > c->outcap) {
        p = realloc(c->out, need);
        if (p == NULL) {
            return OR_ENOMEM;
        }
        c->out = p;
        c->outcap = need;
    }
    memcpy(c->out + c->outlen, data, len);
    c->outlen += len;
    return OR_OK;
}

or_err_t
or_conn_send(or_conn_t *c, const void *data, size_t len)
{
    int      was_empty = or_conn_pending(c) == 0;
    or_err_t rc = conn_queue(c, data, len);

    if (rc != OR_OK) {
        return rc;
    }
    rc = conn_flush(c);
    if (rc == OR_AGAIN && was_empty) {
        return or_event_mod(c->loop, c->fd, OR_EV_READ | OR_EV_WRITE);
    }
    return rc == OR_AGAIN ? OR_OK : rc;
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
