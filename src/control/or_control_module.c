/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Control socket: a Unix stream socket bound by the master and served by
 * worker 0, newline-delimited JSON requests and replies (openredctl talks
 * to it). Commands come from every module's `commands` table; this one
 * offers the core's: status (with every module's status hook) and watch
 * (the core's event ring).
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "or_auto_config.h"
#include "or_conf.h"
#include "or_core_module.h"
#include "or_control_request.h"
#include "or_cycle.h"
#include "or_evring.h"
#include "or_limits.h"
#include "or_log.h"
#include "or_module.h"
#include "or_status.h"
#include "or_worker.h"

typedef struct ctl_client_s ctl_client_t;

/* Worker 0's state: the listening copy and the clients. */
typedef struct {
    or_cycle_t    *cycle;
    or_worker_t   *worker;
    int            fd;
    ctl_client_t  *clients;
    size_t         nclients;
    int            quitting;    /* each client closes after its reply */
} ctl_t;

struct ctl_client_s {
    ctl_client_t  *next;
    ctl_client_t **prevp;
    ctl_t         *ctl;
    int            fd;
    int            closing;     /* close once out is written */
    unsigned       answered;    /* requests answered */
    /* OR_CONTROL_TIMEOUT from the connect or the last answered request:
     * only a whole request moves it, so a client trickling a byte at a
     * time cannot hold one of the OR_CONTROL_CLIENTS_MAX places */
    or_timer_t     deadline;
    size_t         inlen;
    char           in[OR_CONTROL_LINE_MAX];
    char          *out;         /* owned */
    size_t         outlen;
    size_t         outpos;
};

typedef struct {
    char  *socket;         /* absolute path */
    int    mode;           /* file mode of the socket */
    char  *group;          /* group of the socket; "" = the master's */
    int    fd;             /* bound by the master; -1 if none */
    ctl_t *ctl;            /* worker 0 only */
} or_control_conf_t;

#define C(f)  offsetof(or_control_conf_t, f)

static or_err_t check_group(const or_setting_t *s, void *field, char *err,
    size_t errlen);

static const or_setting_t control_settings[] = {
    { "control", "socket", OR_CONF_T_PATH, OR_SCOPE_MAIN,
      "\"" OR_CONTROL_SOCKET_PATH "\"", C(socket), 1, 107, 0, NULL },
    { "control", "mode", OR_CONF_T_MODE, OR_SCOPE_MAIN,
      "\"0660\"", C(mode), 0, 0777, 0, NULL },
    { "control", "group", OR_CONF_T_STR, OR_SCOPE_MAIN,
      "\"\"", C(group), 0, 32, 0, check_group },
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }
};

static or_err_t control_init_master(or_cycle_t *cycle, or_cycle_t *old);
static void control_exit_master(or_cycle_t *cycle);
static or_err_t control_init_worker(or_cycle_t *cycle, or_worker_t *w);
static void control_exit_worker(or_cycle_t *cycle, or_worker_t *w);
static or_err_t control_status(or_cycle_t *cycle, json_t *request,
    json_t **reply, char *err, size_t errlen);
static or_err_t control_watch(or_cycle_t *cycle, json_t *request,
    json_t **reply, char *err, size_t errlen);

static const or_ctl_command_t control_commands[] = {
    { "status", control_status },
    { "watch", control_watch },
    { NULL, NULL }
};

or_module_t or_control_module = {
    .name = "control",
    .settings = control_settings,
    .main_conf_size = sizeof(or_control_conf_t),
    .node_conf_size = 1,
    .init_master = control_init_master,
    .exit_master = control_exit_master,
    .init_worker = control_init_worker,
    .exit_worker = control_exit_worker,
    .commands = control_commands,
};

#define control_conf(cycle)                                                   \
    ((or_control_conf_t *) or_cycle_main_conf(cycle, or_control_module))

static void client_close(ctl_client_t *c);
static void client_write(or_event_loop_t *loop, ctl_client_t *c);

/* ---- master: bind ---- */

/* As OpenNTPD's control_check: a live daemon on the path stops us, a
 * stale file left by a crash is removed. */
