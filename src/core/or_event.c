/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The worker's event loop (see or_event.h): epoll on an fd-indexed slot
 * table, the cached clock, posted work, and the iteration that drives them
 * and the timers of or_timer.c. Shaped after redis' ae.c, without its
 * global state, its O(n) timers and its unchecked epoll_ctl() calls.
 */
#include "or_event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#define OR_EV_IO_BITS  (OR_EV_READ | OR_EV_WRITE)

/*
 * One per descriptor number. gen is bumped on every delete and travels
 * with each epoll event (fd in the low 32 bits of data.u64, gen in the
 * high): an event read before the delete no longer matches, which is how a
 * batch skips descriptors closed, and maybe reused, by an earlier handler
 * of the same batch (nginx's instance bit, made wide).
 */
typedef struct {
    or_event_handler_pt  handler;    /* NULL = slot free */
    void                *data;
    unsigned             mask;       /* OR_EV_READ|WRITE|EXCLUSIVE */
    uint32_t             gen;
} or_event_slot_t;

struct or_event_loop_s {
    int                  epfd;
    int                  nfds_max;
    or_event_slot_t     *slots;      /* nfds_max of them, by fd */
    uint64_t             now_ms;     /* ms, CLOCK_MONOTONIC, cached */
    or_timer_heap_t      timers;
    or_event_posted_t    posted;     /* sentinel of a circular list */
    or_event_hook_pt     before_wait;
    void                *before_wait_data;
    sigset_t             sigmask;
    int                  use_sigmask;
    int                  stop;
    struct epoll_event   events[OR_EVENT_BATCH];
};

static uint32_t
epoll_bits(unsigned mask)
{
    uint32_t bits = 0;

    if (mask & OR_EV_READ) {
        bits |= EPOLLIN;
    }
    if (mask & OR_EV_WRITE) {
        bits |= EPOLLOUT;
    }
    return bits;
}

static or_err_t
fail(int err)
{
    errno = err;
    return OR_ERROR;
}

static void
posted_list_init(or_event_posted_t *head)
{
    head->next = head;
    head->prev = head;
}

or_err_t
or_event_loop_new(or_event_loop_t **loop, int nfds_max)
{
    or_event_loop_t *lp;

    if (nfds_max < 1) {
        return fail(EINVAL);
    }
    lp = calloc(1, sizeof(*lp));
    if (lp == NULL) {
        return OR_ENOMEM;
    }
    lp->slots = calloc((size_t) nfds_max, sizeof(*lp->slots));
    if (lp->slots == NULL) {
        free(lp);
        return OR_ENOMEM;
    }
    lp->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (lp->epfd == -1) {
        int err = errno;

        free(lp->slots);
        free(lp);
        return fail(err);
    }
    lp->nfds_max = nfds_max;
    or_timer_heap_init(&lp->timers);
    posted_list_init(&lp->posted);
    or_event_time_update(lp);
    *loop = lp;
    return OR_OK;
}

void
or_event_loop_free(or_event_loop_t *loop)
{
    int err = errno;

    if (loop == NULL) {
        return;
    }
    /* Posted work outlives the loop: leave none pointing at the sentinel. */
    while (loop->posted.next != &loop->posted) {
        or_event_post_cancel(loop->posted.next);
    }
    or_timer_heap_destroy(&loop->timers);
    close(loop->epfd);
    free(loop->slots);
    free(loop);
    errno = err;
}

