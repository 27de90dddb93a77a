/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The master: the signals table, start (cycle, daemon, pid file, workers),
 * the sigsuspend loop, reap and respawn, reload beside the running cycle,
 * graceful and fast stop; and `openred -s NAME`.
 */
#include "or_process.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "or_auto_config.h"
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_instrument.h"
#include "or_listen.h"
#include "or_log.h"
#include "or_module.h"
#include "or_notify.h"
#include "or_pid.h"
#include "or_proctitle.h"
#include "or_reload_note.h"
#include "or_shm.h"
#include "or_status.h"
#include "or_summary.h"
#include "or_worker.h"

/* s a fast stop waits before SIGKILL; a graceful one waits this long past
 * worker_shutdown_timeout, since workers enforce that one themselves. */
#define OR_STOP_GRACE  5

volatile sig_atomic_t or_sig_reload;
volatile sig_atomic_t or_sig_quit;
volatile sig_atomic_t or_sig_terminate;
volatile sig_atomic_t or_sig_reopen;
volatile sig_atomic_t or_sig_child;
volatile sig_atomic_t or_sig_alarm;

/* Each signal the daemon handles, and its `-s` name if it has one. */
static const struct {
    int                     signo;
    const char             *name;
    volatile sig_atomic_t  *flag;
} signals[] = {
    { SIGHUP,  "reload", &or_sig_reload },
    { SIGQUIT, "quit",   &or_sig_quit },
    { SIGTERM, "stop",   &or_sig_terminate },
    { SIGINT,  NULL,     &or_sig_terminate },
    { SIGUSR1, "reopen", &or_sig_reopen },
    { SIGCHLD, NULL,     &or_sig_child },
    { SIGALRM, NULL,     &or_sig_alarm },
};

#define NSIGNALS  (sizeof(signals) / sizeof(signals[0]))

/* A worker as the master tracks it; state is an or_worker_state_t. */
typedef struct {
    pid_t     pid;
    unsigned  index;
    unsigned  generation;
    int       state;
    int64_t   started;          /* ms, monotonic */
} proc_t;

/* A worker that dies within OR_RESPAWN_FAST_MS of its start
 * OR_RESPAWN_FAST_MAX times in a row is respawned after a delay that
 * doubles from 1 s to OR_RESPAWN_DELAY_MAX_MS: a crash at start (or a
 * packet of death) must not become a fork storm. */
#define OR_RESPAWN_FAST_MS       1000
#define OR_RESPAWN_FAST_MAX      3
#define OR_RESPAWN_DELAY_MAX_MS  30000

typedef struct {
    or_cycle_t  *cycle;
    proc_t       procs[OR_STATUS_SLOTS];
    pid_t        pid;
    unsigned     reloads;
    unsigned     reload_seq;   /* reloads handled, ok or not: the note's */
    int          stopping;     /* 0, SIGQUIT or SIGTERM */
    int          killed;       /* SIGKILL sent after the stop deadline */
    /* Worker indices of the current generation that have no process: no
     * slot was free, or fork() failed. Spawned as soon as a slot frees
     * (worker_processes is at most 64). */
    uint64_t     missing;
    unsigned     fast_deaths[64];   /* in a row, by index */
    int64_t      respawn_at[64];    /* ms, monotonic; 0: now */
} master_t;

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SIGALRM at the earliest delayed respawn (the stop deadline, when
 * stopping, owns the timer instead). */
static void
respawn_timer(master_t *m)
{
    int64_t           now = mono_ms(), next = 0;
    struct itimerval  it;

    if (m->stopping) {
        return;
    }
    for (unsigned i = 0; i < 64; i++) {
        if ((m->missing & (UINT64_C(1) << i)) && m->respawn_at[i] > now
            && (next == 0 || m->respawn_at[i] < next))
        {
            next = m->respawn_at[i];
        }
    }
    if (next == 0) {
        return;
    }
    memset(&it, 0, sizeof(it));
    it.it_value.tv_sec = (time_t) ((next - now) / 1000);
    it.it_value.tv_usec = (suseconds_t) ((next - now) % 1000 * 1000 + 1);
    (void) setitimer(ITIMER_REAL, &it, NULL);
}