static or_err_t
check_stale(or_cycle_t *cycle, const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd == -1) {
        or_log_error(cycle->log, OR_LOG_ERR, errno, "socket() failed");
        return OR_ERROR;
    }
    if (connect(fd, (const struct sockaddr *) sa, sizeof(*sa)) == 0) {
        close(fd);
        or_log_error(cycle->log, OR_LOG_ERR, 0, "control socket \"%s\" is "
                     "in use by a running daemon", sa->sun_path);
        return OR_ERROR;
    }
    close(fd);
    if (errno == ECONNREFUSED) {
        struct stat st;

        /* connect() refuses a regular file too: remove only a socket */
        if (lstat(sa->sun_path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
            or_log_error(cycle->log, OR_LOG_ERR, 0, "control socket path "
                         "\"%s\" is not a socket; not removing it (move it "
                         "away or set control.socket)", sa->sun_path);
            return OR_ERROR;
        }
    }
    if (errno == ECONNREFUSED && unlink(sa->sun_path) == 0) {
        or_log_error(cycle->log, OR_LOG_NOTICE, 0, "removed stale control "
                     "socket \"%s\"", sa->sun_path);
    }
    return OR_OK;
}

static or_err_t
bind_error(or_cycle_t *cycle, const char *path, int err)
{
    char dir[PATH_MAX];

    snprintf(dir, sizeof(dir), "%s", path);
    if (err == ENOENT) {
        or_log_error(cycle->log, OR_LOG_ERR, err, "bind() to control socket "
                     "\"%s\" failed: directory \"%s\" does not exist", path,
                     dirname(dir));
    } else {
        or_log_error(cycle->log, OR_LOG_ERR, err, "bind() to control socket "
                     "\"%s\" failed", path);
    }
    return OR_ERROR;
}

/* The socket stays the master's (root's when started as root): worker 0
 * serves it through the descriptor it inherits, so the workers' user needs
 * no right to the file, and another process of that user (a shared
 * "nobody") cannot drive the daemon. control.group names the operators'
 * group that may use it. */
static or_err_t
set_owner(or_cycle_t *cycle, const char *path, int mode, const char *group)
{
    struct group *gr;

    if (chmod(path, (mode_t) mode) == -1) {
        or_log_error(cycle->log, OR_LOG_ERR, errno, "chmod(\"%s\", %04o) "
                     "failed", path, mode);
        return OR_ERROR;
    }
    if (group == NULL || group[0] == '\0') {
        return OR_OK;
    }
    gr = getgrnam(group);
    if (gr == NULL || chown(path, (uid_t) -1, gr->gr_gid) == -1) {
        or_log_error(cycle->log, OR_LOG_ERR, gr ? errno : 0, "chown(\"%s\", "
                     ":%s) failed", path, group);
        return OR_ERROR;
    }
    return OR_OK;
}

/* -t and start: a group that does not exist is a config error. */
static or_err_t
check_group(const or_setting_t *s, void *field, char *err, size_t errlen)
{
    const char *group = *(char **) field;

    (void) s;
    if (group != NULL && group[0] != '\0' && getgrnam(group) == NULL) {
        snprintf(err, errlen, "no group \"%s\" on this system", group);
        return OR_ERROR;
    }
    return OR_OK;
}

static or_err_t
open_socket(or_cycle_t *cycle, or_control_conf_t *cf)
{
    struct sockaddr_un sa;
    mode_t             mask;
    int                fd, rc, err;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(cf->socket) >= sizeof(sa.sun_path)) {
        or_log_error(cycle->log, OR_LOG_ERR, 0, "control socket path \"%s\" "
                     "is longer than %zu bytes", cf->socket,
                     sizeof(sa.sun_path) - 1);
        return OR_ERROR;
    }
    strcpy(sa.sun_path, cf->socket);
    if (check_stale(cycle, &sa) != OR_OK) {
        return OR_ERROR;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        or_log_error(cycle->log, OR_LOG_ERR, errno, "socket() failed");
        return OR_ERROR;
    }
    /* No window in which the socket exists with a looser mode. */
    mask = umask(0177);
    rc = bind(fd, (struct sockaddr *) &sa, sizeof(sa));
    err = errno;
    umask(mask);
    if (rc == -1) {
        close(fd);
        return bind_error(cycle, cf->socket, err);
    }
    if (set_owner(cycle, cf->socket, cf->mode, cf->group) != OR_OK
        || listen(fd, 16) == -1)
    {
        or_log_error(cycle->log, OR_LOG_ERR, errno, "listen() on control "
                     "socket \"%s\" failed", cf->socket);
        close(fd);
        unlink(cf->socket);
        return OR_ERROR;
    }
    cf->fd = fd;
    return OR_OK;
}

