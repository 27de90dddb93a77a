/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The handshake engine fixture (or_hs_fixture.h): a real cycle, zones,
 * loop and listeners for or_hs_t, a pinned wall clock, and a peer played
 * over loopback TCP. Every wait is bounded by HSF_WAIT_MS.
 */
#include "or_hs_fixture.h"
#include "or_status.h"
#include "or_takeover.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "or_conf.h"
#include "or_core_module.h"
#include "or_hs_conn.h"
#include "or_log.h"
#include "or_replay.h"
#include "or_shm.h"
#include "or_test_vectors.h"

or_key_t   *hsf_key[HSF_NKEYS];
const char *hsf_fp[HSF_NKEYS];
int64_t     hsf_now;

static const char *const key_file[HSF_NKEYS] = {
    "node-a.key.pem", "node-b.key.pem", "mallory.key.pem"
};

/* The engine reads the wall clock through time(): pinned, it makes the
 * +-OR_HANDSHAKE_WINDOW and backoff bounds exact instead of racing the
 * second hand. The event loop's clock (monotonic) is left alone. */
time_t
time(time_t *t)
{
    struct timespec ts;
    time_t          now;

    if (hsf_now != 0) {
        now = (time_t) hsf_now;
    } else {
        clock_gettime(CLOCK_REALTIME, &ts);
        now = ts.tv_sec;
    }
    if (t != NULL) {
        *t = now;
    }
    return now;
}

static int
write_vector(const char *name, const char *path)
{
    size_t  n;
    char   *s = or_test_read(name, &n);
    FILE   *out;
    int     ok;

    if (s == NULL || (out = fopen(path, "w")) == NULL) {
        free(s);
        return -1;
    }
    ok = fwrite(s, 1, n, out) == n;
    ok = fclose(out) == 0 && ok && chmod(path, 0600) == 0;
    free(s);
    return ok ? 0 : -1;
}

int
hsf_keys_load(void)
{
    char path[64];

    for (int i = 0; i < HSF_NKEYS; i++) {
        if (or_test_copy(key_file[i], 0600, path) != 0) {
            return -1;
        }
        if (or_key_load(path, &hsf_key[i], NULL) != OR_OK) {
            unlink(path);
            return -1;
        }
        unlink(path);
        hsf_fp[i] = or_key_fingerprint(hsf_key[i]);
    }
    return 0;
}

void
hsf_keys_free(void)
{
    for (int i = 0; i < HSF_NKEYS; i++) {
        or_key_free(hsf_key[i]);
        hsf_key[i] = NULL;
        hsf_fp[i] = NULL;
    }
}

void
hsf_zones_takeover(or_cycle_t *cycle)
{
    assert_int_equal(or_takeover_zone_add(cycle), OR_OK);
    assert_int_equal(or_status_zone_add(cycle), OR_OK);
}

int
hsf_suite_setup(void **state)
{
    (void) state;
    return hsf_keys_load();
}

int
hsf_suite_teardown(void **state)
{
    (void) state;
    hsf_keys_free();
    return 0;
}

int
hsf_test_setup(void **state)
{
    (void) state;
    hsf_now = 0;
    return 0;
}

struct sockaddr_in
hsf_loopback(uint16_t port)
{
    struct sockaddr_in sa;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    return sa;
}

int
hsf_listen(uint16_t *port)
{
    struct sockaddr_in sa;
    socklen_t          len = sizeof(sa);
    int                fd;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 128), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void
write_conf(hsf_t *f, const int *keys, size_t n, char *conf, size_t cap)
{
    char  path[128];
    FILE *out;

    snprintf(conf, cap, "%s/openred.conf", f->dir);
    out = fopen(conf, "w");
    assert_non_null(out);
    fprintf(out, "nodes = (\n");
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/n%zu.pem", f->dir, i);
        assert_int_equal(write_vector(key_file[keys[i]], path), 0);
        fprintf(out, "  { id = \"n%zu\"; sector = \"tech\"; listen = "
                "\"127.0.0.1:%zu\"; key = \"%s\"; }%s\n", i, 9001 + i,
                path, i + 1 < n ? "," : "");
    }
    fprintf(out, ");\n");
    assert_int_equal(fclose(out), 0);
}

