/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_conn.c: no input buffer until input comes, then
 * OR_CONN_IN_INITIAL, doubling up to its bound, freed once emptied (an
 * idle connection holds none, issue 20); the output queue
 * exists only while the socket refuses bytes and never passes outmax.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_conn.h"
#include "or_event.h"

typedef struct {
    or_event_loop_t *loop;
    or_conn_t       *c;
    int              peer;         /* the other end, blocking */
} pair_t;

static void
ignore(or_conn_t *c, unsigned events)
{
    (void) c;
    (void) events;
}

static void
pair_new(pair_t *p, size_t inmax, size_t outmax)
{
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
                     0);
    assert_int_equal(or_event_loop_new(&p->loop, 64), OR_OK);
    assert_int_equal(or_conn_new(p->loop, sv[0], inmax, outmax, &p->c),
                     OR_OK);
    assert_int_equal(or_conn_start(p->c, OR_EV_READ, ignore, NULL), OR_OK);
    p->peer = sv[1];
}

static void
pair_free(pair_t *p)
{
    or_conn_free(p->c);
    or_event_loop_free(p->loop);
    close(p->peer);
}

static void
peer_write(pair_t *p, size_t n)
{
    char *buf = malloc(n);

    assert_non_null(buf);
    memset(buf, 'x', n);
    assert_int_equal(write(p->peer, buf, n), (ssize_t) n);
    free(buf);
}

/* Reads until nothing is left or the bound is hit. */
static or_err_t
read_all(or_conn_t *c)
{
    size_t   n;
    or_err_t rc;

    do {
        rc = or_conn_read(c, &n);
    } while (rc == OR_OK && n > 0);
    return rc;
}

static void
test_or_conn_new_starts_small(void **state)
{
    pair_t p;

    (void) state;
    pair_new(&p, 16384, 262144);
    assert_null(p.c->in);
    assert_int_equal(p.c->incap, 0);
    assert_null(p.c->out);
    /* a wake-up with nothing to read leaves nothing allocated */
    assert_int_equal(read_all(p.c), OR_AGAIN);
    assert_null(p.c->in);
    assert_int_equal(p.c->incap, 0);
    peer_write(&p, 300);
    assert_int_equal(read_all(p.c), OR_AGAIN);
    assert_int_equal(p.c->incap, OR_CONN_IN_INITIAL);
    pair_free(&p);
    pair_new(&p, 1024, 262144);         /* a bound below it wins */
    peer_write(&p, 300);
    assert_int_equal(read_all(p.c), OR_AGAIN);
    assert_int_equal(p.c->incap, 1024);
    pair_free(&p);
}

static void
test_or_conn_read_doubles_up_to_bound(void **state)
{
    pair_t p;

    (void) state;
    pair_new(&p, 16384, 262144);
    peer_write(&p, 5000);
    assert_int_equal(read_all(p.c), OR_AGAIN);
    assert_int_equal(p.c->inlen, 5000);
    assert_int_equal(p.c->incap, 8192);
    peer_write(&p, 8000);
    assert_int_equal(read_all(p.c), OR_AGAIN);
    assert_int_equal(p.c->inlen, 13000);
    assert_int_equal(p.c->incap, 16384);
    pair_free(&p);
}

static void
test_or_conn_read_over_bound_is_too_big(void **state)
{
    pair_t p;

    (void) state;
    pair_new(&p, 10000, 262144);        /* not a power of two */
    peer_write(&p, 12000);
    assert_int_equal(read_all(p.c), OR_ETOOBIG);
    assert_int_equal(p.c->inlen, 10000);
    assert_int_equal(p.c->incap, 10000);
    pair_free(&p);
}

