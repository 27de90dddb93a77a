/*
 * Unit tests for or_session.c (the table) and or_evring.c (the watch
 * ring): add, find, remove by id only, count, purge a dead worker; ring
 * order and what a slow reader missed.
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

static void
test_or_session_add_find_remove(void **state)
{
    or_session_table_t *t = calloc(1, sizeof(*t));
    or_session_t        s = session("tech", "0123456789abcdef",
                                    OR_SESSION_IN, 10);
    uint64_t            id, id2;
    int                 i, j;

    (void) state;
    assert_non_null(t);
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
    assert_int_equal(or_session_count(t, "tech", -1), 2);
    or_session_remove(t, i, id);
    or_session_remove(t, j, id2);
    assert_int_equal(or_session_count(t, "tech", -1), 0);
    free(t);
}

static void
test_or_session_purge_pid_drops_dead_worker(void **state)
{
    or_session_table_t *t = calloc(1, sizeof(*t));
    or_session_t        a = session("n", "aaaaaaaaaaaaaaaa", 0, 10);
    or_session_t        b = session("n", "bbbbbbbbbbbbbbbb", 0, 11);
    uint64_t            id;

    (void) state;
    assert_true(or_session_add(t, &a, &id) >= 0);
    assert_true(or_session_add(t, &b, &id) >= 0);
    or_session_purge_pid(t, 10);
    assert_int_equal(or_session_find(t, "n", "aaaaaaaaaaaaaaaa"), -1);
    assert_true(or_session_find(t, "n", "bbbbbbbbbbbbbbbb") >= 0);
    free(t);
}

static void
test_or_session_add_full_fails(void **state)
{
    or_session_table_t *t = calloc(1, sizeof(*t));
    or_session_t        s = session("n", "aaaaaaaaaaaaaaaa", 0, 1);
    uint64_t            id;

    (void) state;
    for (int i = 0; i < OR_SESSIONS_MAX; i++) {
        assert_true(or_session_add(t, &s, &id) >= 0);
    }
    assert_int_equal(or_session_add(t, &s, &id), -1);
    free(t);
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_session_add_find_remove),
        cmocka_unit_test(test_or_session_purge_pid_drops_dead_worker),
        cmocka_unit_test(test_or_session_add_full_fails),
        cmocka_unit_test(test_or_evring_read_order_and_missed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