static void
signal_handler(int signo)
{
    /* Only flags here: the loops do the work outside the handler. */
    for (size_t i = 0; i < NSIGNALS; i++) {
        if (signals[i].signo == signo) {
            *signals[i].flag = 1;
        }
    }
}

or_err_t
or_process_signals_init(sigset_t *set)
{
    struct sigaction sa;

    sigemptyset(set);
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = signal_handler;
    for (size_t i = 0; i < NSIGNALS; i++) {
        if (sigaction(signals[i].signo, &sa, NULL) == -1) {
            return OR_ERROR;
        }
        sigaddset(set, signals[i].signo);
    }
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL) == -1 ? OR_ERROR : OR_OK;
}

int
or_process_signo(const char *name)
{
    for (size_t i = 0; i < NSIGNALS; i++) {
        if (signals[i].name != NULL && strcmp(signals[i].name, name) == 0) {
            return signals[i].signo;
        }
    }
    return 0;
}

const char *
or_process_signame(int signo)
{
    for (size_t i = 0; i < NSIGNALS; i++) {
        if (signals[i].signo == signo && signals[i].name != NULL) {
            return signals[i].name;
        }
    }
    return NULL;
}

/* ---- -s and -t ---- */

static unsigned
reload_seen(const char *path, pid_t pid)
{
    static or_reload_note_t n;

    return or_reload_note_read(path, &n) == OR_OK && n.master == pid
           ? n.seq : 0;
}

/* -s reload: the master writes each reload's outcome beside its pid
 * file; wait for the one after ours (polling, bounded), so that a config
 * that fails to load fails the command, as -t would, not only the log. */
