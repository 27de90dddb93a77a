/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_session.c (the table): add, find, remove by id only,
 * count, purge a dead worker, the hash index (collisions, delete and
 * reinsert, full and crowded tables).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "or_session.h"

static or_session_t
session(const char *node, const char *peer, int dir, pid_t pid)
{
    or_session_t s;

    memset(&s, 0, sizeof(s));
    snprintf(s.node, sizeof(s.node), "%s", node);
    snprintf(s.peer, sizeof(s.peer), "%s", peer);
    s.direction = dir;
    s.pid = pid;
    return s;
}

static or_session_table_t *
table_new(size_t max, uint64_t seed)
{
    or_session_table_t *t = calloc(1, or_session_table_size(max));

    assert_non_null(t);
    or_session_table_init(t, max, seed);
    return t;
}

static void
test_or_session_add_find_remove(void **state)
{
    or_session_table_t *t = table_new(64, 1);
    or_session_t        s = session("tech", "0123456789abcdef",
                                    OR_SESSION_IN, 10);
    uint64_t            id, id2;
    int                 i, j;

    (void) state;
    i = or_session_add(t, &s, &id);
    assert_true(i >= 0);
    assert_int_equal(or_session_find(t, "tech", "0123456789abcdef"), i);
    assert_int_equal(or_session_find(t, "health", "0123456789abcdef"), -1);
    s.direction = OR_SESSION_OUT;
    j = or_session_add(t, &s, &id2);
    assert_true(id2 != id);
    assert_int_equal(or_session_count(t, "tech", -1), 2);
    assert_int_equal(or_session_count(t, "tech", OR_SESSION_OUT), 1);
    or_session_remove(t, i, id2);          /* wrong id: kept */
    or_session_remove(t, i, 0);            /* id 0: never a session */
    assert_int_equal(or_session_count(t, "tech", -1), 2);
    or_session_remove(t, i, id);
    assert_int_equal(or_session_find(t, "tech", "0123456789abcdef"), j);
    or_session_remove(t, j, id2);
    assert_int_equal(or_session_count(t, "tech", -1), 0);
    assert_int_equal(or_session_find(t, "tech", "0123456789abcdef"), -1);
    assert_int_equal(t->used, 0);
    free(t);
}

static void
test_or_session_purge_pid_drops_dead_worker(void **state)
{
    or_session_table_t *t = table_new(16, 2);
    or_session_t        a = session("n", "aaaaaaaaaaaaaaaa", 0, 10);
    or_session_t        b = session("n", "bbbbbbbbbbbbbbbb", 0, 11);
    uint64_t            id;

    (void) state;
    assert_true(or_session_add(t, &a, &id) >= 0);
    assert_true(or_session_add(t, &b, &id) >= 0);
    or_session_purge_pid(t, 10);
    assert_int_equal(or_session_find(t, "n", "aaaaaaaaaaaaaaaa"), -1);
    assert_true(or_session_find(t, "n", "bbbbbbbbbbbbbbbb") >= 0);
    assert_int_equal(t->used, 1);
    free(t);
}

static void
test_or_session_add_full_fails(void **state)
{
    or_session_table_t *t = table_new(16, 3);
    or_session_t        s;
    uint64_t            id, first = 0;
    char                why[160];
    int                 idx0 = -1;

    (void) state;
    for (int i = 0; i < 16; i++) {
        char fp[OR_FP_LEN + 1];
        int  idx;

        snprintf(fp, sizeof(fp), "%016x", i);
        s = session("n", fp, 0, 1);
        idx = or_session_add(t, &s, &id);
        assert_true(idx >= 0 && idx < 16);
        if (i == 0) {
            idx0 = idx;
            first = id;
        }
    }
    s = session("n", "ffffffffffffffff", 0, 1);
    assert_int_equal(or_session_add(t, &s, &id), -1);
    or_session_add_error(t, -1, why, sizeof(why));
    assert_string_equal(why, "session table full: 16 of max_sessions 16 "
                        "used");
    /* a freed slot is handed out again */
    or_session_remove(t, idx0, first);
    assert_int_equal(or_session_add(t, &s, &id), idx0);
    assert_int_equal(or_session_find(t, "n", "ffffffffffffffff"), idx0);
    free(t);
}