static or_err_t
control_init_master(or_cycle_t *cycle, or_cycle_t *old)
{
    or_control_conf_t *cf = control_conf(cycle);
    or_control_conf_t *ocf = old ? control_conf(old) : NULL;

    cf->fd = -1;
    /* Same path on reload: share the bound socket; the old cycle leaves
     * it open in control_exit_master() because the running cycle holds
     * it. */
    if (ocf != NULL && ocf->fd >= 0 && strcmp(ocf->socket, cf->socket) == 0
        && ocf->mode == cf->mode
        && strcmp(ocf->group, cf->group) == 0)
    {
        cf->fd = ocf->fd;
        return OR_OK;
    }
    return open_socket(cycle, cf);
}

static void
control_exit_master(or_cycle_t *cycle)
{
    or_control_conf_t *cf = control_conf(cycle);

    /* Whichever of old and new is not running leaves a shared fd alone. */
    if (cf->fd < 0 || (or_cycle != NULL && or_cycle != cycle
                       && control_conf(or_cycle)->fd == cf->fd))
    {
        cf->fd = -1;
        return;
    }
    close(cf->fd);
    cf->fd = -1;
    unlink(cf->socket);
}

/* ---- worker 0: requests ---- */

static json_t *error_reply(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static json_t *
error_reply(const char *fmt, ...)
{
    char    text[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return json_pack("{s:b, s:s}", "ok", 0, "error", text);
}

/* Walks every module's table: the core knows no command by name. */
static json_t *
dispatch(or_cycle_t *cycle, const char *line, size_t len)
{
    json_t       *req, *reply = NULL;
    const char   *name;
    char          err[256] = "";

    if (or_control_request_parse(line, len, &req, &name, err, sizeof(err))
        != OR_OK)
    {
        return error_reply("%s", err);
    }
    for (size_t i = 0; or_modules[i] != NULL; i++) {
        const or_ctl_command_t *c = or_modules[i]->commands;

        for (; c != NULL && c->name != NULL; c++) {
            if (strcmp(c->name, name) != 0) {
                continue;
            }
            if (c->handler(cycle, req, &reply, err, sizeof(err)) != OR_OK
                || reply == NULL)
            {
                json_decref(reply);
                reply = error_reply("%s", err[0] ? err : "command failed");
            } else if (json_is_object(reply)) {
                json_object_set_new(reply, "ok", json_true());
            }
            json_decref(req);
            return reply;
        }
    }
    reply = error_reply("unknown command \"%.64s\"", name);
    json_decref(req);
    return reply;
}

static or_err_t
queue_reply(ctl_client_t *c, json_t *reply)
{
    char   *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
    size_t  len = text ? strlen(text) : 0;
    char   *out;

    json_decref(reply);
    if (text == NULL || c->outlen + len + 1 > OR_CONTROL_REPLY_MAX) {
        free(text);
        return OR_ENOMEM;
    }
    out = realloc(c->out, c->outlen + len + 1);
    if (out == NULL) {
        free(text);
        return OR_ENOMEM;
    }
    memcpy(out + c->outlen, text, len);
    out[c->outlen + len] = '\n';
    c->out = out;
    c->outlen += len + 1;
    free(text);
    return OR_OK;
}

/* Answers the next complete line in the buffer, if no reply is still
 * being written: a client holds at most one reply in our memory however
 * many requests it sends without reading (8 such clients once grew
 * worker 0 by 129 MiB). An over-long line gets one error reply and the
 * connection closes after it. Returns 1 if a request was answered. */
static int
handle_line(ctl_client_t *c)
{
    char   *nl;
    size_t  used;

    if (c->outlen > 0 || c->closing) {
        return 0;
    }
    if ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
        used = (size_t) (nl - c->in) + 1;
        if (queue_reply(c, dispatch(c->ctl->cycle, c->in, used - 1))
            != OR_OK || c->ctl->quitting)
        {
            c->closing = 1;
        }
        c->answered++;
        memmove(c->in, c->in + used, c->inlen - used);
        c->inlen -= used;
        return 1;
    }
    if (c->inlen == sizeof(c->in)) {
        c->closing = 1;
        (void) queue_reply(c, error_reply("request longer than %d bytes",
                                          OR_CONTROL_LINE_MAX));
    }
    return 0;
}

static void client_expired(or_event_loop_t *loop, or_timer_t *timer,
    void *data);

/* A whole request was answered: the client gets OR_CONTROL_TIMEOUT again. */
static void
client_progress(or_event_loop_t *loop, ctl_client_t *c)
{
    if (or_timer_add(loop, &c->deadline, OR_CONTROL_TIMEOUT * 1000,
                     client_expired, c) != OR_OK)
    {
        c->closing = 1;
    }
}

/* ---- worker 0: connections ---- */

static void
client_expired(or_event_loop_t *loop, or_timer_t *timer, void *data)
{
    client_close(data);
}

static void
client_close(ctl_client_t *c)
{
    or_event_loop_t *loop = c->ctl->worker->loop;

    /* accepted here and never shared: its close is its EPOLL_CTL_DEL */
    or_timer_del(loop, &c->deadline);
    or_event_close(loop, c->fd);
    *c->prevp = c->next;
    if (c->next != NULL) {
        c->next->prevp = c->prevp;
    }
    c->ctl->nclients--;
    or_worker_conn_release(c->ctl->worker);
    free(c->out);
    free(c);
}

static void
client_write(or_event_loop_t *loop, ctl_client_t *c)
{
    ssize_t n;

again:
    while (c->outpos < c->outlen) {
        n = write(c->fd, c->out + c->outpos, c->outlen - c->outpos);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* no reading until the reply is out (handle_line) */
            if (or_event_mod(loop, c->fd, OR_EV_WRITE) != OR_OK)
            {
                client_close(c);
            }
            return;
        }
        if (n < 0) {
            client_close(c);
            return;
        }
        c->outpos += (size_t) n;
    }
    free(c->out);
    c->out = NULL;
    c->outlen = c->outpos = 0;
    if (c->closing) {
        client_close(c);
        return;
    }
    /* requests that came in the same read as the one just answered */
    if (handle_line(c)) {
        client_progress(loop, c);
        goto again;
    }
    if (c->closing) {
        client_close(c);
        return;
    }
    if (or_event_mod(loop, c->fd, OR_EV_READ) != OR_OK) {
        client_close(c);
    }
}