static or_err_t
reload_wait(or_cycle_t *cycle, const char *path, pid_t pid, unsigned before)
{
    static or_reload_note_t  n;
    struct timespec          now, end;

    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += OR_RELOAD_NOTE_WAIT_S;
    for (;;) {
        if (or_reload_note_read(path, &n) == OR_OK && n.master == pid
            && n.seq > before)
        {
            if (n.ok) {
                return OR_OK;
            }
            fprintf(stderr, "%s", n.text);
            or_log_error(cycle->log, OR_LOG_ERR, 0, "reload failed: master "
                         "process %d keeps the running configuration",
                         (int) pid);
            return OR_ERROR;
        }
        if (kill(pid, 0) == -1 && errno == ESRCH) {
            or_log_error(cycle->log, OR_LOG_ERR, 0, "master process %d "
                         "exited during the reload", (int) pid);
            return OR_ERROR;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > end.tv_sec
            || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
        {
            or_log_error(cycle->log, OR_LOG_ERR, 0, "signal sent, but master "
                         "process %d said nothing of the reload in %d s: see "
                         "its log", (int) pid, OR_RELOAD_NOTE_WAIT_S);
            return OR_ERROR;
        }
        usleep(50000);
    }
}

or_err_t
or_process_signal(or_cycle_t *cycle, const char *name)
{
    const char *path = or_core_main(cycle)->pid;
    int         signo = or_process_signo(name);
    pid_t       pid;
    or_err_t    rc;
    unsigned    before;

    if (signo == 0) {
        or_log_error(cycle->log, OR_LOG_ERR, 0, "invalid signal \"%s\": "
                     "expected stop, quit, reopen or reload", name);
        return OR_ECONF;
    }
    rc = or_pid_read(path, &pid);
    if (rc == OR_EPROTO) {
        or_log_error(cycle->log, OR_LOG_ERR, 0, "invalid PID number in "
                     "\"%s\"", path);
        return OR_ERROR;
    }
    if (rc != OR_OK) {
        or_log_error(cycle->log, OR_LOG_ERR, errno, "open() \"%s\" failed%s",
                     path, errno == ENOENT ? ": no pid file, is openred "
                     "running?" : "");
        return OR_ERROR;
    }
    before = signo == SIGHUP ? reload_seen(path, pid) : 0;
    if (kill(pid, signo) == -1) {
        if (errno == ESRCH) {
            or_log_error(cycle->log, OR_LOG_ERR, errno, "stale pid file "
                         "\"%s\": process %d is not running", path,
                         (int) pid);
        } else {
            or_log_error(cycle->log, OR_LOG_ERR, errno, "kill(%d, %s) "
                         "failed", (int) pid, name);
        }
        return OR_ERROR;
    }
    return signo == SIGHUP ? reload_wait(cycle, path, pid, before) : OR_OK;
}

or_err_t
or_process_check(or_cycle_t *cycle)
{
    or_err_t paths = or_core_paths_check(cycle);

    or_core_user_check(cycle);
    /* both, so that -t reports every problem at once */
    return or_core_keys_load(cycle, 0) == OR_OK && paths == OR_OK
           ? OR_OK : OR_ERROR;
}

/* ---- workers ---- */

/* Every slot holds a worker: the current generation comes first, so the
 * oldest draining worker is told to stop now (its sessions are lost
 * early, instead of the new configuration running short of workers until
 * the next reload). Its slot is reused when it is reaped. */
static void
stop_oldest_draining(master_t *m, unsigned index)
{
    proc_t *old = NULL;

    for (size_t i = 0; i < OR_STATUS_SLOTS; i++) {
        proc_t *p = &m->procs[i];

        if (p->state == OR_WORKER_QUITTING
            && (old == NULL || p->generation < old->generation))
        {
            old = p;
        }
    }
    if (old == NULL) {
        or_log_error(m->cycle->log, OR_LOG_CRIT, 0, "no free worker slot "
                     "for worker #%u and none draining to stop", index);
        return;
    }
    or_log_error(m->cycle->log, OR_LOG_WARN, 0, "no free worker slot for "
                 "worker #%u: stopping worker process %d of generation %u, "
                 "the oldest still draining", index, (int) old->pid,
                 old->generation);
    if (kill(old->pid, SIGTERM) == -1 && errno != ESRCH) {
        or_log_error(m->cycle->log, OR_LOG_ERR, errno, "kill(%d, SIGTERM) "
                     "failed", (int) old->pid);
    }
    old->state = OR_WORKER_EXITING;
    or_status_worker_set(m->cycle, old->pid, OR_WORKER_EXITING);
}

static void
spawn_one(master_t *m, unsigned index)
{
    proc_t  *p = NULL;
    pid_t    pid;

    for (size_t i = 0; i < OR_STATUS_SLOTS && p == NULL; i++) {
        if (m->procs[i].state == OR_WORKER_FREE) {
            p = &m->procs[i];
        }
    }
    if (p == NULL) {
        m->missing |= UINT64_C(1) << index;
        stop_oldest_draining(m, index);
        return;
    }
    if (or_worker_spawn(m->cycle, index, &pid) != OR_OK) {
        or_log_error(m->cycle->log, OR_LOG_CRIT, errno, "fork() failed "
                     "while spawning worker #%u, trying again when a worker "
                     "exits", index);
        m->missing |= UINT64_C(1) << index;
        return;
    }
    m->missing &= ~(UINT64_C(1) << index);
    p->pid = pid;
    p->index = index;
    p->generation = m->cycle->generation;
    p->state = OR_WORKER_RUNNING;
    p->started = mono_ms();
    if (or_status_worker_add(m->cycle, pid, index, p->generation)
        != OR_OK)
    {
        or_log_error(m->cycle->log, OR_LOG_WARN, 0, "worker %d is not "
                     "shown by status: no free status slot", (int) pid);
    }
    or_log_error(m->cycle->log, OR_LOG_INFO, 0, "started worker process "
                 "%d #%u, generation %u", (int) pid, index, p->generation);
}

static void
spawn_workers(master_t *m)
{
    int n = or_core_main(m->cycle)->worker_processes;

    m->missing = 0;
    for (int i = 0; i < n; i++) {
        spawn_one(m, (unsigned) i);
    }
}

/* After a reap: the workers a full table or a failed fork left out. */
static void
spawn_missing(master_t *m)
{
    int64_t now = mono_ms();

    for (unsigned i = 0; i < 64 && m->missing != 0 && !m->stopping; i++) {
        if ((m->missing & (UINT64_C(1) << i)) && m->respawn_at[i] <= now) {
            spawn_one(m, i);
        }
    }
    respawn_timer(m);
}

/* A died unexpectedly: respawn now, or after a delay if it keeps dying
 * right after its start. */
static void
respawn_dead(master_t *m, const proc_t *p)
{
    int64_t  now = mono_ms(), delay;
    unsigned i = p->index, k;

    if (i >= 64) {
        return;
    }
    if (now - p->started >= OR_RESPAWN_FAST_MS) {
        m->fast_deaths[i] = 0;
    } else if (m->fast_deaths[i] < 32) {
        m->fast_deaths[i]++;
    }
    if (m->fast_deaths[i] < OR_RESPAWN_FAST_MAX) {
        m->respawn_at[i] = 0;
        spawn_one(m, i);
        return;
    }
    k = m->fast_deaths[i] - OR_RESPAWN_FAST_MAX;
    delay = k >= 5 ? OR_RESPAWN_DELAY_MAX_MS : (int64_t) 1000 << k;
    if (delay > OR_RESPAWN_DELAY_MAX_MS) {
        delay = OR_RESPAWN_DELAY_MAX_MS;
    }
    m->respawn_at[i] = now + delay;
    m->missing |= UINT64_C(1) << i;
    or_log_error(m->cycle->log, OR_LOG_CRIT, 0, "worker #%u died %u times "
                 "in a row within %d ms of its start: respawning it in "
                 "%lld ms", i, m->fast_deaths[i], OR_RESPAWN_FAST_MS,
                 (long long) delay);
}

/* Sends signo to the running workers older than generation (all of them
 * if generation is UINT_MAX) and marks them with state. */
static void
signal_workers(master_t *m, int signo, unsigned generation, int state)
{
    for (size_t i = 0; i < OR_STATUS_SLOTS; i++) {
        proc_t *p = &m->procs[i];

        if (p->state == OR_WORKER_FREE || p->generation >= generation) {
            continue;
        }
        if (kill(p->pid, signo) == -1 && errno != ESRCH) {
            or_log_error(m->cycle->log, OR_LOG_ERR, errno, "kill(%d, %d) "
                         "failed", (int) p->pid, signo);
        }
        if (state != OR_WORKER_FREE && p->state != OR_WORKER_EXITING) {
            p->state = state;
            or_status_worker_set(m->cycle, p->pid, state);
        }
    }
}

static size_t
live_workers(master_t *m)
{
    size_t n = 0;

    for (size_t i = 0; i < OR_STATUS_SLOTS; i++) {
        n += m->procs[i].state != OR_WORKER_FREE;
    }
    return n;
}

static void
log_exit(master_t *m, proc_t *p, int status, int expected)
{
    or_log_level_t level = expected ? OR_LOG_INFO : OR_LOG_ERR;

    if (WIFSIGNALED(status)) {
        or_log_error(m->cycle->log, expected ? OR_LOG_INFO : OR_LOG_CRIT, 0,
                     "worker process %d #%u exited on signal %d%s",
                     (int) p->pid, p->index, WTERMSIG(status),
                     WCOREDUMP(status) ? " (core dumped)" : "");
        return;
    }
    if (WEXITSTATUS(status) != 0) {
        level = OR_LOG_ERR;
    }
    or_log_error(m->cycle->log, level, 0, "worker process %d #%u exited "
                 "with code %d", (int) p->pid, p->index,
                 WEXITSTATUS(status));
}

static void
reap(master_t *m)
{
    pid_t   pid;
    int     status, expected, respawn;
    proc_t *p;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        p = NULL;
        for (size_t i = 0; i < OR_STATUS_SLOTS && p == NULL; i++) {
            if (m->procs[i].state != OR_WORKER_FREE
                && m->procs[i].pid == pid)
            {
                p = &m->procs[i];
            }
        }
        if (p == NULL) {
            continue;
        }
        expected = m->stopping || p->state != OR_WORKER_RUNNING;
        log_exit(m, p, status, expected);
        respawn = !expected && p->generation == m->cycle->generation
                  && !(WIFEXITED(status)
                       && WEXITSTATUS(status) == OR_WORKER_EXIT_FATAL);
        if (!expected && !respawn) {
            or_log_error(m->cycle->log, OR_LOG_CRIT, 0, "worker #%u could "
                         "not start: not respawned", p->index);
        }
        or_status_worker_set(m->cycle, pid, OR_WORKER_FREE);
        p->state = OR_WORKER_FREE;
        if (respawn) {
            respawn_dead(m, p);
        }
    }
    spawn_missing(m);
}