void (*hsf_zones_extra)(or_cycle_t *cycle);

static void
zones_init(hsf_t *f, size_t max_sessions)
{
    or_peers_node_conf_t pc[HSF_MAX_NODES];

    for (size_t i = 0; i < f->cycle->nnodes; i++) {
        pc[i].max_peers = 64;
        pc[i].expire = 60;
    }
    assert_int_equal(or_session_zone_add(f->cycle, max_sessions), OR_OK);
    assert_int_equal(or_evring_zone_add(f->cycle), OR_OK);
    assert_non_null(or_shm_zone_add(f->cycle, OR_REPLAY_ZONE,
                                    sizeof(or_replay_t), NULL));
    assert_int_equal(or_peers_zone_add(f->cycle, pc), OR_OK);
    if (hsf_zones_extra != NULL) {
        hsf_zones_extra(f->cycle);
    }
    assert_int_equal(or_shm_map(f->cycle, NULL), OR_OK);
    f->hs.sessions = or_session_zone(f->cycle);
    f->hs.replay = or_shm_zone_find(f->cycle, OR_REPLAY_ZONE);
    assert_int_equal(or_session_zone_attach(f->hs.sessions, max_sessions),
                     OR_OK);
    or_peers_zone_attach(f->cycle, pc);
}

hsf_t *
hsf_new(const int *keys, size_t n, size_t max_sessions)
{
    hsf_t            *f = calloc(1, sizeof(*f));
    or_conf_report_t  r = { NULL, 0, 0, 0 };
    char              conf[128];

    assert_non_null(f);
    assert_true(n >= 1 && n <= HSF_MAX_NODES);
    if (hsf_now == 0) {
        hsf_now = (int64_t) time(NULL);
    }
    strcpy(f->dir, "/tmp/or-hs-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    write_conf(f, keys, n, conf, sizeof(conf));
    f->cycle = or_cycle_new(f->dir, conf, NULL);
    assert_non_null(f->cycle);
    if (or_conf_load(f->cycle, conf, NULL, &r) != OR_OK) {
        fail_msg("config: %s", r.text ? r.text : "?");
    }
    or_conf_report_free(&r);
    snprintf(f->log, sizeof(f->log), "%s/error.log", f->dir);
    assert_int_equal(or_log_open(f->cycle->log, f->log), OR_OK);
    or_log_set_level(f->cycle->log, OR_LOG_INFO);
    assert_int_equal(or_core_keys_load(f->cycle, 0), OR_OK);
    assert_int_equal(or_event_loop_new(&f->loop, 1024), OR_OK);
    f->worker.index = 0;
    f->worker.pid = getpid();
    f->worker.loop = f->loop;
    f->worker.cycle = f->cycle;
    f->hs.cycle = f->cycle;
    f->hs.worker = &f->worker;
    f->hs.max_pending = 1024;
    f->hs.max_pending_src = 32;
    f->hs.max_sessions_src = 64;
    zones_init(f, max_sessions);
    f->hs.nodes = calloc(n, sizeof(or_hs_node_t));
    assert_non_null(f->hs.nodes);
    f->hs.nnodes = n;
    for (size_t i = 0; i < n; i++) {
        or_hs_node_t *hn = &f->hs.nodes[i];
        or_node_t    *node = &f->cycle->nodes[i];

        hn->hs = &f->hs;
        hn->node = node;
        hn->id = or_core_node(node)->id;
        hn->key = node->key;
        hn->fp = or_key_fingerprint(node->key);
        hn->listen_fd = hsf_listen(&f->port[i]);
        hn->timeout_ms = 10000;
        hn->max_size = 16384;
        hn->max_inbound = 256;
        hn->accept_undiscovered = 1;    /* the setting's default */
        hn->msg_rate = 100;
        hn->byte_rate = 1048576;
        hn->max_connections = 3;
    }
    assert_int_equal(or_hs_listen(&f->hs), OR_OK);
    return f;
}

void
hsf_free(hsf_t *f)
{
    char cmd[128];

    if (f == NULL) {
        return;
    }
    or_hs_close_all(&f->hs, "test over");
    for (size_t i = 0; i < f->hs.nnodes; i++) {
        close(f->hs.nodes[i].listen_fd);
    }
    free(f->hs.nodes);
    or_event_loop_free(f->loop);
    or_shm_cycle_free(f->cycle);
    or_cycle_free(f->cycle);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
}

static uint64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void
run_once(hsf_t *f, hsf_t *g, int ms)
{
    assert_int_equal(or_event_loop_run_once(f->loop, g ? 0 : ms), OR_OK);
    if (g != NULL) {
        assert_int_equal(or_event_loop_run_once(g->loop, ms), OR_OK);
    }
}

int
hsf_run_until(hsf_t *f, hsf_t *g, int (*done)(void *), void *arg)
{
    uint64_t end = mono_ms() + HSF_WAIT_MS;

    while (!done(arg)) {
        if (mono_ms() > end) {
            return 0;
        }
        run_once(f, g, 5);
    }
    return 1;
}

void
hsf_run_for(hsf_t *f, hsf_t *g, int ms)
{
    uint64_t end = mono_ms() + (uint64_t) ms;

    while (mono_ms() < end) {
        run_once(f, g, 5);
    }
}

int
hsf_connect(uint16_t port)
{
    return hsf_connect_from(port, "127.0.0.1");
}

int
hsf_connect_from(uint16_t port, const char *src)
{
    struct sockaddr_in sa;
    int                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, src, &sa.sin_addr), 1);
    assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    /* loopback: the kernel completes it before accept() is called */
    assert_int_equal(connect(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
    assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    return fd;
}

int
hsf_accept(hsf_t *f, int lfd)
{
    uint64_t end = mono_ms() + HSF_WAIT_MS;
    int      fd;

    while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
           == -1)
    {
        if (mono_ms() > end) {
            return -1;
        }
        run_once(f, NULL, 5);
    }
    return fd;
}