static void
client_event(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    ctl_client_t *c = data;
    ssize_t       n;

    if (events & OR_EV_WRITE) {
        client_write(loop, c);
        return;
    }
    if (c->closing) {
        return;
    }
    n = read(fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        client_close(c);
        return;
    }
    c->inlen += (size_t) n;
    if (handle_line(c)) {
        client_progress(loop, c);
    }
    if (c->outlen > 0) {
        client_write(loop, c);
    } else if (c->closing) {
        client_close(c);
    }
}

static void
accept_event(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    ctl_t        *ctl = data;
    ctl_client_t *c;
    int           cfd;

    cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd == -1) {
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
            or_log_error(ctl->cycle->log, OR_LOG_ERR, errno, "accept() on "
                         "control socket failed");
        }
        return;
    }
    c = ctl->nclients < OR_CONTROL_CLIENTS_MAX ? calloc(1, sizeof(*c))
                                               : NULL;
    if (c == NULL) {
        or_log_ratelimited(ctl->cycle->log, OR_LOG_NOTICE, "control client "
                           "refused", 0, "control client refused: %d "
                           "clients already", OR_CONTROL_CLIENTS_MAX);
        close(cfd);
        return;
    }
    c->ctl = ctl;
    c->fd = cfd;
    /* a quitting worker 0 waits for the clients it accepted */
    or_worker_conn_hold(ctl->worker);
    if (or_event_add(loop, cfd, OR_EV_READ, client_event, c) != OR_OK
        || or_timer_add(loop, &c->deadline, OR_CONTROL_TIMEOUT * 1000,
                        client_expired, c) != OR_OK)
    {
        or_event_close(loop, cfd);
        free(c);
        return;
    }
    c->next = ctl->clients;
    c->prevp = &ctl->clients;
    if (c->next != NULL) {
        c->next->prevp = &c->next;
    }
    ctl->clients = c;
    ctl->nclients++;
}

