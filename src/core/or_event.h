/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The event loop of one worker: epoll readiness on descriptors, timers
 * (or_timer.h) and posted work, single-threaded. Functions never log: they
 * return or_err_t, with errno set on OR_ERROR, and the caller logs.
 */
#ifndef OR_EVENT_H_INCLUDED
#define OR_EVENT_H_INCLUDED

#include <signal.h>
#include <stdint.h>

#include "or_err.h"
#include "or_timer.h"

typedef struct or_event_loop_s or_event_loop_t;
typedef struct or_event_posted_s or_event_posted_t;

/* Events per epoll_wait(); more stay queued in the kernel for next time. */
#define OR_EVENT_BATCH  512

/*
 * Mask bits. READ and WRITE go to or_event_add() and or_event_mod(), and come
 * back in a handler's events; so does ERROR, never requested: EPOLLERR or
 * EPOLLHUP on the descriptor, so the handler can close it.
 */
#define OR_EV_READ       0x01u
#define OR_EV_WRITE      0x02u
#define OR_EV_ERROR      0x04u
/*
 * EPOLLEXCLUSIVE, for a listening socket shared by all workers: one
 * connection wakes one worker blocked in epoll_wait, not all of them. The
 * kernel takes it only at EPOLL_CTL_ADD and refuses EPOLL_CTL_MOD on such a
 * descriptor, so or_event_add() only; or_event_mod() on a descriptor added
 * with it fails with EINVAL: delete and add it again instead.
 */
#define OR_EV_EXCLUSIVE  0x08u

/*
 * events is READ, WRITE and ERROR as reported, restricted to the descriptor's
 * current mask. The handler may add, mod or delete any descriptor, this one
 * included; events already read for one it deleted are dropped, even if the
 * number was reused by a new or_event_add() in between.
 */
typedef void (*or_event_handler_pt)(or_event_loop_t *loop, int fd,
                                    unsigned events, void *data);

typedef void (*or_event_posted_pt)(or_event_loop_t *loop,
                                   or_event_posted_t *ev, void *data);

/* Called by or_event_loop_run() before each wait: check signal flags here. */
typedef void (*or_event_hook_pt)(or_event_loop_t *loop, void *data);

/*
 * Posted work: embed one, zero it before first use (zeroed = not posted).
 * Fields are private to or_event.c.
 */
struct or_event_posted_s {
    or_event_posted_t   *next;       /* NULL = not posted */
    or_event_posted_t   *prev;
    or_event_posted_pt   handler;
    void                *data;       /* borrowed; passed to handler */
};

/*
 * A loop for descriptors 0 .. nfds_max - 1: an fd-indexed table gives O(1)
 * lookup and a hard cap. OR_ENOMEM, or OR_ERROR with errno from
 * epoll_create1() or EINVAL for nfds_max < 1. *loop is set on OR_OK only.
 */
__attribute__((warn_unused_result)) or_err_t
or_event_loop_new(or_event_loop_t **loop, int nfds_max);

/*
 * Accepts NULL. Closes the epoll descriptor only: registered descriptors
 * belong to the caller, armed timers and posted work are disarmed. Not from
 * inside a handler.
 */
void
or_event_loop_free(or_event_loop_t *loop);

/*
 * Watch fd for mask (READ, WRITE, EXCLUSIVE; level-triggered). mask may have
 * neither READ nor WRITE: errors are still reported. OR_ERROR with errno:
 * EMFILE for fd >= nfds_max, so the caller can refuse the connection;
 * EBADF for fd < 0; EINVAL for a NULL handler or unknown bits; EEXIST if fd
 * is already added; otherwise what epoll_ctl() said. data is borrowed.
 */
__attribute__((warn_unused_result)) or_err_t
or_event_add(or_event_loop_t *loop, int fd, unsigned mask,
             or_event_handler_pt handler, void *data);

/*
 * Replace the mask of an added fd (READ and WRITE only). OR_ERROR with errno
 * ENOENT if fd was not added, EINVAL for an OR_EV_EXCLUSIVE one or unknown
 * bits, otherwise what epoll_ctl() said; the old mask stays on failure.
 */
