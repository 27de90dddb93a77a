/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Prometheus metrics: GET /metrics over HTTP (libmicrohttpd) on
 * metrics.listen, off unless set. The master binds the socket; worker 0,
 * which serves the control socket too, runs libmicrohttpd inside its
 * epoll loop (MHD's own epoll descriptor, no threads) and answers from
 * the replies of the control commands status and peers.
 */
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_log.h"
#include "or_metrics_text.h"
#include "or_module.h"
#include "or_worker.h"

#define OR_METRICS_CLIENTS_MAX   16       /* HTTP connections at once */
#define OR_METRICS_TIMEOUT       10       /* s, idle deadline per client */
#define OR_METRICS_MEMORY_MAX    32768    /* bytes per connection */
#define OR_METRICS_TIMER_MAX     1000     /* ms between MHD_run() calls */

/* Worker 0's state. */
typedef struct {
    or_cycle_t         *cycle;
    or_worker_t        *worker;
    struct MHD_Daemon  *mhd;
    int                 epfd;      /* MHD's epoll descriptor (MHD's) */
    or_timer_t          timer;     /* MHD's connection timeouts */
} metrics_t;

typedef struct {
    char       *listen;    /* "host:port", or "" = off */
    int         fd;        /* bound by the master; -1 if none */
    metrics_t  *m;         /* worker 0 only */
} or_metrics_conf_t;

#define M(f)  offsetof(or_metrics_conf_t, f)

static or_err_t metrics_check_listen(const or_setting_t *s, void *field,
    char *err, size_t errlen);

static const or_setting_t metrics_settings[] = {
    { "metrics", "listen", OR_CONF_T_STR, OR_SCOPE_MAIN,
      "\"\"", M(listen), 0, 63, 0, metrics_check_listen },
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }
};

static or_err_t metrics_init_master(or_cycle_t *cycle, or_cycle_t *old);
static void metrics_exit_master(or_cycle_t *cycle);
static or_err_t metrics_init_worker(or_cycle_t *cycle, or_worker_t *w);
static void metrics_exit_worker(or_cycle_t *cycle, or_worker_t *w);

or_module_t or_metrics_module = {
    .name = "metrics",
    .settings = metrics_settings,
    .main_conf_size = sizeof(or_metrics_conf_t),
    .node_conf_size = 1,
    .init_master = metrics_init_master,
    .exit_master = metrics_exit_master,
    .init_worker = metrics_init_worker,
    .exit_worker = metrics_exit_worker,
};

#define metrics_conf(cycle)                                                   \
    ((or_metrics_conf_t *) or_cycle_main_conf(cycle, or_metrics_module))

static or_err_t
metrics_check_listen(const or_setting_t *s, void *field, char *err,
    size_t errlen)
{
    const char *v = *(char **) field;
    or_addr_t   addr;

    (void) s;
    if (v == NULL || v[0] == '\0') {
        return OR_OK;
    }
    return or_conf_parse_addr(v, &addr, err, errlen);
}

/* ---- master: bind ---- */

static or_err_t
open_socket(or_cycle_t *cycle, or_metrics_conf_t *cf)
{
    or_addr_t addr;
    char      err[128];
    int       fd, one = 1;

    if (or_conf_parse_addr(cf->listen, &addr, err, sizeof(err)) != OR_OK) {
        or_log_error(cycle->log, OR_LOG_ERR, 0, "metrics listen \"%s\": %s",
                     cf->listen, err);
        return OR_ERROR;
    }
    fd = socket(addr.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd == -1) {
        or_log_error(cycle->log, OR_LOG_ERR, errno, "socket() failed");
        return OR_ERROR;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1
        || bind(fd, (struct sockaddr *) &addr.sa, addr.len) == -1
        || listen(fd, OR_METRICS_CLIENTS_MAX) == -1)
    {
        or_log_error(cycle->log, OR_LOG_ERR, errno, "bind() or listen() on "
                     "metrics listen \"%s\" failed", cf->listen);
        close(fd);
        return OR_ERROR;
    }
    cf->fd = fd;
    return OR_OK;
}

