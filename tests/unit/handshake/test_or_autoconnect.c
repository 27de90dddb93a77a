/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_autoconnect.c: which discovered peers a node dials
 * (never itself, a sibling, a peer it holds or is dialling, one its
 * filter refuses), max_connections and the candidate bound at their
 * exact values, and the backoff after a failed dial (5 s doubling to
 * 300 s, exact to the second with the pinned clock).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_autoconnect.h"
#include "or_hs_fixture.h"

#define BACKOFF_MIN  5
#define BACKOFF_MAX  300

static const int KEY_A[] = { HSF_A };

typedef struct {
    hsf_t             *f;
    or_autoconnect_t  *ac;
    int                lfd;      /* where listed peers answer */
    uint16_t           port;
    uint16_t           closed;   /* where nobody listens */
} ac_fix_t;

static void
ac_open(ac_fix_t *a, const int *keys, size_t n)
{
    int fd;

    hsf_now = 0;
    a->f = hsf_new(keys, n, 64);
    a->f->hs.nodes[0].auto_connect = 1;
    assert_int_equal(or_autoconnect_new(&a->f->hs, &a->ac), OR_OK);
    a->f->hs.dial_done = or_autoconnect_dial_done;
    a->f->hs.dial_data = a->ac;
    a->lfd = hsf_listen(&a->port);
    fd = hsf_listen(&a->closed);
    close(fd);
}

static void
ac_close(ac_fix_t *a)
{
    /* as hs_exit_worker(): the closes tell dial_done, then ac goes */
    hsf_free(a->f);
    or_autoconnect_free(a->ac);
    close(a->lfd);
}

static const char *
fp_of(unsigned i, char *buf)
{
    snprintf(buf, OR_FP_LEN + 1, "%016x", 0xa000u + i);
    return buf;
}

static size_t
dials(ac_fix_t *a)
{
    return or_hs_dial_count(&a->f->hs, 0);
}

static int
no_dials(void *arg)
{
    return dials(arg) == 0;
}

/* A round toward a peer nobody answers; returns once the dial failed. */
static int
round_fails(ac_fix_t *a)
{
    or_autoconnect_round(a->ac);
    if (dials(a) == 0) {
        return 0;
    }
    assert_true(hsf_run_until(a->f, NULL, no_dials, a));
    return 1;
}

static void
test_autoconnect_dials_listed_peers_once(void **state)
{
    ac_fix_t a;
    char     fp[2][OR_FP_LEN + 1];
    int      c1, c2;

    (void) state;
    ac_open(&a, KEY_A, 1);
    hsf_peer_add(a.f, 0, fp_of(1, fp[0]), "tech", a.port);
    hsf_peer_add(a.f, 0, fp_of(2, fp[1]), "tech", a.port);
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 2);
    assert_true(or_hs_dialling(&a.f->hs, 0, fp[0]));
    assert_true(or_hs_dialling(&a.f->hs, 0, fp[1]));
    c1 = hsf_accept(a.f, a.lfd);
    c2 = hsf_accept(a.f, a.lfd);
    assert_true(c1 >= 0 && c2 >= 0);
    /* being dialled: not again */
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 2);
    close(c1);
    close(c2);
    ac_close(&a);
}

static void
test_autoconnect_off_dials_nothing(void **state)
{
    ac_fix_t a;
    char     fp[OR_FP_LEN + 1];

    (void) state;
    ac_open(&a, KEY_A, 1);
    a.f->hs.nodes[0].auto_connect = 0;
    hsf_peer_add(a.f, 0, fp_of(1, fp), "tech", a.port);
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 0);
    ac_close(&a);
}