or_err_t
or_event_add(or_event_loop_t *loop, int fd, unsigned mask,
             or_event_handler_pt handler, void *data)
{
    or_event_slot_t    *slot;
    struct epoll_event  ee;

    if (fd < 0) {
        return fail(EBADF);
    }
    if (fd >= loop->nfds_max) {
        return fail(EMFILE);
    }
    if (handler == NULL || (mask & ~(OR_EV_IO_BITS | OR_EV_EXCLUSIVE))) {
        return fail(EINVAL);
    }
    slot = &loop->slots[fd];
    if (slot->handler != NULL) {
        return fail(EEXIST);
    }

    memset(&ee, 0, sizeof(ee));
    ee.events = epoll_bits(mask);
    if (mask & OR_EV_EXCLUSIVE) {
        ee.events |= EPOLLEXCLUSIVE;
    }
    ee.data.u64 = (uint64_t) slot->gen << 32 | (uint32_t) fd;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ee) == -1) {
        return OR_ERROR;
    }

    slot->handler = handler;
    slot->data = data;
    slot->mask = mask;
    return OR_OK;
}

or_err_t
or_event_mod(or_event_loop_t *loop, int fd, unsigned mask)
{
    or_event_slot_t    *slot;
    struct epoll_event  ee;

    if (fd < 0 || fd >= loop->nfds_max
        || loop->slots[fd].handler == NULL)
    {
        return fail(ENOENT);
    }
    slot = &loop->slots[fd];
    if ((mask & ~OR_EV_IO_BITS) || (slot->mask & OR_EV_EXCLUSIVE)) {
        /* EPOLL_CTL_MOD would fail with EINVAL: say so without asking. */
        return fail(EINVAL);
    }

    memset(&ee, 0, sizeof(ee));
    ee.events = epoll_bits(mask);
    ee.data.u64 = (uint64_t) slot->gen << 32 | (uint32_t) fd;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ee) == -1) {
        return OR_ERROR;
    }
    slot->mask = mask;
    return OR_OK;
}

/* 1 if fd's slot was in use; events already read for it are dropped */
static int
event_forget(or_event_loop_t *loop, int fd)
{
    or_event_slot_t *slot;

    if (fd < 0 || fd >= loop->nfds_max
        || loop->slots[fd].handler == NULL)
    {
        return 0;
    }
    slot = &loop->slots[fd];
    slot->handler = NULL;
    slot->data = NULL;
    slot->mask = 0;
    slot->gen++;
    return 1;
}

or_err_t
or_event_del(or_event_loop_t *loop, int fd)
{
    int rc;

    if (!event_forget(loop, fd)) {
        return OR_OK;
    }
    /* The pointer is ignored since Linux 2.6.9, but must not be NULL before. */
    rc = epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, &(struct epoll_event) {0});
    return rc == -1 ? OR_ERROR : OR_OK;
}

void
or_event_close(or_event_loop_t *loop, int fd)
{
    (void) event_forget(loop, fd);
    (void) close(fd);
}

void
or_event_post(or_event_loop_t *loop, or_event_posted_t *ev,
              or_event_posted_pt handler, void *data)
{
    if (ev->next != NULL) {
        return;
    }
    ev->handler = handler;
    ev->data = data;
    ev->prev = loop->posted.prev;
    ev->next = &loop->posted;
    loop->posted.prev->next = ev;
    loop->posted.prev = ev;
}

void
or_event_post_cancel(or_event_posted_t *ev)
{
    /*
     * Unlinking touches only the neighbours, so this works whether ev sits
     * on the loop's list or on the batch being run by run_posted().
     */
    if (ev->next == NULL) {
        return;
    }
    ev->prev->next = ev->next;
    ev->next->prev = ev->prev;
    ev->next = NULL;
    ev->prev = NULL;
}

static void
run_posted(or_event_loop_t *loop)
{
    or_event_posted_t batch;

    if (loop->posted.next == &loop->posted) {
        return;
    }
    /*
     * Move the list to a local head, so that work posted while it runs
     * waits for the next iteration instead of looping here forever.
     */
    batch.next = loop->posted.next;
    batch.prev = loop->posted.prev;
    batch.next->prev = &batch;
    batch.prev->next = &batch;
    posted_list_init(&loop->posted);

    while (batch.next != &batch) {
        or_event_posted_t *ev = batch.next;

        or_event_post_cancel(ev);
        /* Last touch of ev: the handler may free what holds it. */
        ev->handler(loop, ev, ev->data);
    }
}

