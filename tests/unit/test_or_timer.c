/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_timer.c: the heap on its own (order, invariants, moves,
 * removal) and timers on a live loop (order of firing, deleting and
 * re-arming from handlers). No assertion depends on how long anything took.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_event.h"
#include "or_timer.h"

#define MANY  10000

/* Kills a hung test (default SIGALRM action) instead of blocking the run. */
static int
watchdog_on(void **state)
{
    (void) state;
    alarm(20);
    return 0;
}

static int
watchdog_off(void **state)
{
    (void) state;
    alarm(0);
    return 0;
}

static void
test_or_timer_heap_insert_random_pops_in_order(void **state)
{
    or_timer_heap_t  heap;
    or_timer_t      *timers = calloc(MANY, sizeof(*timers));
    uint64_t         last = 0;

    (void) state;
    assert_non_null(timers);
    srand(1);
    or_timer_heap_init(&heap);
    for (size_t i = 0; i < MANY; i++) {
        assert_int_equal(or_timer_heap_insert(&heap, &timers[i],
                                              (uint64_t) (rand() % 5000)),
                         OR_OK);
    }
    assert_true(or_timer_heap_check(&heap));
    assert_int_equal(heap.n, MANY);

    for (size_t i = 0; i < MANY; i++) {
        or_timer_t *min = or_timer_heap_min(&heap);

        assert_non_null(min);
        assert_true(min->deadline >= last);
        last = min->deadline;
        or_timer_heap_remove(&heap, min);
        assert_false(or_timer_is_armed(min));
        if (i % 997 == 0) {
            assert_true(or_timer_heap_check(&heap));
        }
    }
    assert_null(or_timer_heap_min(&heap));
    or_timer_heap_destroy(&heap);
    free(timers);
}

static void
test_or_timer_heap_remove_random_keeps_invariants(void **state)
{
    or_timer_heap_t  heap;
    or_timer_t      *timers = calloc(MANY, sizeof(*timers));
    size_t           armed = MANY;

    (void) state;
    assert_non_null(timers);
    srand(2);
    or_timer_heap_init(&heap);
    for (size_t i = 0; i < MANY; i++) {
        assert_int_equal(or_timer_heap_insert(&heap, &timers[i],
                                              (uint64_t) (rand() % 100)),
                         OR_OK);
    }
    for (size_t k = 0; k < MANY; k++) {
        or_timer_t *t = &timers[rand() % MANY];

        if (or_timer_is_armed(t)) {
            armed--;
        }
        or_timer_heap_remove(&heap, t);   /* twice on some: a no-op */
        if (k % 101 == 0) {
            assert_true(or_timer_heap_check(&heap));
        }
    }
    assert_true(or_timer_heap_check(&heap));
    assert_int_equal(heap.n, armed);
    or_timer_heap_destroy(&heap);
    free(timers);
}

static void
test_or_timer_heap_insert_armed_moves(void **state)
{
    or_timer_heap_t heap;
    or_timer_t      t[3] = {{0}};

    (void) state;
    or_timer_heap_init(&heap);
    assert_int_equal(or_timer_heap_insert(&heap, &t[0], 10), OR_OK);
    assert_int_equal(or_timer_heap_insert(&heap, &t[1], 20), OR_OK);
    assert_int_equal(or_timer_heap_insert(&heap, &t[2], 30), OR_OK);
    assert_ptr_equal(or_timer_heap_min(&heap), &t[0]);

    assert_int_equal(or_timer_heap_insert(&heap, &t[2], 5), OR_OK);
    assert_int_equal(heap.n, 3);
    assert_ptr_equal(or_timer_heap_min(&heap), &t[2]);
    assert_true(or_timer_heap_check(&heap));

    assert_int_equal(or_timer_heap_insert(&heap, &t[2], 50), OR_OK);
    assert_int_equal(heap.n, 3);
    assert_ptr_equal(or_timer_heap_min(&heap), &t[0]);
    assert_true(or_timer_heap_check(&heap));
    or_timer_heap_destroy(&heap);
}

static void
test_or_timer_heap_insert_equal_deadlines_fifo(void **state)
{
    or_timer_heap_t heap;
    or_timer_t      t[64] = {{0}};

    (void) state;
    or_timer_heap_init(&heap);
    for (size_t i = 0; i < 64; i++) {
        assert_int_equal(or_timer_heap_insert(&heap, &t[i], 7), OR_OK);
    }
    for (size_t i = 0; i < 64; i++) {
        assert_ptr_equal(or_timer_heap_min(&heap), &t[i]);
        or_timer_heap_remove(&heap, &t[i]);
    }
    or_timer_heap_destroy(&heap);
}