void
hsf_send(int fd, const void *buf, size_t len)
{
    const char    *p = buf;
    struct pollfd  pfd = { fd, POLLOUT, 0 };
    ssize_t        n;

    while (len > 0) {
        n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            assert_int_equal(poll(&pfd, 1, HSF_WAIT_MS), 1);
            continue;
        }
        assert_true(n > 0);
        p += n;
        len -= (size_t) n;
    }
}

/* 1 when buf[0, len) holds one whole JSON object */
static int
has_object(const char *buf, size_t len)
{
    or_json_reader_t *r;
    size_t            used;
    int               done;

    assert_int_equal(or_json_reader_new(1 << 20, &r), OR_OK);
    done = or_json_reader_feed(r, buf, len, &used, NULL) == OR_OK;
    or_json_reader_free(r);
    return done;
}

static int
read_some(hsf_t *f, hsf_t *g, int fd, char *buf, size_t cap, size_t *len,
    int want_eof)
{
    uint64_t end = mono_ms() + HSF_WAIT_MS;
    ssize_t  n;

    *len = 0;
    buf[0] = '\0';
    for ( ;; ) {
        n = recv(fd, buf + *len, cap - 1 - *len, 0);
        if (n > 0) {
            *len += (size_t) n;
            buf[*len] = '\0';
            if (!want_eof && has_object(buf, *len)) {
                return 0;
            }
            continue;
        }
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            return 1;
        }
        if (mono_ms() > end) {
            return -1;
        }
        run_once(f, g, 5);
    }
}

int
hsf_read(hsf_t *f, hsf_t *g, int fd, char *buf, size_t cap, size_t *len)
{
    return read_some(f, g, fd, buf, cap, len, 0);
}

int
hsf_read_to_eof(hsf_t *f, int fd, char *buf, size_t cap, size_t *len)
{
    return read_some(f, NULL, fd, buf, cap, len, 1) == 1;
}

