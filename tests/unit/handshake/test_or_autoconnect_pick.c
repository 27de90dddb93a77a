/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_autoconnect.c's choice of peers: backed-off peers are
 * skipped before the cut at OR_AUTO_CANDIDATES, so forged peers ahead of a
 * real one in the table cannot keep it from being dialled (issue 16), and
 * each round starts where the last one stopped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "or_autoconnect.h"
#include "or_conf.h"
#include "or_hs.h"
#include "or_peers.h"

typedef struct {
    or_node_t         node;
    or_hs_node_t      hn;
    or_hs_t           hs;
    or_autoconnect_t *ac;
    or_peer_table_t  *t;
    int64_t           now;
} fixture_t;

static void
fp_of(unsigned n, char fp[OR_FP_LEN + 1])
{
    snprintf(fp, OR_FP_LEN + 1, "%016x", n);
}

/* a table of npeers peers, 0 .. npeers - 1 in table order */
static fixture_t *
fixture(size_t npeers)
{
    fixture_t *f = calloc(1, sizeof(*f));
    or_peer_t  p;

    assert_non_null(f);
    f->hn.node = &f->node;
    f->hn.fp = "ffffffffffffffff";
    f->hn.id = "n1";
    f->hs.nodes = &f->hn;
    f->hs.nnodes = 1;
    assert_int_equal(or_autoconnect_new(&f->hs, &f->ac), OR_OK);
    f->t = or_peer_table_init(malloc(or_peer_table_size(npeers + 8)),
                              npeers + 8, 600, "n1");
    f->now = (int64_t) time(NULL);
    for (unsigned i = 0; i < npeers; i++) {
        memset(&p, 0, sizeof(p));
        fp_of(i, p.fingerprint);
        snprintf(p.source, sizeof(p.source), "10.0.0.1");
        p.adv_port = 9001;
        assert_int_not_equal(or_peer_table_update(f->t, &p, f->now, NULL),
                             OR_PEER_NEW_EVICTED);
    }
    return f;
}

static void
fixture_free(fixture_t *f)
{
    or_autoconnect_free(f->ac);
    free(f->t);
    free(f);
}

static int
picked(const or_peer_t *out, size_t n, unsigned who)
{
    char fp[OR_FP_LEN + 1];

    fp_of(who, fp);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(out[i].fingerprint, fp) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 40 forged peers in backoff ahead of a real one: the real one is picked
 * in the first round */
static void
test_or_autoconnect_pick_skips_backoff_before_cut(void **state)
{
    fixture_t *f = fixture(41);
    or_peer_t  out[OR_AUTO_CANDIDATES];
    char       fp[OR_FP_LEN + 1];
    size_t     n;

    (void) state;
    for (unsigned i = 0; i < 40; i++) {
        fp_of(i, fp);
        or_autoconnect_dial_done(&f->hs, 0, fp, 0, f->ac);
    }
    n = or_autoconnect_pick(f->ac, 0, f->t, f->now, out, OR_AUTO_CANDIDATES);
    assert_int_equal(n, 1);
    assert_true(picked(out, n, 40));
    fixture_free(f);
}

/* OR_AUTO_CANDIDATES - 1 and OR_AUTO_CANDIDATES eligible peers are all
 * picked at once; one above, the last is picked first in the next round */
static void
test_or_autoconnect_pick_bound_and_rotation(void **state)
{
    or_peer_t  out[OR_AUTO_CANDIDATES];
    fixture_t *f;
    size_t     n;

    (void) state;
    for (size_t k = OR_AUTO_CANDIDATES - 1; k <= OR_AUTO_CANDIDATES; k++) {
        f = fixture(k);
        n = or_autoconnect_pick(f->ac, 0, f->t, f->now, out,
                                OR_AUTO_CANDIDATES);
        assert_int_equal(n, k);
        assert_true(picked(out, n, (unsigned) k - 1));
        fixture_free(f);
    }
    f = fixture(OR_AUTO_CANDIDATES + 1);
    n = or_autoconnect_pick(f->ac, 0, f->t, f->now, out, OR_AUTO_CANDIDATES);
    assert_int_equal(n, OR_AUTO_CANDIDATES);
    assert_false(picked(out, n, OR_AUTO_CANDIDATES));
    n = or_autoconnect_pick(f->ac, 0, f->t, f->now, out, OR_AUTO_CANDIDATES);
    assert_int_equal(n, OR_AUTO_CANDIDATES);
    assert_true(picked(out, 1, OR_AUTO_CANDIDATES));    /* first in line */
    assert_true(picked(out, n, 0));
    fixture_free(f);
}

/* our own nodes are never picked, whatever their place in the table */
static void
test_or_autoconnect_pick_never_self(void **state)
{
    fixture_t *f = fixture(3);
    or_peer_t  out[OR_AUTO_CANDIDATES];
    char       fp[OR_FP_LEN + 1];
    size_t     n;

    (void) state;
    fp_of(1, fp);
    f->hn.fp = fp;
    n = or_autoconnect_pick(f->ac, 0, f->t, f->now, out, OR_AUTO_CANDIDATES);
    assert_int_equal(n, 2);
    assert_false(picked(out, n, 1));
    fixture_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_autoconnect_pick_skips_backoff_before_cut),
        cmocka_unit_test(test_or_autoconnect_pick_bound_and_rotation),
        cmocka_unit_test(test_or_autoconnect_pick_never_self),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
