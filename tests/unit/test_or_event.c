/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_event.c: descriptors (cap, add/mod/del, errors,
 * EPOLLEXCLUSIVE), stale events in a batch, posted work, wait timeouts and
 * signals. Pipes and eventfds drive the I/O; no assertion depends on time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "or_event.h"

/* Kills a hung test (default SIGALRM action) instead of blocking the run. */
static int
watchdog_on(void **state)
{
    (void) state;
    alarm(30);
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
make_pipe(int fds[2])
{
    assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
}

static void
poke(int fd)
{
    assert_int_equal(write(fd, "x", 1), 1);
}

/* A record of handler calls, in order, shared through data. */
typedef struct {
    int       calls;
    int       fd[16];
    unsigned  events[16];
    int       posted_at;     /* calls seen when the posted handler ran */
    int       posted_runs;
} log_t;

static void
log_handler(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    log_t *lg = data;

    (void) loop;
    if (lg->calls < 16) {
        lg->fd[lg->calls] = fd;
        lg->events[lg->calls] = events;
    }
    lg->calls++;
}

static void
test_or_event_loop_new_bad_cap_fails_free_null(void **state)
{
    int              sentinel;
    or_event_loop_t *loop = (or_event_loop_t *) &sentinel;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 0), OR_ERROR);
    assert_int_equal(errno, EINVAL);
    assert_ptr_equal(loop, (or_event_loop_t *) &sentinel);   /* untouched */
    or_event_loop_free(NULL);
}

static void
test_or_event_add_fd_over_cap_fails_emfile(void **state)
{
    or_event_loop_t *loop;
    log_t            lg = {0};
    int              p[2], high;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    make_pipe(p);
    high = fcntl(p[0], F_DUPFD_CLOEXEC, 64);
    assert_true(high >= 64);

    errno = 0;
    assert_int_equal(or_event_add(loop, high, OR_EV_READ, log_handler, &lg),
                     OR_ERROR);
    assert_int_equal(errno, EMFILE);
    assert_int_equal(or_event_add(loop, -1, OR_EV_READ, log_handler, &lg),
                     OR_ERROR);
    assert_int_equal(errno, EBADF);
    /* Below the cap it works. */
    assert_int_equal(or_event_add(loop, p[0], OR_EV_READ, log_handler, &lg),
                     OR_OK);
    assert_int_equal(or_event_del(loop, p[0]), OR_OK);
    or_event_loop_free(loop);
    close(high);
    close(p[0]);
    close(p[1]);
}

static void
test_or_event_add_bad_arguments_fail(void **state)
{
    or_event_loop_t *loop;
    log_t            lg = {0};
    char             path[] = "/tmp/test_or_event.XXXXXX";
    int              p[2], file;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    make_pipe(p);
    assert_int_equal(or_event_add(loop, p[0], OR_EV_READ, NULL, &lg),
                     OR_ERROR);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(or_event_add(loop, p[0], OR_EV_ERROR, log_handler, &lg),
                     OR_ERROR);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(or_event_add(loop, p[0], OR_EV_READ, log_handler, &lg),
                     OR_OK);
    assert_int_equal(or_event_add(loop, p[0], OR_EV_READ, log_handler, &lg),
                     OR_ERROR);
    assert_int_equal(errno, EEXIST);
    /* epoll refuses regular files (EPERM); the slot must stay free. */
    file = mkstemp(path);
    assert_true(file >= 0);
    unlink(path);
    assert_int_equal(or_event_add(loop, file, OR_EV_READ, log_handler, &lg),
                     OR_ERROR);
    assert_int_equal(errno, EPERM);
    assert_int_equal(or_event_mod(loop, file, OR_EV_READ), OR_ERROR);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(or_event_del(loop, p[0]), OR_OK);
    or_event_loop_free(loop);
    close(file);
    close(p[0]);
    close(p[1]);
}