size_t
hsf_request(int k, const char *target, int64_t ts, char *out, size_t cap)
{
    or_errbuf_t eb;
    size_t      len = 0;

    assert_int_equal(or_v2_request_build(hsf_key[k], target, ts, out, cap,
                                         &len, &eb), OR_OK);
    out[len] = '\0';
    return len;
}

size_t
hsf_response(int k, const char *us, const char *req, size_t reqlen,
    int64_t ts, char *out, size_t cap, char *link)
{
    or_v2_request_t r;
    or_errbuf_t     eb;
    size_t          len = 0;

    memset(&eb, 0, sizeof(eb));
    if (or_v2_request_check(req, reqlen, us, ts, OR_HANDSHAKE_WINDOW,
                            &r, &eb) != OR_OK)
    {
        fail_msg("request refused: %s", eb.msg);
    }
    assert_int_equal(or_v2_response_build(hsf_key[k], &r, ts, out, cap, &len,
                                          link, &eb), OR_OK);
    or_v2_request_clear(&r);
    out[len] = '\0';
    return len;
}

int
hsf_handshake_in(hsf_t *f, int key, int64_t ts, const char *req,
    size_t len, char *link)
{
    char             out[OR_HANDSHAKE_MAX], buf[OR_HANDSHAKE_MAX];
    or_v2_sent_t     sent;
    or_v2_response_t resp;
    or_errbuf_t      eb;
    size_t           n;
    int              fd = hsf_connect(f->port[0]);

    if (req == NULL) {
        len = hsf_request(key, f->hs.nodes[0].fp, ts, out, sizeof(out));
        req = out;
    }
    hsf_send(fd, req, len);
    assert_int_equal(hsf_read(f, NULL, fd, buf, sizeof(buf), &n), 0);
    memset(&sent, 0, sizeof(sent));
    strcpy(sent.ours, hsf_fp[key]);
    strcpy(sent.dialled, f->hs.nodes[0].fp);
    sent.timestamp = ts;
    memset(&eb, 0, sizeof(eb));
    if (or_v2_response_check(buf, n, &sent, hsf_now, OR_HANDSHAKE_WINDOW,
                             &resp, &eb) != OR_OK)
    {
        fail_msg("response refused: %s (%s)", eb.msg, buf);
    }
    if (link != NULL) {
        memcpy(link, resp.mutual_link, OR_LINK_LEN + 1);
    }
    or_v2_response_clear(&resp);
    return fd;
}

static or_session_table_t *
table(hsf_t *f)
{
    return or_shm_addr(f->hs.sessions);
}

uint64_t
hsf_refused(hsf_t *f, size_t node, int reason)
{
    return table(f)->refused[node][reason];
}

uint64_t
hsf_accepted(hsf_t *f, size_t node)
{
    return table(f)->accepted[node];
}

size_t
hsf_sessions(hsf_t *f, size_t node, int dir)
{
    return or_session_count(table(f), f->hs.nodes[node].id, dir);
}

int
hsf_session(hsf_t *f, size_t node, const char *peer, or_session_t *s)
{
    int idx = or_session_find(table(f), f->hs.nodes[node].id, peer);

    if (idx >= 0 && s != NULL) {
        *s = table(f)->slots[idx];
    }
    return idx;
}

uint64_t
hsf_session_add(hsf_t *f, size_t node, const char *peer, int dir, pid_t pid)
{
    return hsf_session_add_at(f, node, peer, dir, pid, 0);
}

uint64_t
hsf_session_add_at(hsf_t *f, size_t node, const char *peer, int dir,
    pid_t pid, uint64_t handoff)
{
    or_session_t s;
    uint64_t     id = 0;

    memset(&s, 0, sizeof(s));
    snprintf(s.node, sizeof(s.node), "%s", f->hs.nodes[node].id);
    snprintf(s.peer, sizeof(s.peer), "%s", peer);
    snprintf(s.ours, sizeof(s.ours), "%s", f->hs.nodes[node].fp);
    s.direction = dir;
    s.pid = pid;
    s.handoff = handoff;
    s.worker = 1;
    assert_true(or_session_add(table(f), &s, &id) >= 0);
    return id;
}

