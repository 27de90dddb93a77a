/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * A worker process: fork, limits, privilege drop, its event loop, module
 * init/exit, and the graceful quit (stop accepting, drain, exit).
 */
#include "or_worker.h"

#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "or_auto_config.h"
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_instrument.h"
#include "or_listen.h"
#include "or_log.h"
#include "or_module.h"
#include "or_process.h"
#include "or_proctitle.h"

/* Descriptors besides connections: listening, control, log, epoll. */
#define OR_WORKER_FDS_RESERVE  64

/* A burst of at least this many connections is trimmed once the count
 * falls to a quarter of its peak (see or_worker_conn_release()). */
#define OR_WORKER_TRIM_PEAK    64

struct or_worker_quit_s {
    or_worker_quit_t   *next;
    or_worker_quit_pt   handler;
    void               *data;
};

static void worker_main(or_cycle_t *cycle, unsigned index, pid_t master)
    __attribute__((noreturn));

or_err_t
or_worker_spawn(or_cycle_t *cycle, unsigned index, pid_t *pid)
{
    pid_t master = getpid();
    pid_t p = fork();

    if (p == -1) {
        return OR_ERROR;
    }
    if (p == 0) {
        /* A process group of its own: Ctrl-C in the foreground (or
         * timeout(1)) signals the master's group, and the master alone
         * decides how its workers stop; otherwise a worker could exit
         * before the master read its own signal and be respawned. */
        (void) setpgid(0, 0);
        or_proctitle_set("worker process #%u", index);
        worker_main(cycle, index, master);
    }
    *pid = p;
    return OR_OK;
}

void
or_worker_conn_hold(or_worker_t *w)
{
    if (++w->nconns > w->nconns_peak) {
        w->nconns_peak = w->nconns;
    }
}

void
or_worker_conn_release(or_worker_t *w)
{
    if (w->nconns > 0) {
        w->nconns--;
    }
    /* Each connection's input buffer is freed on close, but glibc keeps
     * freed pages that sit below a live allocation: after 1,000 stalled
     * handshakes the worker stayed ~5 MB bigger (fault_stall.sh). */
    if (w->nconns_peak >= OR_WORKER_TRIM_PEAK
        && w->nconns <= w->nconns_peak / 4)
    {
#if OR_HAVE_MALLOC_TRIM
        malloc_trim(0);
#endif
        w->nconns_peak = w->nconns;
    }
    if (w->quitting && w->nconns == 0) {
        or_event_loop_stop(w->loop);
    }
}

or_err_t
or_worker_on_quit(or_worker_t *w, or_worker_quit_pt handler, void *data)
{
    or_worker_quit_t *q = calloc(1, sizeof(*q)), **tail = &w->quit;

    if (q == NULL) {
        return OR_ENOMEM;
    }
    q->handler = handler;
    q->data = data;
    while (*tail != NULL) {
        tail = &(*tail)->next;
    }
    *tail = q;
    return OR_OK;
}

/* Root may raise the hard limit; others get what the hard limit allows. */
static void
set_limits(or_cycle_t *cycle, rlim_t want)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want) {
        return;
    }
    rl.rlim_cur = want;
    if (rl.rlim_max < want) {
        rl.rlim_max = want;
    }
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
        return;
    }
    or_log_error(cycle->log, OR_LOG_WARN, errno, "setrlimit(RLIMIT_NOFILE, "
                 "%lu) failed: worker_connections may not be reached",
                 (unsigned long) want);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Order matters: groups first, then gid, then uid (after setuid we could
 * no longer change the others). Each call is checked. */
static or_err_t
drop_privileges(or_cycle_t *cycle)
{
    const char    *user = or_core_main(cycle)->user;
    struct passwd *pw;

    if (geteuid() != 0 || user == NULL || user[0] == '\0') {
        return OR_OK;
    }
    errno = 0;
    pw = getpwnam(user);
    if (pw == NULL) {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "getpwnam(\"%s\") "
                     "failed: no such user", user);
        return OR_ERROR;
    }
    if (setgroups(1, &pw->pw_gid) == -1) {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "setgroups(%u) failed",
                     (unsigned) pw->pw_gid);
        return OR_ERROR;
    }
    if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1) {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "setresgid(%u) failed",
                     (unsigned) pw->pw_gid);
        return OR_ERROR;
    }
    if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "setresuid(%u) failed",
                     (unsigned) pw->pw_uid);
        return OR_ERROR;
    }
    return OR_OK;
}

static void
shutdown_expired(or_event_loop_t *loop, or_timer_t *timer, void *data)
{
    or_worker_t *w = data;

    or_log_error(w->cycle->log, OR_LOG_NOTICE, 0, "worker_shutdown_timeout "
                 "reached, closing %zu connections", w->nconns);
    or_event_loop_stop(loop);
}