static void
test_or_timer_heap_destroy_disarms(void **state)
{
    or_timer_heap_t heap;
    or_timer_t      t[100] = {{0}};

    (void) state;
    or_timer_heap_init(&heap);
    for (size_t i = 0; i < 100; i++) {
        assert_int_equal(or_timer_heap_insert(&heap, &t[i], i), OR_OK);
    }
    or_timer_heap_destroy(&heap);
    for (size_t i = 0; i < 100; i++) {
        assert_false(or_timer_is_armed(&t[i]));
    }
}

/* Live loop tests. */

typedef struct {
    or_timer_t   timer;
    uint64_t     deadline;      /* as armed */
    uint64_t     seq;           /* as armed */
    int          fired;
} item_t;

typedef struct {
    item_t      *items;
    size_t       fired;
    uint64_t     last_deadline;
    uint64_t     last_seq;
    int          out_of_order;
    int          fired_twice;
} order_t;

static void
order_handler(or_event_loop_t *loop, or_timer_t *timer, void *data)
{
    order_t *o = data;
    item_t  *it = (item_t *) timer;   /* timer is the first member */

    (void) loop;
    if (it->fired) {
        o->fired_twice = 1;
    }
    it->fired = 1;
    if (it->deadline < o->last_deadline
        || (it->deadline == o->last_deadline && it->seq < o->last_seq))
    {
        o->out_of_order = 1;
    }
    o->last_deadline = it->deadline;
    o->last_seq = it->seq;
    o->fired++;
}

static void
test_or_timer_add_many_fire_in_order(void **state)
{
    or_event_loop_t *loop;
    order_t          o = {0};

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 16), OR_OK);
    o.items = calloc(MANY, sizeof(*o.items));
    assert_non_null(o.items);
    srand(3);
    for (size_t i = 0; i < MANY; i++) {
        item_t *it = &o.items[i];

        assert_int_equal(or_timer_add(loop, &it->timer,
                                      (uint64_t) (rand() % 30),
                                      order_handler, &o),
                         OR_OK);
        it->deadline = it->timer.deadline;
        it->seq = it->timer.seq;
    }
    assert_true(or_timer_heap_check(or_event_timers(loop)));

    while (o.fired < MANY) {
        assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    }
    assert_false(o.out_of_order);
    assert_false(o.fired_twice);
    assert_null(or_timer_heap_min(or_event_timers(loop)));
    or_event_loop_free(loop);
    free(o.items);
}

typedef struct {
    or_timer_t   a;
    or_timer_t   b;
    int          a_fired;
    int          b_fired;
} pair_t;

static void
del_both_handler(or_event_loop_t *loop, or_timer_t *timer, void *data)
{
    pair_t *p = data;

    p->a_fired++;
    or_timer_del(loop, timer);   /* self: already disarmed, a no-op */
    or_timer_del(loop, &p->b);   /* other, due in this same pass */
    or_timer_del(loop, &p->b);   /* and again */
}

static void
b_handler(or_event_loop_t *loop, or_timer_t *timer, void *data)
{
    pair_t *p = data;

    (void) loop;
    (void) timer;
    p->b_fired++;
}

static void
test_or_timer_del_self_and_other_in_same_pass(void **state)
{
    or_event_loop_t *loop;
    pair_t           p = {0};

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 16), OR_OK);
    /* Equal deadlines fire in arm order, so a runs first. */
    assert_int_equal(or_timer_add(loop, &p.a, 0, del_both_handler, &p), OR_OK);
    assert_int_equal(or_timer_add(loop, &p.b, 0, b_handler, &p), OR_OK);

    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(p.a_fired, 1);
    assert_int_equal(p.b_fired, 0);
    assert_false(or_timer_is_armed(&p.a));
    assert_false(or_timer_is_armed(&p.b));
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(p.a_fired, 1);
    assert_int_equal(p.b_fired, 0);
    or_event_loop_free(loop);
}

static void
free_self_handler(or_event_loop_t *loop, or_timer_t *timer, void *data)
{
    int *count = data;

    (void) loop;
    (*count)++;
    free(timer);
}

static void
test_or_timer_add_handler_may_free_timer(void **state)
{
    or_event_loop_t *loop;
    or_timer_t      *t = calloc(1, sizeof(*t));
    int              count = 0;

    (void) state;
    assert_non_null(t);
    assert_int_equal(or_event_loop_new(&loop, 16), OR_OK);
    assert_int_equal(or_timer_add(loop, t, 0, free_self_handler, &count),
                     OR_OK);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(count, 1);
    or_event_loop_free(loop);
}

