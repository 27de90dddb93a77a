/*
 * Unit tests for or_session.c (the table) and or_evring.c (the watch
 * ring): add, find, remove by id only, count, purge a dead worker, the
 * hash index (collisions, delete and reinsert, full and crowded tables);
 * ring order and what a slow reader missed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "or_evring.h"
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

static void
test_or_evring_read_order_and_missed(void **state)
{
    or_evring_t *r = calloc(1, sizeof(*r));
    or_evt_t     ev, *out = calloc(OR_EVENTS_MAX, sizeof(*out));
    size_t       n;
    uint64_t     missed;

    (void) state;
    assert_non_null(r);
    memset(&ev, 0, sizeof(ev));
    for (int i = 0; i < OR_EVENTS_MAX + 10; i++) {
        ev.type = OR_EVT_MESSAGE;
        ev.time = i;
        or_evring_push(r, &ev);
    }
    or_evring_read(r, 0, out, OR_EVENTS_MAX, &n, &missed);
    assert_int_equal(missed, 10);
    assert_int_equal(n, OR_EVENTS_MAX);
    assert_int_equal(out[0].seq, 11);
    assert_int_equal(out[n - 1].seq, OR_EVENTS_MAX + 10);
    or_evring_read(r, OR_EVENTS_MAX + 8, out, 5, &n, &missed);
    assert_int_equal(n, 2);
    assert_int_equal(missed, 0);
    or_evring_read(r, OR_EVENTS_MAX + 10, out, 5, &n, &missed);
    assert_int_equal(n, 0);
    free(out);
    free(r);
}

/* A message flood of twice the ring after a session event: the session
 * event is still read first (connect's outcome), only messages are
 * missed; one event more than a lane holds loses the oldest of it. */
static void
test_or_evring_flood_keeps_session_events(void **state)
{
    or_evring_t *r = calloc(1, sizeof(*r));
    or_evt_t     ev, *out = calloc(OR_EVENTS_MAX, sizeof(*out));
    size_t       n;
    uint64_t     missed;

    (void) state;
    assert_non_null(r);
    memset(&ev, 0, sizeof(ev));
    ev.type = OR_EVT_SESSION_ESTABLISHED;
    or_evring_push(r, &ev);                           /* seq 1 */
    ev.type = OR_EVT_MESSAGE;
    for (int i = 0; i < 2 * OR_EVENTS_MAX; i++) {
        or_evring_push(r, &ev);
    }
    or_evring_read(r, 0, out, 64, &n, &missed);
    assert_int_equal(n, 64);
    assert_int_equal(out[0].seq, 1);
    assert_int_equal(out[0].type, OR_EVT_SESSION_ESTABLISHED);
    assert_int_equal(out[1].seq, OR_EVENTS_MAX + 2);  /* oldest kept msg */
    assert_int_equal(missed, OR_EVENTS_MAX);
    /* the other lane at its bound: OR_EVENTS_MAX kept, one more drops 1 */
    memset(r, 0, sizeof(*r));
    ev.type = OR_EVT_SESSION_CLOSED;
    for (int i = 0; i < OR_EVENTS_MAX; i++) {
        or_evring_push(r, &ev);
    }
    or_evring_read(r, 0, out, OR_EVENTS_MAX, &n, &missed);
    assert_int_equal(n, OR_EVENTS_MAX);
    assert_int_equal(missed, 0);
    or_evring_push(r, &ev);
    or_evring_read(r, 0, out, OR_EVENTS_MAX, &n, &missed);
    assert_int_equal(missed, 1);
    assert_int_equal(out[0].seq, 2);
    free(out);
    free(r);
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
        cmocka_unit_test(test_or_evring_read_order_and_missed),
        cmocka_unit_test(test_or_evring_flood_keeps_session_events),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
