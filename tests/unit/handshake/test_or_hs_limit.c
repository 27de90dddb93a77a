/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for the refusal "handshake refused: limit" in or_hs.c's
 * accept: max_pending_handshakes counts this worker's dials too, and a
 * dial is never dropped to make room for an inbound handshake. With the
 * bound taken by dials, an inbound connection is refused at once (counted
 * under OR_SR_LIMIT, logged with the counts, closed) and the dials stay;
 * one below the bound it is taken.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "or_hs_fixture.h"

static const int KEY_B[] = { HSF_B };

/* node 0 of f dials a listener that never answers: one dial pending */
static int
dial_silent(hsf_t *f, const char *fp)
{
    struct sockaddr_in sa;
    uint16_t           port;
    int                lfd = hsf_listen(&port);

    sa = hsf_loopback(port);
    assert_int_equal(or_hs_dial(&f->hs, 0, (struct sockaddr *) &sa,
                                sizeof(sa), fp), OR_OK);
    return lfd;
}

static int
conns_are(void *arg)
{
    void  **a = arg;

    return hsf_conns(a[0], -1) == (size_t) (uintptr_t) a[1];
}

static int
limit_refused(void *arg)
{
    return hsf_refused(arg, 0, OR_SR_LIMIT) == 1;
}

static void
test_hs_max_pending_full_of_dials_refuses_inbound(void **state)
{
    hsf_t  *f;
    char    buf[64];
    size_t  n;
    int     l1, l2, c;

    (void) state;
    hsf_now = 0;
    f = hsf_new(KEY_B, 1, 16);
    f->hs.max_pending = 2;
    l1 = dial_silent(f, hsf_fp[HSF_A]);
    l2 = dial_silent(f, hsf_fp[HSF_M]);
    assert_int_equal(f->hs.pending, 2);
    assert_int_equal(or_hs_dial_count(&f->hs, 0), 2);
    c = hsf_connect(f->port[0]);
    assert_true(hsf_run_until(f, NULL, limit_refused, f));
    assert_true(hsf_read_to_eof(f, c, buf, sizeof(buf), &n));
    assert_int_equal(n, 0);
    assert_true(hsf_log_has(f, "handshake refused: limit (2 pending, 0 "
                            "inbound)"));
    /* the dials were not dropped for it */
    assert_int_equal(or_hs_dial_count(&f->hs, 0), 2);
    assert_int_equal(hsf_refused(f, 0, OR_SR_DROPPED), 0);
    assert_int_equal(hsf_conns(f, -1), 2);
    close(c);
    close(l1);
    close(l2);
    hsf_free(f);
}

static void
test_hs_max_pending_one_below_takes_inbound(void **state)
{
    hsf_t  *f;
    void   *a[2];
    int     l1, c;

    (void) state;
    hsf_now = 0;
    f = hsf_new(KEY_B, 1, 16);
    f->hs.max_pending = 2;
    l1 = dial_silent(f, hsf_fp[HSF_A]);
    c = hsf_connect(f->port[0]);
    a[0] = f;
    a[1] = (void *) (uintptr_t) 2;
    assert_true(hsf_run_until(f, NULL, conns_are, a));
    assert_int_equal(f->hs.pending, 2);
    assert_int_equal(f->hs.nodes[0].inbound, 1);
    assert_int_equal(hsf_refused(f, 0, OR_SR_LIMIT), 0);
    close(c);
    close(l1);
    hsf_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hs_max_pending_full_of_dials_refuses_inbound),
        cmocka_unit_test(test_hs_max_pending_one_below_takes_inbound),
    };

    return cmocka_run_group_tests(tests, hsf_suite_setup, hsf_suite_teardown);
}