static void
test_or_event_add_read_calls_handler(void **state)
{
    or_event_loop_t *loop;
    log_t            lg = {0};
    int              p[2];

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    make_pipe(p);
    assert_int_equal(or_event_add(loop, p[0], OR_EV_READ, log_handler, &lg),
                     OR_OK);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(lg.calls, 0);

    poke(p[1]);
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(lg.calls, 1);
    assert_int_equal(lg.fd[0], p[0]);
    assert_int_equal(lg.events[0], OR_EV_READ);

    assert_int_equal(or_event_del(loop, p[0]), OR_OK);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(lg.calls, 1);
    or_event_loop_free(loop);
    close(p[0]);
    close(p[1]);
}

/* or_event_close(): the slot is free at once, the fd closed, and events
 * pending on it are never delivered, also to a new fd of the same number */
static void
test_or_event_close_forgets_and_closes(void **state)
{
    or_event_loop_t *loop;
    log_t            lg = {0};
    int              p[2], q[2], lone;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    make_pipe(p);
    assert_int_equal(or_event_add(loop, p[0], OR_EV_READ, log_handler, &lg),
                     OR_OK);
    poke(p[1]);
    or_event_close(loop, p[0]);
    errno = 0;
    assert_int_equal(fcntl(p[0], F_GETFD), -1);
    assert_int_equal(errno, EBADF);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(lg.calls, 0);

    /* the lowest free number is p[0] again: the slot takes a new add */
    make_pipe(q);
    assert_int_equal(q[0], p[0]);
    assert_int_equal(or_event_add(loop, q[0], OR_EV_READ, log_handler, &lg),
                     OR_OK);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(lg.calls, 0);
    poke(q[1]);
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(lg.calls, 1);
    assert_int_equal(lg.fd[0], q[0]);

    /* a descriptor never added is closed too */
    lone = dup(p[1]);
    assert_true(lone >= 0);
    or_event_close(loop, lone);
    assert_int_equal(fcntl(lone, F_GETFD), -1);

    or_event_close(loop, q[0]);
    or_event_loop_free(loop);
    close(q[1]);
    close(p[1]);
}

static void
test_or_event_mod_changes_mask(void **state)
{
    or_event_loop_t *loop;
    log_t            lg = {0};
    int              p[2];

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    make_pipe(p);
    /* The write end is writable at once; ask for reads only first. */
    assert_int_equal(or_event_add(loop, p[1], OR_EV_READ, log_handler, &lg),
                     OR_OK);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(lg.calls, 0);

    assert_int_equal(or_event_mod(loop, p[1], OR_EV_WRITE), OR_OK);
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(lg.calls, 1);
    assert_int_equal(lg.events[0], OR_EV_WRITE);

    assert_int_equal(or_event_mod(loop, p[1], 0), OR_OK);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(lg.calls, 1);

    assert_int_equal(or_event_mod(loop, p[0], OR_EV_READ), OR_ERROR);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(or_event_mod(loop, p[1], OR_EV_EXCLUSIVE), OR_ERROR);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(or_event_del(loop, p[1]), OR_OK);
    or_event_loop_free(loop);
    close(p[0]);
    close(p[1]);
}

static void
test_or_event_add_hangup_reports_error(void **state)
{
    or_event_loop_t *loop;
    log_t            lg = {0};
    int              p[2];

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    make_pipe(p);
    assert_int_equal(or_event_add(loop, p[0], OR_EV_READ, log_handler, &lg),
                     OR_OK);
    close(p[1]);
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(lg.calls, 1);
    assert_true(lg.events[0] & OR_EV_ERROR);
    assert_int_equal(or_event_del(loop, p[0]), OR_OK);
    or_event_loop_free(loop);
    close(p[0]);
}

static void
test_or_event_del_not_added_is_ok(void **state)
{
    or_event_loop_t *loop;
    log_t            lg = {0};
    int              p[2];

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    make_pipe(p);
    assert_int_equal(or_event_del(loop, p[0]), OR_OK);
    assert_int_equal(or_event_del(loop, 1000), OR_OK);
    assert_int_equal(or_event_del(loop, -1), OR_OK);

    /* Closed first: the kernel says EBADF, the slot is released anyway. */
    assert_int_equal(or_event_add(loop, p[0], OR_EV_READ, log_handler, &lg),
                     OR_OK);
    close(p[0]);
    assert_int_equal(or_event_del(loop, p[0]), OR_ERROR);
    assert_int_equal(errno, EBADF);
    assert_int_equal(or_event_mod(loop, p[0], OR_EV_READ), OR_ERROR);
    assert_int_equal(errno, ENOENT);
    or_event_loop_free(loop);
    close(p[1]);
}