/* A quitting worker 0 stops accepting: the new worker 0 serves the same
 * socket. A client accepted here gets the answer to its request before
 * the worker exits (it holds the worker, bounded by its deadline and by
 * worker_shutdown_timeout), then is closed; one that has had its answers
 * and sits idle is closed now. Without this a request that reached the
 * old worker 0 during a reload got no reply (openredctl died of SIGPIPE). */
static void
control_quit(or_worker_t *w, void *data)
{
    ctl_t        *ctl = data;
    ctl_client_t *c, *next;

    ctl->quitting = 1;
    for (c = ctl->clients; c != NULL; c = next) {
        next = c->next;
        if (c->answered > 0 && c->inlen == 0 && c->outlen == 0) {
            client_close(c);
        }
    }

    if (ctl->fd >= 0) {
        /* The master holds the same socket (for the next worker 0): a
         * close alone would leave it in our epoll set. */
        if (or_event_del(w->loop, ctl->fd) != OR_OK) {
            or_log_error(ctl->cycle->log, OR_LOG_ERR, errno, "epoll_ctl(DEL) "
                         "of the control socket failed; this worker may "
                         "still be woken by it until it exits");
        }
        close(ctl->fd);
        ctl->fd = -1;
    }
}

static or_err_t
control_init_worker(or_cycle_t *cycle, or_worker_t *w)
{
    or_control_conf_t *cf = control_conf(cycle);
    ctl_t             *ctl;

    if (!or_worker_is_designated(w)) {
        close(cf->fd);
        cf->fd = -1;
        return OR_OK;
    }
    ctl = calloc(1, sizeof(*ctl));
    if (ctl == NULL) {
        or_log_error(cycle->log, OR_LOG_CRIT, ENOMEM, "control socket");
        return OR_ERROR;
    }
    ctl->cycle = cycle;
    ctl->worker = w;
    ctl->fd = cf->fd;
    cf->ctl = ctl;
    if (or_event_add(w->loop, ctl->fd, OR_EV_READ, accept_event, ctl)
        != OR_OK || or_worker_on_quit(w, control_quit, ctl) != OR_OK)
    {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "serving the control "
                     "socket failed");
        return OR_ERROR;
    }
    return OR_OK;
}

static void
control_exit_worker(or_cycle_t *cycle, or_worker_t *w)
{
    or_control_conf_t *cf = control_conf(cycle);
    ctl_t             *ctl = cf->ctl;

    if (ctl == NULL) {
        return;
    }
    while (ctl->clients != NULL) {
        client_close(ctl->clients);
    }
    control_quit(w, ctl);
    free(ctl);
    cf->ctl = NULL;
}

/* ---- the status command ---- */

static json_t *
status_workers(const or_status_t *st)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < OR_STATUS_SLOTS; i++) {
        const or_status_slot_t *s = &st->slots[i];

        if (s->state == OR_WORKER_FREE) {
            continue;
        }
        json_array_append_new(a, json_pack("{s:i, s:s, s:i, s:i}",
            "pid", (int) s->pid, "state", or_status_state_name(s->state),
            "index", (int) s->index, "generation", (int) s->generation));
    }
    return a;
}

/* null until the first reload; openredctl reload waits for seq to grow */
static json_t *
status_reload(const or_status_t *st)
{
    json_t *error;

    if (st->reload_seq == 0) {
        return json_null();
    }
    error = json_string(st->reload_error);

    return json_pack("{s:i, s:b, s:I, s:o}", "seq", (int) st->reload_seq,
                     "ok", st->reload_ok, "at", (json_int_t) st->reload_at,
                     "error", error ? error
                     : json_string("(not UTF-8: see the log)"));
}

static json_t *
status_nodes(or_cycle_t *cycle)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < cycle->nnodes; i++) {
        or_core_node_conf_t *nc = or_core_node(&cycle->nodes[i]);

        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "id", nc->id,
            "sector", nc->sector, "listen", nc->listen.text));
    }
    return a;
}