static void
rearm_handler(or_event_loop_t *loop, or_timer_t *timer, void *data)
{
    int *count = data;

    (*count)++;
    assert_int_equal(or_timer_add(loop, timer, 0, rearm_handler, data),
                     OR_OK);
}

static void
test_or_timer_add_rearm_in_handler_fires_next_iteration(void **state)
{
    or_event_loop_t *loop;
    or_timer_t       t = {0};
    int              count = 0;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 16), OR_OK);
    assert_int_equal(or_timer_add(loop, &t, 0, rearm_handler, &count), OR_OK);

    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(count, 1);
    assert_true(or_timer_is_armed(&t));
    assert_int_equal(or_event_loop_timeout(loop, -1), 0);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(count, 2);

    or_timer_del(loop, &t);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(count, 2);
    or_event_loop_free(loop);
}

static void
count_handler(or_event_loop_t *loop, or_timer_t *timer, void *data)
{
    (void) loop;
    (void) timer;
    (*(int *) data)++;
}

static void
test_or_timer_add_rearm_armed_moves(void **state)
{
    or_event_loop_t *loop;
    or_timer_t       t = {0};
    int              count = 0;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 16), OR_OK);
    assert_int_equal(or_timer_add(loop, &t, 0, count_handler, &count), OR_OK);
    assert_int_equal(or_timer_add(loop, &t, 3600 * 1000, count_handler,
                                  &count), OR_OK);
    assert_int_equal(or_event_timers(loop)->n, 1);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(count, 0);

    assert_int_equal(or_timer_add(loop, &t, 0, count_handler, &count), OR_OK);
    assert_int_equal(or_event_timers(loop)->n, 1);
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(count, 1);
    assert_false(or_timer_is_armed(&t));
    or_event_loop_free(loop);
}

static void
test_or_timer_del_unarmed_is_noop(void **state)
{
    or_event_loop_t *loop;
    or_timer_t       t = {0};

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 16), OR_OK);
    or_timer_del(loop, &t);
    assert_false(or_timer_is_armed(&t));
    assert_int_equal(or_event_timers(loop)->n, 0);
    or_event_loop_free(loop);
}

static void
test_or_timer_add_null_handler_fails(void **state)
{
    or_event_loop_t *loop;
    or_timer_t       t = {0};

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 16), OR_OK);
    assert_int_equal(or_timer_add(loop, &t, 0, NULL, NULL), OR_ERROR);
    assert_false(or_timer_is_armed(&t));
    or_event_loop_free(loop);
}

static void
test_or_timer_wait_ms_nearest_deadline(void **state)
{
    or_event_loop_t *loop;
    or_timer_t       t[2] = {{0}};
    int              count = 0;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 16), OR_OK);
    assert_int_equal(or_timer_wait_ms(loop), -1);
    /* The cached clock does not move between run_once() calls. */
    assert_int_equal(or_timer_add(loop, &t[0], 5000, count_handler, &count),
                     OR_OK);
    assert_int_equal(or_timer_wait_ms(loop), 5000);
    assert_int_equal(or_timer_add(loop, &t[1], 1200, count_handler, &count),
                     OR_OK);
    assert_int_equal(or_timer_wait_ms(loop), 1200);
    or_timer_del(loop, &t[1]);
    assert_int_equal(or_timer_wait_ms(loop), 5000);
    assert_int_equal(or_timer_add(loop, &t[1], UINT64_MAX, count_handler,
                                  &count), OR_OK);
    or_timer_del(loop, &t[0]);
    assert_int_equal(or_timer_wait_ms(loop), INT32_MAX);
    or_event_loop_free(loop);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_timer_heap_insert_random_pops_in_order),
        cmocka_unit_test(test_or_timer_heap_remove_random_keeps_invariants),
        cmocka_unit_test(test_or_timer_heap_insert_armed_moves),
        cmocka_unit_test(test_or_timer_heap_insert_equal_deadlines_fifo),
        cmocka_unit_test(test_or_timer_heap_destroy_disarms),
        cmocka_unit_test(test_or_timer_add_many_fire_in_order),
        cmocka_unit_test(test_or_timer_del_self_and_other_in_same_pass),
        cmocka_unit_test(test_or_timer_add_handler_may_free_timer),
        cmocka_unit_test(
            test_or_timer_add_rearm_in_handler_fires_next_iteration),
        cmocka_unit_test(test_or_timer_add_rearm_armed_moves),
        cmocka_unit_test(test_or_timer_del_unarmed_is_noop),
        cmocka_unit_test(test_or_timer_add_null_handler_fails),
        cmocka_unit_test(test_or_timer_wait_ms_nearest_deadline),
    };

    return cmocka_run_group_tests(tests, watchdog_on, watchdog_off);
}