/* ---- reload ---- */

static void
log_report(or_log_t *log, const char *text)
{
    const char *nl;

    while (text != NULL && *text != '\0') {
        nl = strchr(text, '\n');
        or_log_error(log, OR_LOG_ERR, 0, "%.*s",
                     (int) (nl ? (size_t) (nl - text) : strlen(text)), text);
        text = nl ? nl + 1 : NULL;
    }
}

/* What `openred -s reload` waits for: the outcome and, if it failed, the
 * reason it prints (the config's FILE:LINE lines, else the log to read). */
static void
reload_note(master_t *m, int ok, const char *text)
{
    static or_reload_note_t  n;     /* 8 KiB: off the master's stack */
    const char              *pid = or_core_main(m->cycle)->pid;

    n.master = m->pid;
    n.seq = ++m->reload_seq;
    n.ok = ok;
    snprintf(n.text, sizeof(n.text), "%s", text ? text : "");
    or_status_reload_set(m->cycle, n.seq, ok, text);
    if (or_reload_note_write(pid, &n) != OR_OK) {
        or_log_error(m->cycle->log, OR_LOG_WARN, errno, "writing the reload "
                     "outcome \"%s.reload\" failed: openred -s reload will "
                     "not see it", pid);
    }
}

static void
reload(master_t *m)
{
    or_cycle_t       *old = m->cycle, *cycle;
    or_conf_report_t  report = { NULL, 0, 0, 0 };
    char              why[512];

    or_log_error(old->log, OR_LOG_NOTICE, 0, "reloading configuration "
                 "\"%s\"", old->conf_file);
    cycle = or_cycle_new(old->prefix, old->conf_file, old->directives);
    if (cycle == NULL) {
        or_log_error(old->log, OR_LOG_ERR, ENOMEM, "reload failed, "
                     "keeping the running configuration");
        reload_note(m, 0, "reload failed: out of memory\n");
        return;
    }
    if (or_conf_load(cycle, old->conf_file, old->directives, &report)
        != OR_OK)
    {
        log_report(old->log, report.text);
        or_log_error(old->log, OR_LOG_ERR, 0, "reload failed: "
                     "configuration file %s test failed, keeping the "
                     "running configuration", old->conf_file);
        reload_note(m, 0, report.text);
        goto failed;
    }
    cycle->started = old->started;
    cycle->generation = old->generation + 1;
    if (or_cycle_init(cycle, old) != OR_OK) {
        or_log_error(old->log, OR_LOG_ERR, 0, "reload failed, keeping the "
                     "running configuration");
        snprintf(why, sizeof(why), "reload failed, keeping the running "
                 "configuration: the reason is in the log \"%s\"\n",
                 or_core_main(old)->error_log_path);
        reload_note(m, 0, why);
        goto failed;
    }
    or_listen_commit(cycle, old);
    m->cycle = or_cycle = cycle;
    m->reloads++;
    or_status_master_set(cycle, m->pid, cycle->started, m->reloads,
                         cycle->generation);
    /* a new configuration may have fixed what made workers die */
    memset(m->fast_deaths, 0, sizeof(m->fast_deaths));
    memset(m->respawn_at, 0, sizeof(m->respawn_at));
    spawn_workers(m);
    signal_workers(m, SIGQUIT, cycle->generation, OR_WORKER_QUITTING);
    or_cycle_drop(old, cycle);
    or_log_error(cycle->log, OR_LOG_NOTICE, 0, "configuration reloaded, "
                 "generation %u", cycle->generation);
    reload_note(m, 1, NULL);
    or_conf_report_free(&report);
    return;

failed:
    or_conf_report_free(&report);
    or_cycle_free(cycle);
}

