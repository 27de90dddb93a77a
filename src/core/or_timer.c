/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The timer heap of an event loop (see or_timer.h). A heap, not redis' list
 * scanned every iteration: a worker holds one deadline per handshake, 10,000+
 * of them, and arms, moves and deletes them all the time in O(log n).
 */
#include "or_timer.h"

#include <errno.h>
#include <stdlib.h>

#include "or_event.h"

#define OR_TIMER_HEAP_MIN_CAP  64

static int
timer_before(const or_timer_t *a, const or_timer_t *b)
{
    if (a->deadline != b->deadline) {
        return a->deadline < b->deadline;
    }
    return a->seq < b->seq;
}

static void
heap_place(or_timer_heap_t *heap, size_t i, or_timer_t *timer)
{
    heap->items[i] = timer;
    timer->index = i + 1;
}

static void
heap_sift_up(or_timer_heap_t *heap, size_t i)
{
    or_timer_t *timer = heap->items[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;

        if (!timer_before(timer, heap->items[parent])) {
            break;
        }
        heap_place(heap, i, heap->items[parent]);
        i = parent;
    }
    heap_place(heap, i, timer);
}

static void
heap_sift_down(or_timer_heap_t *heap, size_t i)
{
    or_timer_t *timer = heap->items[i];

    for ( ;; ) {
        size_t child = 2 * i + 1;

        if (child >= heap->n) {
            break;
        }
        if (child + 1 < heap->n
            && timer_before(heap->items[child + 1], heap->items[child]))
        {
            child++;
        }
        if (!timer_before(heap->items[child], timer)) {
            break;
        }
        heap_place(heap, i, heap->items[child]);
        i = child;
    }
    heap_place(heap, i, timer);
}

/* Restore order around slot i after its key changed either way. */
static void
heap_fix(or_timer_heap_t *heap, size_t i)
{
    if (i > 0 && timer_before(heap->items[i], heap->items[(i - 1) / 2])) {
        heap_sift_up(heap, i);
    } else {
        heap_sift_down(heap, i);
    }
}

static or_err_t
heap_grow(or_timer_heap_t *heap)
{
    size_t       cap;
    or_timer_t **items;

    cap = heap->cap ? heap->cap : OR_TIMER_HEAP_MIN_CAP / 2;
    if (cap > SIZE_MAX / 2 / sizeof(*items)) {
        return OR_ENOMEM;
    }
    cap *= 2;
    items = realloc(heap->items, cap * sizeof(*items));
    if (items == NULL) {
        return OR_ENOMEM;
    }
    heap->items = items;
    heap->cap = cap;
    return OR_OK;
}

void
or_timer_heap_init(or_timer_heap_t *heap)
{
    heap->items = NULL;
    heap->n = 0;
    heap->cap = 0;
    heap->next_seq = 0;
}

void
or_timer_heap_destroy(or_timer_heap_t *heap)
{
    /* The timers outlive the heap: leave none claiming a slot in it. */
    for (size_t i = 0; i < heap->n; i++) {
        heap->items[i]->index = 0;
    }
    free(heap->items);
    or_timer_heap_init(heap);
}

or_err_t
or_timer_heap_insert(or_timer_heap_t *heap, or_timer_t *timer,
                     uint64_t deadline)
{
    if (timer->index == 0 && heap->n == heap->cap) {
        or_err_t rc = heap_grow(heap);

        if (rc != OR_OK) {
            return rc;
        }
    }

    timer->deadline = deadline;
    timer->seq = heap->next_seq++;

    if (timer->index != 0) {
        heap_fix(heap, timer->index - 1);
        return OR_OK;
    }

    heap->n++;
    heap_place(heap, heap->n - 1, timer);
    heap_sift_up(heap, heap->n - 1);
    return OR_OK;
}

void
or_timer_heap_remove(or_timer_heap_t *heap, or_timer_t *timer)
{
    size_t      i;
    or_timer_t *last;

    if (timer->index == 0) {
        return;
    }
    i = timer->index - 1;
    timer->index = 0;

    last = heap->items[--heap->n];
    if (i == heap->n) {
        return;
    }
    heap_place(heap, i, last);
    heap_fix(heap, i);
}

int
or_timer_heap_check(const or_timer_heap_t *heap)
{
    for (size_t i = 0; i < heap->n; i++) {
        if (heap->items[i]->index != i + 1) {
            return 0;
        }
        if (i > 0 && timer_before(heap->items[i], heap->items[(i - 1) / 2])) {
            return 0;
        }
    }
    return 1;
}

or_err_t
or_timer_add(or_event_loop_t *loop, or_timer_t *timer, uint64_t ms,
             or_timer_handler_pt handler, void *data)
{
    uint64_t now = or_event_now_ms(loop);
    uint64_t deadline = ms > UINT64_MAX - now ? UINT64_MAX : now + ms;
    or_err_t rc;

    if (handler == NULL) {
        errno = EINVAL;
        return OR_ERROR;
    }
    rc = or_timer_heap_insert(or_event_timers(loop), timer, deadline);
    if (rc != OR_OK) {
        return rc;
    }
    /* Set only on success, so a failed re-arm keeps the old handler. */
    timer->handler = handler;
    timer->data = data;
    return OR_OK;
}

void
or_timer_del(or_event_loop_t *loop, or_timer_t *timer)
{
    or_timer_heap_remove(or_event_timers(loop), timer);
}

void
or_timer_expire(or_event_loop_t *loop)
{
    or_timer_heap_t *heap = or_event_timers(loop);
    uint64_t         now = or_event_now_ms(loop);
    uint64_t         limit = heap->next_seq;
    or_timer_t      *timer;

    /*
     * Timers armed by handlers in this pass have seq >= limit and a deadline
     * >= now, so they sort after every timer that was due when the pass
     * began: stopping at the first of them fires exactly the old ones and
     * keeps a handler that re-arms itself with ms == 0 from spinning here.
     */
    while ((timer = or_timer_heap_min(heap)) != NULL
           && timer->deadline <= now && timer->seq < limit)
    {
        or_timer_heap_remove(heap, timer);
        /* Last touch of timer: the handler may free what holds it. */
        timer->handler(loop, timer, timer->data);
    }
}

int
or_timer_wait_ms(or_event_loop_t *loop)
{
    or_timer_t *timer = or_timer_heap_min(or_event_timers(loop));
    uint64_t    now = or_event_now_ms(loop);

    if (timer == NULL) {
        return -1;
    }
    if (timer->deadline <= now) {
        return 0;
    }
    if (timer->deadline - now > INT32_MAX) {
        return INT32_MAX;
    }
    return (int) (timer->deadline - now);
}