static void
dispatch(or_event_loop_t *loop, int n)
{
    for (int i = 0; i < n; i++) {
        uint64_t         u64 = loop->events[i].data.u64;
        uint32_t         got = loop->events[i].events;
        int              fd = (int) (uint32_t) u64;
        or_event_slot_t *slot = &loop->slots[fd];
        unsigned         events = 0;

        /*
         * The trap of ae.c: an earlier handler of this batch may have
         * deleted fd, added a new one under the same number, or changed
         * its mask. Re-read the slot, match the generation, and deliver
         * only what is still wanted.
         */
        if (slot->handler == NULL || slot->gen != (uint32_t) (u64 >> 32)) {
            continue;
        }
        if (got & EPOLLIN) {
            events |= OR_EV_READ;
        }
        if (got & EPOLLOUT) {
            events |= OR_EV_WRITE;
        }
        events &= slot->mask;
        if (got & (EPOLLERR | EPOLLHUP)) {
            events |= OR_EV_ERROR;
        }
        if (events != 0) {
            slot->handler(loop, fd, events, slot->data);
        }
    }
}

or_err_t
or_event_loop_run_once(or_event_loop_t *loop, int max_wait_ms)
{
    int timeout = or_event_loop_timeout(loop, max_wait_ms);
    int n;

    if (loop->use_sigmask) {
        n = epoll_pwait(loop->epfd, loop->events, OR_EVENT_BATCH, timeout,
                        &loop->sigmask);
    } else {
        n = epoll_wait(loop->epfd, loop->events, OR_EVENT_BATCH, timeout);
    }
    if (n == -1) {
        if (errno != EINTR) {
            return OR_ERROR;
        }
        /* A signal: let the caller see its flags before anything else. */
        or_event_time_update(loop);
        return OR_OK;
    }

    or_event_time_update(loop);
    dispatch(loop, n);
    or_timer_expire(loop);
    run_posted(loop);
    return OR_OK;
}

or_err_t
or_event_loop_run(or_event_loop_t *loop)
{
    or_err_t rc = OR_OK;

    /* A stop asked for before run() is kept: it returns at once. */
    while (!loop->stop) {
        if (loop->before_wait != NULL) {
            loop->before_wait(loop, loop->before_wait_data);
            if (loop->stop) {
                break;
            }
        }
        rc = or_event_loop_run_once(loop, -1);
        if (rc != OR_OK) {
            break;
        }
    }
    loop->stop = 0;
    return rc;
}

void
or_event_loop_stop(or_event_loop_t *loop)
{
    loop->stop = 1;
}

void
or_event_loop_set_before_wait(or_event_loop_t *loop, or_event_hook_pt hook,
                              void *data)
{
    loop->before_wait = hook;
    loop->before_wait_data = data;
}

void
or_event_loop_set_sigmask(or_event_loop_t *loop, const sigset_t *mask)
{
    loop->use_sigmask = mask != NULL;
    if (mask != NULL) {
        loop->sigmask = *mask;
    }
}

int
or_event_loop_timeout(or_event_loop_t *loop, int max_wait_ms)
{
    int timeout = or_timer_wait_ms(loop);

    if (loop->posted.next != &loop->posted) {
        return 0;
    }
    if (max_wait_ms >= 0 && (timeout < 0 || max_wait_ms < timeout)) {
        timeout = max_wait_ms;
    }
    return timeout;
}

uint64_t
or_event_now_ms(const or_event_loop_t *loop)
{
    return loop->now_ms;
}

void
or_event_time_update(or_event_loop_t *loop)
{
    struct timespec ts;

    /* CLOCK_MONOTONIC cannot fail with a valid pointer on Linux. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    loop->now_ms = (uint64_t) ts.tv_sec * 1000
                   + (uint64_t) ts.tv_nsec / 1000000;
}

or_timer_heap_t *
or_event_timers(or_event_loop_t *loop)
{
    return &loop->timers;
}