__attribute__((warn_unused_result)) or_err_t
or_event_mod(or_event_loop_t *loop, int fd, unsigned mask);

/*
 * Stop watching fd; call it before close(fd). OR_OK if fd was not added, so
 * a close path may call it unconditionally. The slot is released even when
 * epoll_ctl() fails (OR_ERROR, its errno: EBADF means fd was closed first).
 */
__attribute__((warn_unused_result)) or_err_t
or_event_del(or_event_loop_t *loop, int fd);

/*
 * Stop watching fd and close it, in one system call instead of two: the
 * kernel drops an epoll registration when the last descriptor of its open
 * file is closed. Only for a descriptor this process never shared (dup(),
 * fork(), SCM_RIGHTS), or events would go on coming for a number that is
 * reused. Closes fd also when it was not added. close()'s result is
 * ignored, as Linux releases the descriptor even when it fails.
 */
void
or_event_close(or_event_loop_t *loop, int fd);

/*
 * Run handler after this iteration's I/O and timers. A no-op if ev is
 * already posted. Work posted by a posted handler runs next iteration (which
 * then does not block), so re-posting from a handler cannot starve I/O.
 */
void
or_event_post(or_event_loop_t *loop, or_event_posted_t *ev,
              or_event_posted_pt handler, void *data);

/* Safe if ev is not posted, and from any handler. */
void
or_event_post_cancel(or_event_posted_t *ev);

static inline int
or_event_is_posted(const or_event_posted_t *ev)
{
    return ev->next != NULL;
}

/*
 * One iteration: wait for I/O at most max_wait_ms (-1: no bound) and less
 * if a timer is due sooner or work is posted, refresh the clock, run I/O
 * handlers, then due timers, then posted work. EINTR is not an error: it
 * returns OR_OK early so the caller can look at its signal flags. OR_ERROR
 * with errno if epoll_wait() failed otherwise. Not reentrant.
 */
__attribute__((warn_unused_result)) or_err_t
or_event_loop_run_once(or_event_loop_t *loop, int max_wait_ms);

/*
 * Call the before_wait hook, then run_once(loop, -1), until
 * or_event_loop_stop(); OR_OK then, or run_once()'s error. A stop asked for
 * before the call makes it return at once; the request is cleared on return.
 */
__attribute__((warn_unused_result)) or_err_t
or_event_loop_run(or_event_loop_t *loop);

/* Make or_event_loop_run() return after the current iteration. */
void
or_event_loop_stop(or_event_loop_t *loop);

/* hook may be NULL; data is borrowed. */
void
or_event_loop_set_before_wait(or_event_loop_t *loop, or_event_hook_pt hook,
                              void *data);

/*
 * Wait with epoll_pwait(mask) (copied), NULL to go back to epoll_wait(). A
 * worker blocks its signals, checks its flags in before_wait and passes the
 * old mask here: a signal then arrives only inside the wait, which returns
 * EINTR, and cannot slip in between the check and the wait unseen.
 */
void
or_event_loop_set_sigmask(or_event_loop_t *loop, const sigset_t *mask);

/*
 * What the nearest timer, posted work and max_wait_ms (-1: no bound) allow
 * as the next wait, in ms; -1 for no bound. Exposed for tests and logs.
 */
int
or_event_loop_timeout(or_event_loop_t *loop, int max_wait_ms);

/*
 * The cached clock, ms of CLOCK_MONOTONIC, read once per iteration right
 * after the wait, so every handler of a batch sees one time and timers cost
 * no system call. or_event_time_update() re-reads it, for a caller that did
 * something slow outside the loop.
 */
uint64_t
or_event_now_ms(const or_event_loop_t *loop);

void
or_event_time_update(or_event_loop_t *loop);

/* For or_timer.c: the loop's heap; borrowed, valid until loop is freed. */
or_timer_heap_t *
or_event_timers(or_event_loop_t *loop);

#endif /* OR_EVENT_H_INCLUDED */