/* Two ready pipes; whichever handler runs first closes the other. */
typedef struct {
    int    rd[2];
    int    wr[2];
    int    ran[2];
    int    reused_fd;        /* -1, or the fd number a new pipe got */
    int    reused_wr;
    log_t  reused_log;
} stale_t;

static void
stale_handler(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    stale_t *s = data;
    int      me = fd == s->rd[0] ? 0 : 1;
    int      other = 1 - me;
    int      p[2];

    (void) events;
    s->ran[me]++;
    if (s->ran[other]) {
        return;
    }
    assert_int_equal(or_event_del(loop, s->rd[other]), OR_OK);
    close(s->rd[other]);
    if (s->reused_fd == -1) {
        return;
    }
    /* The lowest free number comes back: the other's, as after accept(). */
    make_pipe(p);
    assert_int_equal(p[0], s->rd[other]);
    s->reused_fd = p[0];
    s->reused_wr = p[1];
    assert_int_equal(or_event_add(loop, p[0], OR_EV_READ, log_handler,
                                  &s->reused_log), OR_OK);
}

static void
run_stale_case(int reuse)
{
    or_event_loop_t *loop;
    stale_t          s = {0};
    int              p[2], survivor;

    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    s.reused_fd = reuse ? 0 : -1;
    for (int i = 0; i < 2; i++) {
        make_pipe(p);
        s.rd[i] = p[0];
        s.wr[i] = p[1];
        assert_int_equal(or_event_add(loop, p[0], OR_EV_READ, stale_handler,
                                      &s), OR_OK);
        poke(p[1]);
    }
    /* Both are ready before the wait, so both land in one batch. */
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(s.ran[0] + s.ran[1], 1);
    assert_int_equal(s.reused_log.calls, 0);

    survivor = s.ran[0] ? 0 : 1;
    assert_int_equal(or_event_del(loop, s.rd[survivor]), OR_OK);
    close(s.rd[survivor]);
    if (reuse) {
        /* The new descriptor still works normally afterwards. */
        poke(s.reused_wr);
        assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
        assert_int_equal(s.reused_log.calls, 1);
        assert_int_equal(s.reused_log.fd[0], s.reused_fd);
        assert_int_equal(or_event_del(loop, s.reused_fd), OR_OK);
        close(s.reused_fd);
        close(s.reused_wr);
    }
    close(s.wr[0]);
    close(s.wr[1]);
    or_event_loop_free(loop);
}

static void
test_or_event_loop_run_once_skips_fd_closed_in_batch(void **state)
{
    (void) state;
    run_stale_case(0);
}

static void
test_or_event_loop_run_once_skips_fd_reused_in_batch(void **state)
{
    (void) state;
    run_stale_case(1);
}

/* Two ready pipes; whichever handler runs first masks the other's reads. */
static void
masking_handler(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    stale_t *s = data;
    int      me = fd == s->rd[0] ? 0 : 1;

    (void) events;
    s->ran[me]++;
    if (!s->ran[1 - me]) {
        assert_int_equal(or_event_mod(loop, s->rd[1 - me], 0), OR_OK);
    }
}

static void
test_or_event_loop_run_once_drops_events_masked_in_batch(void **state)
{
    or_event_loop_t *loop;
    stale_t          s = {0};
    int              p[2];

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    for (int i = 0; i < 2; i++) {
        make_pipe(p);
        s.rd[i] = p[0];
        s.wr[i] = p[1];
        assert_int_equal(or_event_add(loop, p[0], OR_EV_READ,
                                      masking_handler, &s), OR_OK);
        poke(p[1]);
    }
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(s.ran[0] + s.ran[1], 1);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(or_event_del(loop, s.rd[i]), OR_OK);
        close(s.rd[i]);
        close(s.wr[i]);
    }
    or_event_loop_free(loop);
}