static char *
log_text(hsf_t *f)
{
    FILE  *in = fopen(f->log, "r");
    char  *s;
    long   n;

    assert_non_null(in);
    fseek(in, 0, SEEK_END);
    n = ftell(in);
    fseek(in, 0, SEEK_SET);
    s = calloc(1, (size_t) n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t) n, in), (size_t) n);
    fclose(in);
    return s;
}

int
hsf_log_count(hsf_t *f, const char *text)
{
    char *s = log_text(f), *p = s;
    int   n = 0;

    while ((p = strstr(p, text)) != NULL) {
        n++;
        p += strlen(text);
    }
    free(s);
    return n;
}

int
hsf_log_has(hsf_t *f, const char *text)
{
    int n = hsf_log_count(f, text);

    if (n == 0) {
        char *s = log_text(f);

        print_message("log has no \"%s\"; it holds:\n%s", text, s);
        free(s);
    }
    return n > 0;
}

int
hsf_log_line_has(hsf_t *f, const char *head, const char *ctx)
{
    char *s = log_text(f), *line, *save = NULL;
    int   found = 0;

    for (line = strtok_r(s, "\n", &save); line != NULL && !found;
         line = strtok_r(NULL, "\n", &save))
    {
        char *h = strstr(line, head);

        found = h != NULL && strstr(h + strlen(head), ctx) != NULL;
    }
    free(s);
    if (!found) {
        s = log_text(f);
        print_message("log has no line with \"%s\" then \"%s\"; it "
                      "holds:\n%s", head, ctx, s);
        free(s);
    }
    return found;
}

static int
events_detail(hsf_t *f, int type, const char *detail, or_evt_t *last)
{
    or_evt_t *evs = calloc(OR_EVENTS_MAX, sizeof(*evs));
    size_t    n = 0;
    uint64_t  missed, newest;
    int       count = 0;

    assert_non_null(evs);
    assert_int_equal(or_evring_fetch(f->cycle, 0, evs, OR_EVENTS_MAX, &n,
                                     &missed, &newest), OR_OK);
    for (size_t i = 0; i < n; i++) {
        if (evs[i].type == type
            && (detail == NULL || strcmp(evs[i].detail, detail) == 0))
        {
            count++;
            if (last != NULL) {
                *last = evs[i];
            }
        }
    }
    free(evs);
    return count;
}

static int
events(hsf_t *f, int type, or_evt_t *last)
{
    return events_detail(f, type, NULL, last);
}

int
hsf_event_count_detail(hsf_t *f, int type, const char *detail)
{
    return events_detail(f, type, detail, NULL);
}

int
hsf_event(hsf_t *f, int type, or_evt_t *ev)
{
    return events(f, type, ev) > 0;
}

int
hsf_event_count(hsf_t *f, int type)
{
    return events(f, type, NULL);
}

void
hsf_peer_add(hsf_t *f, size_t node, const char *fp, const char *sector,
    uint16_t port)
{
    or_peer_t p;

    memset(&p, 0, sizeof(p));
    snprintf(p.fingerprint, sizeof(p.fingerprint), "%s", fp);
    snprintf(p.sector, sizeof(p.sector), "%s", sector);
    snprintf(p.source, sizeof(p.source), "127.0.0.1");
    snprintf(p.adv_ip, sizeof(p.adv_ip), "127.0.0.1");
    p.adv_port = port;
    snprintf(p.services[0], sizeof(p.services[0]), "storage");
    p.nservices = 1;
    or_shm_lock(or_peers_zone(f->cycle));
    (void) or_peer_table_update(or_peers_table(f->cycle, node), &p, hsf_now,
                                NULL);
    or_shm_unlock(or_peers_zone(f->cycle));
}

size_t
hsf_conns(hsf_t *f, int state)
{
    size_t n = 0;

    for (or_hs_conn_t *hc = f->hs.conns; hc != NULL; hc = hc->next) {
        n += state < 0 || hc->state == state;
    }
    return n;
}