static void
start_quit(or_worker_t *w)
{
    int64_t secs = or_core_main(w->cycle)->worker_shutdown_timeout;

    w->quitting = 1;
    for (or_worker_quit_t *q = w->quit; q != NULL; q = q->next) {
        q->handler(w, q->data);
    }
    /* The handlers stopped accepting; close our copies too, or a port that
     * a reload removed or moved keeps listening (and queueing connections
     * nobody accepts) until the last old worker exits. */
    or_listen_close(w->cycle, NULL);
    if (w->nconns == 0) {
        or_event_loop_stop(w->loop);
        return;
    }
    if (or_timer_add(w->loop, &w->shutdown, (uint64_t) secs * 1000,
                     shutdown_expired, w) != OR_OK)
    {
        or_event_loop_stop(w->loop);
    }
}

/* Runs before each wait, with the handled signals blocked: a signal that
 * arrives after this check interrupts the epoll_pwait that follows. */
static void
check_signals(or_event_loop_t *loop, void *data)
{
    or_worker_t *w = data;

    if (or_sig_terminate) {
        or_event_loop_stop(loop);
        return;
    }
    if (or_sig_reopen) {
        or_sig_reopen = 0;
        if (or_log_reopen(w->cycle->log) != OR_OK) {
            or_log_error(w->cycle->log, OR_LOG_ERR, errno,
                         "reopening the error log failed");
        }
    }
    if (or_sig_quit && !w->quitting) {
        start_quit(w);
    }
}

static or_err_t
worker_init(or_worker_t *w, size_t *inited)
{
    or_cycle_t *cycle = w->cycle;
    rlim_t      nfds;
    or_err_t    rc;

    nfds = (rlim_t) or_core_main(cycle)->worker_connections
           + OR_WORKER_FDS_RESERVE;
    set_limits(cycle, nfds);
    if (drop_privileges(cycle) != OR_OK) {
        return OR_ERROR;
    }
    rc = or_event_loop_new(&w->loop, (int) nfds);
    if (rc != OR_OK) {
        or_log_error(cycle->log, OR_LOG_CRIT, rc == OR_ENOMEM ? ENOMEM
                     : errno, "creating the event loop failed");
        return OR_ERROR;
    }
    for (*inited = 0; or_modules[*inited] != NULL; (*inited)++) {
        or_module_t *m = or_modules[*inited];

        if (m->init_worker != NULL && m->init_worker(cycle, w) != OR_OK) {
            or_log_error(cycle->log, OR_LOG_CRIT, 0, "module \"%s\" failed "
                         "to start in worker #%u", m->name, w->index);
            return OR_ERROR;
        }
    }
    return OR_OK;
}

static void
worker_main(or_cycle_t *cycle, unsigned index, pid_t master)
{
    or_worker_t       w;
    or_worker_quit_t *q;
    sigset_t          empty;
    size_t            inited = 0;
    int               code = 0;

    /* Flags may be set in the master's copy: they were for the master. */
    or_sig_reload = or_sig_quit = or_sig_terminate = 0;
    or_sig_reopen = or_sig_child = or_sig_alarm = 0;
    memset(&w, 0, sizeof(w));
    w.index = index;
    w.pid = getpid();
    w.cycle = cycle;
    /* each process its own jitter: forked copies must not share it */
    or_rand_seed_os(&w.rand);
    w.generation = cycle->generation;

    if (worker_init(&w, &inited) != OR_OK) {
        code = OR_WORKER_EXIT_FATAL;
        goto done;
    }
    /* After the uid change, which clears it; then close the race with a
     * master that died before prctl() ran. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != master) {
        goto done;
    }
    sigemptyset(&empty);
    or_event_loop_set_sigmask(w.loop, &empty);
    or_event_loop_set_before_wait(w.loop, check_signals, &w);
    if (or_event_loop_run(w.loop) != OR_OK) {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "event loop failed");
        code = 1;
    }

done:
    while (inited-- > 0) {
        or_module_t *m = or_modules[inited];

        if (m->exit_worker != NULL) {
            m->exit_worker(cycle, &w);
        }
    }
    while ((q = w.quit) != NULL) {
        w.quit = q->next;
        free(q);
    }
    or_event_loop_free(w.loop);
#ifdef OR_HAVE_LSAN
    /* what is left of the cycle is the master's: freed, what the worker
     * forgot to free is all LeakSanitizer reports */
    or_cycle_free(cycle);
#endif
    or_instrument_exit();
    _exit(code);
}