static or_err_t
control_status(or_cycle_t *cycle, json_t *request, json_t **reply,
    char *err, size_t errlen)
{
    or_status_t *st = malloc(sizeof(*st));
    json_t      *r;
    const char  *failed = "?";

    if (st == NULL || or_status_read(cycle, st) != OR_OK) {
        snprintf(err, errlen, "%s", st ? "no status zone" : "out of memory");
        free(st);
        return OR_ERROR;
    }
    r = json_pack("{s:s, s:i, s:I, s:s, s:i, s:i, s:o, s:o, s:o}",
                  "version", OR_VERSION, "pid", (int) st->master,
                  "uptime", (json_int_t) (time(NULL) - st->started),
                  "config", cycle->conf_file, "reloads", (int) st->reloads,
                  "generation", (int) st->generation,
                  "workers", status_workers(st), "nodes",
                  status_nodes(cycle), "last_reload", status_reload(st));
    free(st);
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return OR_ENOMEM;
    }
    /* each module adds its own section: the core knows none of them */
    if (or_module_status(or_modules, cycle, r, &failed) != OR_OK) {
        snprintf(err, errlen, "status of module \"%s\" failed", failed);
        json_decref(r);
        return OR_ERROR;
    }
    *reply = r;
    return OR_OK;
}

/* ---- the watch command: the core's event ring ---- */

#define CONTROL_WATCH_BATCH  64     /* events in one reply */

static json_t *
event_json(const or_evt_t *ev)
{
    json_t       *o, *p = NULL;
    json_error_t  jerr;

    o = json_pack("{s:I, s:I, s:s, s:s, s:s}", "seq", (json_int_t) ev->seq,
                  "time", (json_int_t) ev->time, "type",
                  or_evt_type_name(ev->type), "node", ev->node, "peer",
                  ev->peer);
    if (o == NULL) {
        return NULL;
    }
    switch (ev->type) {
    case OR_EVT_PEER_DISCOVERED:
    case OR_EVT_PEER_LOST:
        /* text holds the fields (address, sector) as a JSON object */
        p = json_loadb(ev->text, ev->textlen, 0, &jerr);
        if (json_is_object(p)) {
            json_object_update(o, p);
        }
        json_decref(p);
        if (ev->type == OR_EVT_PEER_LOST) {
            json_object_set_new(o, "reason", json_string(ev->detail));
        }
        break;
    case OR_EVT_SESSION_ESTABLISHED:
        json_object_set_new(o, "direction", json_string(ev->detail));
        /* text: {address, version, suite, session_id or mutual_link} */
        p = json_loadb(ev->text, ev->textlen, 0, &jerr);
        if (json_is_object(p)) {
            json_object_update(o, p);
        } else {
            json_object_set_new(o, "address", json_stringn(ev->text,
                                                           ev->textlen));
        }
        json_decref(p);
        break;
    case OR_EVT_MESSAGE:
        json_object_set_new(o, "direction", json_string(ev->detail));
        if (!ev->truncated) {
            p = json_loadb(ev->text, ev->textlen, 0, &jerr);
        }
        json_object_set_new(o, "payload", p ? p
                            : json_stringn(ev->text, ev->textlen));
        json_object_set_new(o, "truncated", json_boolean(ev->truncated));
        break;
    default:
        json_object_set_new(o, "reason", json_string(ev->detail));
        break;
    }
    return o;
}

static or_err_t
control_watch(or_cycle_t *cycle, json_t *request, json_t **reply, char *err,
    size_t errlen)
{
    json_t   *since_j = json_object_get(request, "since");
    uint64_t  since = 0, missed = 0, last = 0;
    size_t    n = 0;
    or_evt_t *evs = malloc(sizeof(or_evt_t) * CONTROL_WATCH_BATCH);
    json_t   *a = json_array();

    if (json_is_integer(since_j) && json_integer_value(since_j) >= 0) {
        since = (uint64_t) json_integer_value(since_j);
    }
    if (evs == NULL || a == NULL
        || or_evring_fetch(cycle, since, evs, CONTROL_WATCH_BATCH, &n,
                           &missed, &last) != OR_OK)
    {
        free(evs);
        json_decref(a);
        snprintf(err, errlen, "no event ring");
        return OR_ERROR;
    }
    /* No "since": start from now, as a new subscriber. */
    if (since_j == NULL) {
        n = 0;
        missed = 0;
    }
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, event_json(&evs[i]));
    }
    /* "last": what to pass as "since" next time (a batch may stop short) */
    if (n > 0) {
        last = evs[n - 1].seq;
    } else if (since_j != NULL && since < last) {
        last = since;
    }
    free(evs);
    *reply = json_pack("{s:o, s:I, s:I}", "events", a, "last", (json_int_t)
                       last, "missed", (json_int_t) missed);
    return *reply ? OR_OK : OR_ENOMEM;
}