static void
test_or_event_add_exclusive_listener_accepts(void **state)
{
    or_event_loop_t    *loop;
    log_t               lg = {0};
    struct sockaddr_in  sa;
    socklen_t           len = sizeof(sa);
    int                 lfd, cfd, afd;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(lfd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *) &sa, sizeof(sa)), 0);
    assert_int_equal(listen(lfd, 16), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *) &sa, &len), 0);

    assert_int_equal(or_event_add(loop, lfd, OR_EV_READ | OR_EV_EXCLUSIVE,
                                  log_handler, &lg), OR_OK);
    /* The kernel refuses EPOLL_CTL_MOD here; we refuse before asking. */
    assert_int_equal(or_event_mod(loop, lfd, OR_EV_READ), OR_ERROR);
    assert_int_equal(errno, EINVAL);

    cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(cfd >= 0);
    assert_int_equal(connect(cfd, (struct sockaddr *) &sa, sizeof(sa)), 0);
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(lg.calls, 1);
    assert_int_equal(lg.fd[0], lfd);
    assert_int_equal(lg.events[0], OR_EV_READ);
    afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    assert_true(afd >= 0);

    /* Delete and add again is the way to change it. */
    assert_int_equal(or_event_del(loop, lfd), OR_OK);
    assert_int_equal(or_event_add(loop, lfd, OR_EV_READ, log_handler, &lg),
                     OR_OK);
    assert_int_equal(or_event_del(loop, lfd), OR_OK);
    close(afd);
    close(cfd);
    close(lfd);
    or_event_loop_free(loop);
}

static void
posted_handler(or_event_loop_t *loop, or_event_posted_t *ev, void *data)
{
    log_t *lg = data;

    (void) loop;
    (void) ev;
    lg->posted_at = lg->calls;
    lg->posted_runs++;
}

static void
posting_io_handler(or_event_loop_t *loop, int fd, unsigned events,
                   void *data)
{
    void             **ctx = data;
    log_t             *lg = ctx[0];
    or_event_posted_t *ev = ctx[1];
    char               c;

    log_handler(loop, fd, events, lg);
    assert_int_equal(read(fd, &c, 1), 1);
    /* Posting twice from two handlers queues it once. */
    or_event_post(loop, ev, posted_handler, lg);
    or_event_post(loop, ev, posted_handler, lg);
}

static void
test_or_event_post_runs_after_io_once(void **state)
{
    or_event_loop_t   *loop;
    or_event_posted_t  ev = {0};
    log_t              lg = {0};
    void              *ctx[2] = { &lg, &ev };
    int                a[2], b[2];

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    make_pipe(a);
    make_pipe(b);
    assert_int_equal(or_event_add(loop, a[0], OR_EV_READ, posting_io_handler,
                                  ctx), OR_OK);
    assert_int_equal(or_event_add(loop, b[0], OR_EV_READ, posting_io_handler,
                                  ctx), OR_OK);
    poke(a[1]);
    poke(b[1]);

    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(lg.calls, 2);
    assert_int_equal(lg.posted_runs, 1);
    assert_int_equal(lg.posted_at, 2);     /* after both I/O handlers */
    assert_false(or_event_is_posted(&ev));

    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(lg.posted_runs, 1);
    assert_int_equal(or_event_del(loop, a[0]), OR_OK);
    assert_int_equal(or_event_del(loop, b[0]), OR_OK);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    or_event_loop_free(loop);
}

typedef struct {
    or_event_posted_t  first;
    or_event_posted_t  second;
    int                first_runs;
    int                second_runs;
    int                repost;
} chain_t;

static void
second_handler(or_event_loop_t *loop, or_event_posted_t *ev, void *data)
{
    chain_t *c = data;

    (void) loop;
    (void) ev;
    c->second_runs++;
}

static void
first_handler(or_event_loop_t *loop, or_event_posted_t *ev, void *data)
{
    chain_t *c = data;

    c->first_runs++;
    or_event_post_cancel(&c->second);   /* queued behind us in this pass */
    or_event_post_cancel(ev);           /* self: not posted any more */
    if (c->repost) {
        or_event_post(loop, ev, first_handler, c);
    }
}

