/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Timers of one event loop: a binary min-heap of embeddable or_timer_t keyed
 * by (deadline, arm order), read against the loop's cached monotonic clock.
 * No allocation per timer: the heap holds pointers, each timer its index.
 */
#ifndef OR_TIMER_H_INCLUDED
#define OR_TIMER_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "or_err.h"

typedef struct or_event_loop_s or_event_loop_t;
typedef struct or_timer_s or_timer_t;

/*
 * Called once when the timer expires. The timer is already disarmed, so the
 * handler may re-arm it, delete it (a no-op) or free the struct holding it.
 */
typedef void (*or_timer_handler_pt)(or_event_loop_t *loop, or_timer_t *timer,
                                    void *data);

/*
 * Embed one in the struct it guards and zero it before first use (a zeroed
 * timer is unarmed). Fields are private to or_timer.c; read them through
 * or_timer_is_armed() only.
 */
struct or_timer_s {
    uint64_t             deadline;   /* ms, monotonic (or_event_now_ms) */
    uint64_t             seq;        /* arm order: FIFO among equal deadlines */
    size_t               index;      /* 1-based heap slot; 0 = unarmed */
    or_timer_handler_pt  handler;
    void                *data;       /* borrowed; passed to handler */
};

/* Owned by the loop; exposed only so or_event.c can embed it. */
typedef struct {
    or_timer_t  **items;             /* items[0] has the nearest deadline */
    size_t        n;
    size_t        cap;
    uint64_t      next_seq;
} or_timer_heap_t;

/*
 * Arm timer to fire ms after the loop's cached clock. Re-arming an armed
 * timer moves it (O(log n), never allocates, cannot fail). A timer armed
 * from inside a timer handler never fires in that same expiry pass, even
 * with ms == 0, so a handler re-arming itself cannot spin the loop.
 * Fails with OR_ENOMEM when the heap must grow and cannot, OR_ERROR (errno
 * EINVAL) for a NULL handler; on failure the timer is left as it was.
 */
__attribute__((warn_unused_result)) or_err_t
or_timer_add(or_event_loop_t *loop, or_timer_t *timer, uint64_t ms,
             or_timer_handler_pt handler, void *data);

/*
 * Disarm. Safe on an unarmed timer, from its own handler and from any other
 * handler, including another timer's in the same expiry pass.
 */
void
or_timer_del(or_event_loop_t *loop, or_timer_t *timer);

static inline int
or_timer_is_armed(const or_timer_t *timer)
{
    return timer->index != 0;
}

/* For or_event.c: run every timer due at the cached clock, nearest first. */
void
or_timer_expire(or_event_loop_t *loop);

/*
 * For or_event.c: ms until the nearest deadline (0 if due), or -1 when no
 * timer is armed. Clamped to INT32_MAX so it fits epoll_wait().
 */
int
or_timer_wait_ms(or_event_loop_t *loop);

/* The heap itself; the loop and the unit tests use these. */
void
or_timer_heap_init(or_timer_heap_t *heap);

/* Frees the array and disarms every timer still in it (they are borrowed). */
void
or_timer_heap_destroy(or_timer_heap_t *heap);

/* Insert, or move if already armed; sets deadline and a fresh seq. */
__attribute__((warn_unused_result)) or_err_t
or_timer_heap_insert(or_timer_heap_t *heap, or_timer_t *timer,
                     uint64_t deadline);

/* Remove if armed; a no-op otherwise. */
void
or_timer_heap_remove(or_timer_heap_t *heap, or_timer_t *timer);

/* The nearest timer, borrowed; NULL if empty. */
static inline or_timer_t *
or_timer_heap_min(const or_timer_heap_t *heap)
{
    return heap->n ? heap->items[0] : NULL;
}

/* 1 if the heap order and every stored index hold, else 0 (for tests). */
int
or_timer_heap_check(const or_timer_heap_t *heap);

#endif /* OR_TIMER_H_INCLUDED */