/* Itself, a sibling, a peer with a session either way: never dialled. */
static void
test_autoconnect_skips_self_sibling_and_held(void **state)
{
    static const int keys[] = { HSF_A, HSF_B };
    ac_fix_t a;
    char     in[OR_FP_LEN + 1], out[OR_FP_LEN + 1], fresh[OR_FP_LEN + 1];

    (void) state;
    ac_open(&a, keys, 2);
    a.f->hs.nodes[0].max_connections = 10;
    hsf_peer_add(a.f, 0, hsf_fp[HSF_A], "tech", a.port);
    hsf_peer_add(a.f, 0, hsf_fp[HSF_B], "tech", a.port);
    hsf_peer_add(a.f, 0, fp_of(1, in), "tech", a.port);
    hsf_peer_add(a.f, 0, fp_of(2, out), "tech", a.port);
    hsf_peer_add(a.f, 0, fp_of(3, fresh), "tech", a.port);
    (void) hsf_session_add(a.f, 0, in, OR_SESSION_IN, getpid());
    (void) hsf_session_add(a.f, 0, out, OR_SESSION_OUT, getpid());
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 1);
    assert_true(or_hs_dialling(&a.f->hs, 0, fresh));
    ac_close(&a);
}

static int
deny_bad(const or_node_t *node, const char *sector,
    const char *const *services, size_t nservices)
{
    (void) node;
    (void) services;
    (void) nservices;
    return strcmp(sector, "bad") != 0;
}

static void
test_autoconnect_filter_refuses(void **state)
{
    ac_fix_t a;
    char     bad[OR_FP_LEN + 1], good[OR_FP_LEN + 1];

    (void) state;
    ac_open(&a, KEY_A, 1);
    a.f->cycle->nodes[0].filter = deny_bad;
    hsf_peer_add(a.f, 0, fp_of(1, bad), "bad", a.port);
    hsf_peer_add(a.f, 0, fp_of(2, good), "good", a.port);
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 1);
    assert_true(or_hs_dialling(&a.f->hs, 0, good));
    ac_close(&a);
}

/* Sessions (both directions) and dials count toward max_connections. */
static void
test_autoconnect_max_connections_bound(void **state)
{
    ac_fix_t a;
    char     fp[OR_FP_LEN + 1];

    (void) state;
    ac_open(&a, KEY_A, 1);
    for (unsigned i = 0; i < 4; i++) {
        hsf_peer_add(a.f, 0, fp_of(i, fp), "tech", a.port);
    }
    a.f->hs.nodes[0].max_connections = 0;
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 0);
    a.f->hs.nodes[0].max_connections = 3;
    (void) hsf_session_add(a.f, 0, "00000000000000b1", OR_SESSION_IN,
                           getpid());
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 2);       /* 1 session + 2 dials = 3 */
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 2);       /* at the bound: none more */
    a.f->hs.nodes[0].max_connections = 4;
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 3);
    ac_close(&a);
}

/* At most OR_AUTO_CANDIDATES (32) peers are looked at per round. */
static void
test_autoconnect_candidates_per_round_bound(void **state)
{
    ac_fix_t a;
    char     fp[OR_FP_LEN + 1];

    (void) state;
    ac_open(&a, KEY_A, 1);
    a.f->hs.nodes[0].max_connections = 100;
    for (unsigned i = 0; i < 40; i++) {
        hsf_peer_add(a.f, 0, fp_of(i, fp), "tech", a.port);
    }
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 32);
    /* the 32 being dialled are skipped before the cut: the other 8 now */
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 40);
    or_autoconnect_round(a.ac);      /* every one is dialling */
    assert_int_equal(dials(&a), 40);
    ac_close(&a);
}

static void
test_autoconnect_skips_undialable_address(void **state)
{
    ac_fix_t a;
    char     fp[OR_FP_LEN + 1];

    (void) state;
    ac_open(&a, KEY_A, 1);
    hsf_peer_add(a.f, 0, fp_of(1, fp), "tech", 0);     /* port 0 */
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 0);
    ac_close(&a);
}