static void
test_or_event_post_cancel_from_handler(void **state)
{
    or_event_loop_t *loop;
    chain_t          c = {0};

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    or_event_post(loop, &c.first, first_handler, &c);
    or_event_post(loop, &c.second, second_handler, &c);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(c.first_runs, 1);
    assert_int_equal(c.second_runs, 0);
    assert_false(or_event_is_posted(&c.second));

    or_event_post(loop, &c.second, second_handler, &c);
    or_event_post_cancel(&c.second);
    or_event_post_cancel(&c.second);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(c.second_runs, 0);
    or_event_loop_free(loop);
}

static void
test_or_event_post_from_handler_runs_next_iteration(void **state)
{
    or_event_loop_t *loop;
    chain_t          c = {0};

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    c.repost = 1;
    or_event_post(loop, &c.first, first_handler, &c);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(c.first_runs, 1);
    assert_true(or_event_is_posted(&c.first));
    /* Pending work means the next wait does not block. */
    assert_int_equal(or_event_loop_timeout(loop, -1), 0);
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(c.first_runs, 2);

    /* Freeing the loop un-posts what is still queued. */
    or_event_loop_free(loop);
    assert_false(or_event_is_posted(&c.first));
}

static void
timer_count(or_event_loop_t *loop, or_timer_t *timer, void *data)
{
    (void) loop;
    (void) timer;
    (*(int *) data)++;
}

static void
test_or_event_loop_timeout_takes_nearest_bound(void **state)
{
    or_event_loop_t   *loop;
    or_timer_t         t = {0};
    or_event_posted_t  ev = {0};
    chain_t            c = {0};
    int                count = 0;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    assert_int_equal(or_event_loop_timeout(loop, -1), -1);
    assert_int_equal(or_event_loop_timeout(loop, 250), 250);

    /* The cached clock stands still between iterations: exact values. */
    assert_int_equal(or_timer_add(loop, &t, 700, timer_count, &count), OR_OK);
    assert_int_equal(or_event_loop_timeout(loop, -1), 700);
    assert_int_equal(or_event_loop_timeout(loop, 250), 250);
    assert_int_equal(or_event_loop_timeout(loop, 5000), 700);

    or_event_post(loop, &ev, second_handler, &c);
    assert_int_equal(or_event_loop_timeout(loop, -1), 0);
    or_event_post_cancel(&ev);

    assert_int_equal(or_timer_add(loop, &t, 0, timer_count, &count), OR_OK);
    assert_int_equal(or_event_loop_timeout(loop, -1), 0);
    or_timer_del(loop, &t);
    assert_int_equal(or_event_loop_timeout(loop, -1), -1);
    or_event_loop_free(loop);
}

static void
test_or_event_loop_run_once_wakes_for_timer(void **state)
{
    or_event_loop_t *loop;
    or_timer_t       t = {0};
    int              count = 0;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    assert_int_equal(or_timer_add(loop, &t, 20, timer_count, &count), OR_OK);
    /* No descriptors and no bound: only the timer can end the wait. */
    while (count == 0) {
        assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    }
    assert_int_equal(count, 1);
    or_event_loop_free(loop);
}

static void
test_or_event_loop_run_once_io_before_far_timer(void **state)
{
    or_event_loop_t *loop;
    or_timer_t       t = {0};
    log_t            lg = {0};
    int              count = 0, efd;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    efd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
    assert_true(efd >= 0);
    assert_int_equal(or_timer_add(loop, &t, 3600 * 1000, timer_count,
                                  &count), OR_OK);
    assert_int_equal(or_event_add(loop, efd, OR_EV_READ, log_handler, &lg),
                     OR_OK);
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(lg.calls, 1);
    assert_int_equal(count, 0);
    assert_true(or_timer_is_armed(&t));
    assert_int_equal(or_event_del(loop, efd), OR_OK);
    close(efd);
    or_event_loop_free(loop);
}

typedef struct {
    int         hooks;
    or_timer_t  tick;
    int         ticks;
} hook_t;

static void
tick(or_event_loop_t *loop, or_timer_t *timer, void *data)
{
    (void) loop;
    (void) timer;
    ((hook_t *) data)->ticks++;
}

static void
before_wait(or_event_loop_t *loop, void *data)
{
    hook_t *h = data;

    if (++h->hooks == 3) {
        or_event_loop_stop(loop);
        return;
    }
    assert_int_equal(or_timer_add(loop, &h->tick, 0, tick, h), OR_OK);
}

