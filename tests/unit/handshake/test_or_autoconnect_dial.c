/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * or_autoconnect_dial(), the dial of static peers and DHT hints: a peer
 * no discovery listed is dialled whatever auto_connect says; never one of
 * our nodes, never twice at once; a failed dial backs off exactly as
 * auto-connect's (5 s: one second early it is skipped, at the bound it
 * is dialled again).
 */
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

#include "or_autoconnect.h"
#include "or_hs_fixture.h"

static const int KEY_A[] = { HSF_A };

static int
no_dials(void *arg)
{
    return or_hs_dial_count(arg, 0) == 0;
}

static void
test_autoconnect_dial_static(void **state)
{
    hsf_t              *f;
    or_autoconnect_t   *ac;
    uint16_t            port, closed;
    int                 lfd, fd, c;
    struct sockaddr_in  up, down;
    const char         *peer = "00000000000000b1";

    (void) state;
    hsf_now = 1000;
    f = hsf_new(KEY_A, 1, 64);
    assert_int_equal(f->hs.nodes[0].auto_connect, 0);
    assert_int_equal(or_autoconnect_new(&f->hs, &ac), OR_OK);
    f->hs.dial_done = or_autoconnect_dial_done;
    f->hs.dial_data = ac;
    lfd = hsf_listen(&port);
    fd = hsf_listen(&closed);
    close(fd);
    up = hsf_loopback(port);
    down = hsf_loopback(closed);

    /* dialled with auto_connect off; not twice at once */
    assert_int_equal(or_autoconnect_dial(ac, 0, (struct sockaddr *) &up,
                                         sizeof(up), peer, NULL), OR_OK);
    assert_true(or_hs_dialling(&f->hs, 0, peer));
    assert_int_equal(or_autoconnect_dial(ac, 0, (struct sockaddr *) &up,
                                         sizeof(up), peer, NULL), OR_AGAIN);
    assert_int_equal(or_hs_dial_count(&f->hs, 0), 1);
    c = hsf_accept(f, lfd);
    assert_true(c >= 0);
    close(c);
    assert_true(hsf_run_until(f, NULL, no_dials, &f->hs));

    /* never our own node */
    assert_int_equal(or_autoconnect_dial(ac, 0, (struct sockaddr *) &up,
                                         sizeof(up), f->hs.nodes[0].fp,
                                         NULL), OR_AGAIN);
    assert_int_equal(or_hs_dial_count(&f->hs, 0), 0);

    /* a failed dial backs off 5 s, to the second */
    peer = "00000000000000b2";
    assert_int_equal(or_autoconnect_dial(ac, 0, (struct sockaddr *) &down,
                                         sizeof(down), peer, NULL), OR_OK);
    assert_true(hsf_run_until(f, NULL, no_dials, &f->hs));
    hsf_now += 4;
    assert_int_equal(or_autoconnect_dial(ac, 0, (struct sockaddr *) &down,
                                         sizeof(down), peer, NULL), OR_AGAIN);
    hsf_now += 1;
    assert_int_equal(or_autoconnect_dial(ac, 0, (struct sockaddr *) &down,
                                         sizeof(down), peer, NULL), OR_OK);
    assert_true(hsf_run_until(f, NULL, no_dials, &f->hs));

    hsf_free(f);
    or_autoconnect_free(ac);
    close(lfd);
    hsf_now = 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_autoconnect_dial_static),
    };

    return cmocka_run_group_tests(tests, hsf_suite_setup, hsf_suite_teardown);
}