/* ---- start and the loop ---- */

static or_err_t
daemonize(or_cycle_t *cycle)
{
    pid_t pid = fork();
    int   fd;

    if (pid == -1) {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "fork() failed");
        return OR_ERROR;
    }
    if (pid > 0) {
        or_instrument_exit();
        _exit(0);
    }
    if (setsid() == -1) {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "setsid() failed");
        return OR_ERROR;
    }
    fd = open("/dev/null", O_RDWR);
    if (fd == -1 || dup2(fd, STDIN_FILENO) == -1
        || dup2(fd, STDOUT_FILENO) == -1 || dup2(fd, STDERR_FILENO) == -1)
    {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "redirecting the "
                     "standard streams to /dev/null failed");
        return OR_ERROR;
    }
    if (fd > STDERR_FILENO) {
        close(fd);
    }
    or_log_take_stderr(cycle->log);
    return OR_OK;
}

static void
stop(master_t *m, int signo)
{
    unsigned         secs = OR_STOP_GRACE;
    struct itimerval it;

    if (m->stopping == SIGTERM || m->stopping == signo) {
        return;
    }
    if (signo == SIGQUIT) {
        secs += (unsigned) or_core_main(m->cycle)->worker_shutdown_timeout;
    }
    or_notify_stopping();
    or_log_error(m->cycle->log, OR_LOG_NOTICE, 0, "%s, stopping %zu "
                 "workers", signo == SIGQUIT ? "graceful shutdown"
                 : "fast shutdown", live_workers(m));
    m->stopping = signo;
    signal_workers(m, signo, UINT_MAX, signo == SIGQUIT
                   ? OR_WORKER_QUITTING : OR_WORKER_EXITING);
    memset(&it, 0, sizeof(it));
    it.it_value.tv_sec = secs;
    (void) setitimer(ITIMER_REAL, &it, NULL);
}