static void
test_or_event_loop_run_stops_from_hook(void **state)
{
    or_event_loop_t *loop;
    hook_t           h = {0};

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    or_event_loop_set_before_wait(loop, before_wait, &h);
    assert_int_equal(or_event_loop_run(loop), OR_OK);
    assert_int_equal(h.hooks, 3);
    assert_int_equal(h.ticks, 2);
    or_event_loop_free(loop);
}

static void
test_or_event_loop_run_stop_before_run_returns(void **state)
{
    or_event_loop_t *loop;
    hook_t           h = {0};

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    or_event_loop_set_before_wait(loop, before_wait, &h);
    or_event_loop_stop(loop);
    assert_int_equal(or_event_loop_run(loop), OR_OK);
    assert_int_equal(h.hooks, 0);
    /* The request was consumed: the next run() runs. */
    assert_int_equal(or_event_loop_run(loop), OR_OK);
    assert_int_equal(h.hooks, 3);
    or_event_loop_free(loop);
}

static volatile sig_atomic_t got_usr1;

static void
on_usr1(int signo)
{
    (void) signo;
    got_usr1 = 1;
}

static void
test_or_event_loop_run_once_signal_in_wait_returns_ok(void **state)
{
    or_event_loop_t  *loop;
    struct sigaction  sa, old_sa;
    sigset_t          block, old_mask;

    (void) state;
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    assert_int_equal(sigaction(SIGUSR1, &sa, &old_sa), 0);
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old_mask), 0);

    /* Pending while blocked: only the wait's own mask lets it in. */
    got_usr1 = 0;
    assert_int_equal(raise(SIGUSR1), 0);
    assert_int_equal(got_usr1, 0);
    or_event_loop_set_sigmask(loop, &old_mask);
    assert_int_equal(or_event_loop_run_once(loop, -1), OR_OK);
    assert_int_equal(got_usr1, 1);

    or_event_loop_set_sigmask(loop, NULL);
    assert_int_equal(or_event_loop_run_once(loop, 0), OR_OK);
    assert_int_equal(sigprocmask(SIG_SETMASK, &old_mask, NULL), 0);
    assert_int_equal(sigaction(SIGUSR1, &old_sa, NULL), 0);
    or_event_loop_free(loop);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_event_loop_new_bad_cap_fails_free_null),
        cmocka_unit_test(test_or_event_add_fd_over_cap_fails_emfile),
        cmocka_unit_test(test_or_event_add_bad_arguments_fail),
        cmocka_unit_test(test_or_event_add_read_calls_handler),
        cmocka_unit_test(test_or_event_mod_changes_mask),
        cmocka_unit_test(test_or_event_add_hangup_reports_error),
        cmocka_unit_test(test_or_event_del_not_added_is_ok),
        cmocka_unit_test(test_or_event_loop_run_once_skips_fd_closed_in_batch),
        cmocka_unit_test(test_or_event_loop_run_once_skips_fd_reused_in_batch),
        cmocka_unit_test(
            test_or_event_loop_run_once_drops_events_masked_in_batch),
        cmocka_unit_test(test_or_event_add_exclusive_listener_accepts),
        cmocka_unit_test(test_or_event_post_runs_after_io_once),
        cmocka_unit_test(test_or_event_post_cancel_from_handler),
        cmocka_unit_test(test_or_event_post_from_handler_runs_next_iteration),
        cmocka_unit_test(test_or_event_loop_timeout_takes_nearest_bound),
        cmocka_unit_test(test_or_event_loop_run_once_wakes_for_timer),
        cmocka_unit_test(test_or_event_loop_run_once_io_before_far_timer),
        cmocka_unit_test(test_or_event_loop_run_stops_from_hook),
        cmocka_unit_test(test_or_event_close_forgets_and_closes),
        cmocka_unit_test(test_or_event_loop_run_stop_before_run_returns),
        cmocka_unit_test(
            test_or_event_loop_run_once_signal_in_wait_returns_ok),
    };

    return cmocka_run_group_tests(tests, watchdog_on, watchdog_off);
}