static or_err_t
metrics_init_master(or_cycle_t *cycle, or_cycle_t *old)
{
    or_metrics_conf_t *cf = metrics_conf(cycle);
    or_metrics_conf_t *ocf = old ? metrics_conf(old) : NULL;

    cf->fd = -1;
    if (cf->listen[0] == '\0') {
        return OR_OK;
    }
    /* Same address on reload: share the bound socket, as the control
     * module does; metrics_exit_master() leaves a shared one open. */
    if (ocf != NULL && ocf->fd >= 0 && strcmp(ocf->listen, cf->listen) == 0) {
        cf->fd = ocf->fd;
        return OR_OK;
    }
    return open_socket(cycle, cf);
}

static void
metrics_exit_master(or_cycle_t *cycle)
{
    or_metrics_conf_t *cf = metrics_conf(cycle);

    if (cf->fd >= 0 && !(or_cycle != NULL && or_cycle != cycle
                         && metrics_conf(or_cycle)->fd == cf->fd))
    {
        close(cf->fd);
    }
    cf->fd = -1;
}

/* ---- worker 0: the scrape ---- */

/* The reply of the control command name, from whichever module has it
 * (the table walk of the control socket); NULL if none or it failed. */
static json_t *
command(or_cycle_t *cycle, const char *name)
{
    json_t *req = json_object(), *reply = NULL;
    char    err[256];

    for (size_t i = 0; req != NULL && or_modules[i] != NULL; i++) {
        const or_ctl_command_t *c = or_modules[i]->commands;

        for (; c != NULL && c->name != NULL; c++) {
            if (strcmp(c->name, name) == 0
                && c->handler(cycle, req, &reply, err, sizeof(err))
                   != OR_OK)
            {
                json_decref(reply);
                reply = NULL;
            }
        }
    }
    json_decref(req);
    return reply;
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned code, const char *type,
    char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r;
    enum MHD_Result      rc;

    r = MHD_create_response_from_buffer(len, body, mode);
    if (r == NULL) {
        if (mode == MHD_RESPMEM_MUST_FREE) {
            free(body);
        }
        return MHD_NO;
    }
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type)
        != MHD_YES)
    {
        MHD_destroy_response(r);
        return MHD_NO;
    }
    rc = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return rc;
}

#define TEXT(s)  (char *) (s), sizeof(s) - 1, MHD_RESPMEM_PERSISTENT

static enum MHD_Result
on_request(void *data, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
    metrics_t *m = data;
    json_t    *st, *peers;
    char      *text;
    size_t     len;
    or_err_t   rc;

    (void) version;
    (void) upload;
    if (*upload_size != 0) {
        return MHD_NO;      /* a body on GET: not ours to read */
    }
    if (*state == NULL) {   /* headers only so far: answer on the next call */
        *state = m;
        return MHD_YES;
    }
    if (strcmp(url, "/metrics") != 0) {
        return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
                     TEXT("not found: try /metrics\n"));
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
                     TEXT("only GET and HEAD\n"));
    }
    st = command(m->cycle, "status");
    peers = command(m->cycle, "peers");
    rc = or_metrics_text(st, peers, &text, &len);
    json_decref(st);
    json_decref(peers);
    if (rc != OR_OK) {
        or_log_error(m->cycle->log, OR_LOG_ERR, ENOMEM, "metrics: no memory "
                     "for the reply");
        return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
                     TEXT("out of memory\n"));
    }
    return reply(conn, MHD_HTTP_OK, OR_METRICS_CONTENT_TYPE, text, len,
                 MHD_RESPMEM_MUST_FREE);
}

/* ---- worker 0: MHD in the event loop ---- */

static void on_timer(or_event_loop_t *loop, or_timer_t *t, void *data);