static void
test_or_conn_consume_frees_once_empty(void **state)
{
    pair_t p;

    (void) state;
    pair_new(&p, 65536, 262144);
    peer_write(&p, 40000);
    assert_int_equal(read_all(p.c), OR_AGAIN);
    assert_int_equal(p.c->incap, 65536);
    or_conn_consume(p.c, 30000);        /* 10000 left: kept as is */
    assert_int_equal(p.c->inlen, 10000);
    assert_int_equal(p.c->incap, 65536);
    assert_int_equal(p.c->in[0], 'x');
    or_conn_consume(p.c, 10000);
    assert_int_equal(p.c->inlen, 0);
    assert_null(p.c->in);
    assert_int_equal(p.c->incap, 0);
    /* small messages afterwards: one initial buffer each, freed after */
    for (int i = 0; i < 10; i++) {
        peer_write(&p, 300);
        assert_int_equal(read_all(p.c), OR_AGAIN);
        assert_int_equal(p.c->incap, OR_CONN_IN_INITIAL);
        assert_int_equal(p.c->in[299], 'x');
        or_conn_consume(p.c, 299);      /* one byte left: kept */
        assert_int_equal(p.c->inlen, 1);
        assert_non_null(p.c->in);
        or_conn_consume(p.c, 1);
        assert_null(p.c->in);
        assert_int_equal(p.c->incap, 0);
    }
    pair_free(&p);
}

static void
test_or_conn_set_inmax_allocates_nothing(void **state)
{
    pair_t p;

    (void) state;
    pair_new(&p, 16384, 262144);
    peer_write(&p, 2000);
    assert_int_equal(read_all(p.c), OR_AGAIN);
    assert_int_equal(or_conn_set_inmax(p.c, 65536), OR_OK);
    assert_int_equal(p.c->incap, OR_CONN_IN_INITIAL);
    assert_int_equal(p.c->inmax, 65536);
    assert_int_equal(or_conn_set_inmax(p.c, 1000), OR_ETOOBIG);
    assert_int_equal(p.c->inmax, 65536);
    pair_free(&p);
}

static void
test_or_conn_send_reading_peer_queues_nothing(void **state)
{
    pair_t p;
    char   msg[2300], got[2300];

    (void) state;
    pair_new(&p, 16384, 262144);
    memset(msg, 'm', sizeof(msg));
    for (int i = 0; i < 5; i++) {
        assert_int_equal(or_conn_send(p.c, msg, sizeof(msg)), OR_OK);
        assert_null(p.c->out);
        assert_int_equal(read(p.peer, got, sizeof(got)), (ssize_t)
                         sizeof(got));
    }
    assert_int_equal(p.c->bytes_out, 5 * sizeof(msg));
    pair_free(&p);
}

/* A peer that does not read: the rest is queued (doubling, never past
 * outmax); a send that would pass it is refused whole; once the loop
 * flushes the queue its memory is freed. */
static void
test_or_conn_send_slow_peer_bounded_then_freed(void **state)
{
    enum { OUTMAX = 65536 };
    pair_t   p;
    char     msg[1000], sink[8192];
    size_t   sent = 0, got = 0;
    or_err_t rc;
    int      sz = 4096;

    (void) state;
    pair_new(&p, 16384, OUTMAX);
    setsockopt(p.c->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    memset(msg, 'q', sizeof(msg));
    while ((rc = or_conn_send(p.c, msg, sizeof(msg))) == OR_OK) {
        sent += sizeof(msg);
        assert_true(p.c->outcap <= OUTMAX);
        assert_true(sent < 10 * 1024 * 1024);
    }
    assert_int_equal(rc, OR_ETOOBIG);
    assert_non_null(p.c->out);
    assert_true(or_conn_pending(p.c) + sizeof(msg) > OUTMAX);
    assert_true(or_conn_pending(p.c) <= OUTMAX);
    while (got < sent) {
        ssize_t r = read(p.peer, sink, sizeof(sink));

        if (r > 0) {
            got += (size_t) r;
        } else {
            assert_int_equal(or_event_loop_run_once(p.loop, 100), OR_OK);
        }
    }
    assert_int_equal(got, sent);
    assert_int_equal(or_conn_pending(p.c), 0);
    assert_null(p.c->out);
    assert_int_equal(p.c->outcap, 0);
    pair_free(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_conn_new_starts_small),
        cmocka_unit_test(test_or_conn_read_doubles_up_to_bound),
        cmocka_unit_test(test_or_conn_read_over_bound_is_too_big),
        cmocka_unit_test(test_or_conn_consume_frees_once_empty),
        cmocka_unit_test(test_or_conn_set_inmax_allocates_nothing),
        cmocka_unit_test(test_or_conn_send_reading_peer_queues_nothing),
        cmocka_unit_test(test_or_conn_send_slow_peer_bounded_then_freed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