/* The same (node, peer) always hashes to the same bucket: a run of
 * OR_SESSION_PROBE of them fills every bucket a lookup may look at. */
static void
test_or_session_add_probe_bound_refuses(void **state)
{
    or_session_table_t *t = table_new(4 * OR_SESSION_PROBE, 4);
    or_session_t        s = session("n", "cccccccccccccccc", 0, 1);
    uint64_t            ids[OR_SESSION_PROBE], id;
    int                 idx[OR_SESSION_PROBE];
    char                why[160];

    (void) state;
    for (int i = 0; i < OR_SESSION_PROBE; i++) {
        idx[i] = or_session_add(t, &s, &ids[i]);
        assert_true(idx[i] >= 0);
    }
    assert_int_equal(or_session_add(t, &s, &id), -2);
    or_session_add_error(t, -2, why, sizeof(why));
    assert_non_null(strstr(why, "no free bucket within 64"));
    /* delete from the middle of the run: the rest stay found, and the
     * shifted run takes one more */
    or_session_remove(t, idx[10], ids[10]);
    assert_true(or_session_find(t, "n", "cccccccccccccccc") >= 0);
    assert_true(or_session_add(t, &s, &id) >= 0);
    for (int i = 0; i < OR_SESSION_PROBE; i++) {
        or_session_remove(t, idx[i], ids[i]);
    }
    assert_int_equal(or_session_count(t, "n", -1), 1);
    free(t);
}

/* Random adds and removes in a small, crowded table (16 slots in 32
 * buckets: collisions and runs that wrap around the end), checked against
 * a plain array after every step, over many seeds. */
static void
test_or_session_index_collisions_delete_reinsert(void **state)
{
    enum { KEYS = 24, MAX = 16 };
    char      fp[KEYS][OR_FP_LEN + 1];
    int       slot[KEYS];
    uint64_t  id[KEYS];
    unsigned  rnd = 12345;

    (void) state;
    for (int k = 0; k < KEYS; k++) {
        snprintf(fp[k], sizeof(fp[k]), "%016x", 0x1000 * k + 7);
    }
    for (uint64_t seed = 0; seed < 200; seed++) {
        or_session_table_t *t = table_new(MAX, seed);
        size_t              live = 0;

        memset(slot, -1, sizeof(slot));
        for (int step = 0; step < 400; step++) {
            int k;

            rnd = rnd * 1103515245u + 12345u;
            k = (int) ((rnd >> 8) % KEYS);
            if (slot[k] >= 0) {
                or_session_remove(t, slot[k], id[k]);
                slot[k] = -1;
                live--;
            } else {
                or_session_t s = session(k % 2 ? "a" : "b", fp[k], 0, 1);
                int          r = or_session_add(t, &s, &id[k]);

                assert_int_equal(r < 0, live == MAX);
                if (r >= 0) {
                    slot[k] = r;
                    live++;
                }
            }
            assert_int_equal(t->used, live);
            for (int j = 0; j < KEYS; j++) {
                assert_int_equal(or_session_find(t, j % 2 ? "a" : "b",
                                                 fp[j]), slot[j]);
                assert_int_equal(or_session_find(t, j % 2 ? "b" : "a",
                                                 fp[j]), -1);
            }
        }
        free(t);
    }
}

static void
test_or_session_table_size_grows_with_max(void **state)
{
    (void) state;
    /* a kept zone (same size) therefore always holds the same max */
    for (size_t m = 1; m < 5000; m++) {
        assert_true(or_session_table_size(m + 1) > or_session_table_size(m));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_session_add_find_remove),
        cmocka_unit_test(test_or_session_purge_pid_drops_dead_worker),
        cmocka_unit_test(test_or_session_add_full_fails),
        cmocka_unit_test(test_or_session_add_probe_bound_refuses),
        cmocka_unit_test(test_or_session_index_collisions_delete_reinsert),
        cmocka_unit_test(test_or_session_table_size_grows_with_max),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