/* 5 s after the first failure, then 10, 20, ... up to 300 s. */
static void
test_autoconnect_backoff_doubles_to_max(void **state)
{
    ac_fix_t a;
    char     fp[OR_FP_LEN + 1];
    int64_t  delay = BACKOFF_MIN;

    (void) state;
    ac_open(&a, KEY_A, 1);
    hsf_peer_add(a.f, 0, fp_of(1, fp), "tech", a.closed);
    assert_int_equal(round_fails(&a), 1);
    for (int i = 0; i < 8; i++) {
        hsf_now += delay - 1;
        hsf_peer_add(a.f, 0, fp, "tech", a.closed);   /* keep it listed */
        assert_int_equal(round_fails(&a), 0);         /* one s early */
        hsf_now += 1;
        assert_int_equal(round_fails(&a), 1);         /* at the bound */
        delay = delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : delay * 2;
    }
    assert_int_equal(delay, BACKOFF_MAX);
    ac_close(&a);
}

/* A good dial clears the backoff; a failed or_hs_dial() backs off too. */
static void
test_autoconnect_backoff_cleared_and_dial_error(void **state)
{
    ac_fix_t a;
    char     fp[OR_FP_LEN + 1];

    (void) state;
    ac_open(&a, KEY_A, 1);
    hsf_peer_add(a.f, 0, fp_of(1, fp), "tech", a.port);
    a.f->hs.max_pending = 0;          /* or_hs_dial() refuses */
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 0);
    a.f->hs.max_pending = 1024;
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 0);   /* backing off */
    or_autoconnect_dial_done(&a.f->hs, 0, fp, 1, a.ac);
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 1);
    /* a good dial of a peer never backed off is a no-op */
    or_autoconnect_dial_done(&a.f->hs, 0, "00000000000000c1", 1, a.ac);
    ac_close(&a);
}

/* The backoff table holds 256 peers: the one due soonest is forgotten. */
static void
test_autoconnect_backoff_table_bound(void **state)
{
    ac_fix_t a;
    char     first[OR_FP_LEN + 1], fp[OR_FP_LEN + 1];

    (void) state;
    ac_open(&a, KEY_A, 1);
    a.f->hs.nodes[0].max_connections = 100;
    or_autoconnect_dial_done(&a.f->hs, 0, fp_of(1000, first), 0, a.ac);
    hsf_now += 1;
    for (unsigned i = 0; i < 255; i++) {
        or_autoconnect_dial_done(&a.f->hs, 0, fp_of(i, fp), 0, a.ac);
    }
    /* 256 held: the first is still backing off */
    hsf_peer_add(a.f, 0, first, "tech", a.port);
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 0);
    or_autoconnect_dial_done(&a.f->hs, 0, fp_of(255, fp), 0, a.ac);
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 1);
    assert_true(or_hs_dialling(&a.f->hs, 0, first));
    /* one of the others is still remembered */
    hsf_peer_add(a.f, 0, fp_of(7, fp), "tech", a.port);
    or_autoconnect_round(a.ac);
    assert_int_equal(dials(&a), 1);
    ac_close(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_autoconnect_dials_listed_peers_once),
        cmocka_unit_test(test_autoconnect_off_dials_nothing),
        cmocka_unit_test(test_autoconnect_skips_self_sibling_and_held),
        cmocka_unit_test(test_autoconnect_filter_refuses),
        cmocka_unit_test(test_autoconnect_max_connections_bound),
        cmocka_unit_test(test_autoconnect_candidates_per_round_bound),
        cmocka_unit_test(test_autoconnect_skips_undialable_address),
        cmocka_unit_test(test_autoconnect_backoff_doubles_to_max),
        cmocka_unit_test(test_autoconnect_backoff_cleared_and_dial_error),
        cmocka_unit_test(test_autoconnect_backoff_table_bound),
    };

    return cmocka_run_group_tests(tests, hsf_suite_setup, hsf_suite_teardown);
}