/* The master reopens first and, as root, hands the new file to the
 * workers' user: they reopen it after their privileges are gone. */
static void
reopen_logs(master_t *m)
{
    or_core_main_conf_t *core = or_core_main(m->cycle);
    struct passwd       *pw;

    if (or_log_reopen(m->cycle->log) != OR_OK) {
        or_log_error(m->cycle->log, OR_LOG_ERR, errno, "reopening \"%s\" "
                     "failed", core->error_log_path);
        return;
    }
    if (geteuid() == 0 && core->user != NULL && core->user[0] != '\0'
        && !or_log_is_stderr(core->error_log_path)
        && (pw = getpwnam(core->user)) != NULL
        && chown(core->error_log_path, pw->pw_uid, (gid_t) -1) == -1)
    {
        or_log_error(m->cycle->log, OR_LOG_ERR, errno, "chown(\"%s\", %s) "
                     "failed", core->error_log_path, core->user);
    }
    or_log_error(m->cycle->log, OR_LOG_NOTICE, 0, "reopened logs");
    signal_workers(m, SIGUSR1, UINT_MAX, OR_WORKER_FREE);
}

static void
master_loop(master_t *m, const sigset_t *wait_mask)
{
    for (;;) {
        /* A stop before a reap: when Ctrl-C reached the workers too, the
         * ones already gone were asked to go, not dead to be respawned. */
        if (or_sig_terminate) {
            stop(m, SIGTERM);
        } else if (or_sig_quit) {
            stop(m, SIGQUIT);
        }
        if (or_sig_child) {
            or_sig_child = 0;
            reap(m);
        }
        if (or_sig_alarm && m->stopping && !m->killed) {
            or_log_error(m->cycle->log, OR_LOG_WARN, 0, "%zu workers still "
                         "running after the stop deadline, sending SIGKILL",
                         live_workers(m));
            signal_workers(m, SIGKILL, UINT_MAX, OR_WORKER_FREE);
            m->killed = 1;
        }
        if (or_sig_alarm && !m->stopping) {
            or_sig_alarm = 0;
            spawn_missing(m);       /* a delayed respawn is due */
        }
        or_sig_alarm = 0;
        if (or_sig_reopen) {
            or_sig_reopen = 0;
            reopen_logs(m);
        }
        if (or_sig_reload) {
            or_sig_reload = 0;
            if (!m->stopping) {
                or_notify_reloading();
                reload(m);
                or_notify_ready(0);
            }
        }
        if (m->stopping && live_workers(m) == 0) {
            return;
        }
        sigsuspend(wait_mask);
    }
}