/* Runs MHD, then arms the timer for its next connection timeout. */
static void
run(metrics_t *m)
{
    MHD_UNSIGNED_LONG_LONG ms = OR_METRICS_TIMER_MAX;

    (void) MHD_run(m->mhd);
    if (MHD_get_timeout(m->mhd, &ms) != MHD_YES || ms > OR_METRICS_TIMER_MAX) {
        ms = OR_METRICS_TIMER_MAX;
    }
    if (or_timer_add(m->worker->loop, &m->timer, ms, on_timer, m) != OR_OK) {
        /* no timer: the next event runs MHD; timeouts wait until then */
        or_log_error(m->cycle->log, OR_LOG_WARN, 0, "metrics: no timer for "
                     "libmicrohttpd's timeouts; they wait for the next "
                     "request");
    }
}

static void
on_timer(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    (void) loop;
    (void) t;
    run(data);
}

static void
on_event(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    (void) loop;
    (void) fd;
    (void) events;
    run(data);
}

static void
metrics_stop(metrics_t *m)
{
    if (m->mhd == NULL) {
        return;
    }
    or_timer_del(m->worker->loop, &m->timer);
    if (or_event_del(m->worker->loop, m->epfd) != OR_OK) {
        /* the slot is released anyway; MHD closes the descriptor next */
        or_log_error(m->cycle->log, OR_LOG_ERR, errno, "metrics: "
                     "epoll_ctl(DEL) of libmicrohttpd's descriptor failed");
    }
    MHD_stop_daemon(m->mhd);    /* closes the listening copy too */
    m->mhd = NULL;
}

/* A quitting worker 0 stops serving: the new worker 0 takes the socket. */
static void
metrics_quit(or_worker_t *w, void *data)
{
    (void) w;
    metrics_stop(data);
}

static or_err_t
metrics_start(or_cycle_t *cycle, or_worker_t *w, or_metrics_conf_t *cf)
{
    metrics_t                 *m = calloc(1, sizeof(*m));
    const union MHD_DaemonInfo *info;

    if (m == NULL) {
        return OR_ENOMEM;
    }
    m->cycle = cycle;
    m->worker = w;
    cf->m = m;
    m->mhd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_request, m,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket) cf->fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned) OR_METRICS_CLIENTS_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) OR_METRICS_TIMEOUT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) OR_METRICS_MEMORY_MAX,
        MHD_OPTION_END);
    if (m->mhd == NULL) {
        return OR_ERROR;
    }
    cf->fd = -1;                /* MHD's now */
    info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (info == NULL) {
        return OR_ERROR;
    }
    m->epfd = info->epoll_fd;
    if (or_event_add(w->loop, m->epfd, OR_EV_READ, on_event, m) != OR_OK
        || or_worker_on_quit(w, metrics_quit, m) != OR_OK)
    {
        return OR_ERROR;
    }
    run(m);
    return OR_OK;
}

static or_err_t
metrics_init_worker(or_cycle_t *cycle, or_worker_t *w)
{
    or_metrics_conf_t *cf = metrics_conf(cycle);

    if (cf->fd < 0) {
        return OR_OK;
    }
    if (!or_worker_is_designated(w)) {
        close(cf->fd);
        cf->fd = -1;
        return OR_OK;
    }
    if (metrics_start(cycle, w, cf) != OR_OK) {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "serving metrics on "
                     "\"%s\" failed", cf->listen);
        return OR_ERROR;
    }
    or_log_error(cycle->log, OR_LOG_INFO, 0, "metrics on http://%s/metrics",
                 cf->listen);
    return OR_OK;
}

static void
metrics_exit_worker(or_cycle_t *cycle, or_worker_t *w)
{
    or_metrics_conf_t *cf = metrics_conf(cycle);

    (void) w;
    if (cf->m != NULL) {
        metrics_stop(cf->m);
        free(cf->m);
        cf->m = NULL;
    }
}