or_err_t
or_process_master(or_cycle_t *cycle)
{
    master_t  m;
    sigset_t  set, wait_mask;
    const char *pidfile;

    memset(&m, 0, sizeof(m));
    m.cycle = cycle;
    if (or_process_signals_init(&set) != OR_OK
        || sigprocmask(SIG_BLOCK, &set, &wait_mask) == -1)
    {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "installing signal "
                     "handlers failed");
        goto failed;
    }
    sigdelset(&wait_mask, SIGCHLD);
    cycle->started = time(NULL);
    if (or_cycle_init(cycle, NULL) != OR_OK) {
        goto failed;
    }
    if (or_core_main(cycle)->daemon && daemonize(cycle) != OR_OK) {
        or_cycle_drop(cycle, NULL);
        return OR_ERROR;
    }
    m.pid = getpid();
    or_proctitle_set("master process %s", or_proctitle_argv());
    pidfile = or_core_main(cycle)->pid;
    if (or_pid_write(pidfile, m.pid) != OR_OK) {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "writing the pid file "
                     "\"%s\" failed", pidfile);
        or_cycle_drop(cycle, NULL);
        return OR_ERROR;
    }
    or_status_master_set(cycle, m.pid, cycle->started, 0, 0);
    or_log_error(cycle->log, OR_LOG_NOTICE, 0, "openred/%s started, "
                 "master process %d", OR_VERSION, (int) m.pid);
    spawn_workers(&m);
    if (!or_core_main(cycle)->daemon) {
        or_summary_print(cycle, m.pid, stderr);
    }
    /* the sockets were opened by cycle_init(), before the workers */
    or_notify_ready(or_core_main(cycle)->daemon ? m.pid : 0);
    master_loop(&m, &wait_mask);

    or_log_error(m.cycle->log, OR_LOG_NOTICE, 0, "exit");
    or_reload_note_remove(or_core_main(m.cycle)->pid, m.pid);
    or_pid_remove(or_core_main(m.cycle)->pid, m.pid);
    or_cycle = NULL;
    or_cycle_drop(m.cycle, NULL);
    return OR_OK;

failed:
    or_cycle_free(cycle);
    return OR_ERROR;
}
