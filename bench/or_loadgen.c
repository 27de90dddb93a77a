/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Load generator for the v2 handshake (rows 2, 3, 5, 6, 8 of `make bench`):
 *   lat  ADDR KEY FP N MAXSEC          sequential full handshakes, the
 *                                      initiator's sign and verify on the clock
 *   tput ADDR REQS CONC N MAXSEC [spin]
 *                                      pre-signed requests, CONC connections
 *                                      at once, each closed after its response;
 *                                      spin: poll, never sleep (see run())
 *   hold ADDR REQS CONC N MAXSEC HOLD [SYNC]
 *                                      N sessions kept open; after HOLD s one
 *                                      message on each, then count the living;
 *                                      with SYNC (a path prefix), the message
 *                                      waits for SYNC.go and the close for
 *                                      SYNC.end, so that several of these
 *                                      (one per RLIMIT_NOFILE's worth of
 *                                      sessions) act as one
 *   beacons ADDR KIND N MAXSEC         N datagrams to the discovery group:
 *                                      KIND valid, forged (bad HMAC) or junk
 * Every run is bounded by N and MAXSEC. Prints key=value lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "openred.h"
#include "or_bench.h"

#define RBUF        4096        /* the original reads a response once */
#define CONN_TMO_NS 10000000000ull
#define VERIFY_MAX  64          /* tput: responses checked after the clock */
/* hold: sessions come from 127.1.0.1 .. 127.1.0.HOLD_SRCS in turn, so that
 * 100,000 of them fit in the ports of one address pair each (~51,000) */
#define HOLD_SRCS   64
#define SYNC_MAX_S  600         /* hold: the longest wait for SYNC.go/.end */

enum { C_FREE = 0, C_CONNECTING, C_SENDING, C_READING, C_HELD };

typedef struct {
    int                fd;
    int                state;
    size_t             req;         /* index into the request lines */
    size_t             wpos;
    char               rbuf[RBUF];
    size_t             rlen;
    uint64_t           start;       /* ns */
    or_json_reader_t  *reader;
    char               link[OR_LINK_LEN + 1];
} conn_t;

typedef struct {
    struct sockaddr_in  sa;
    or_bench_lines_t    reqs;
    size_t              conc, inflight, n, started, ok, fail, held;
    size_t              f_connect, f_reset, f_refused, f_timeout;
    int                 hold;
    int                 spin;       /* epoll_wait without sleeping */
    int                 ep;
    conn_t             *c;
    char              **resp;       /* tput: first responses, to verify */
    size_t             *resp_req;
    size_t              nresp;
    char                last_error[160];
} lg_t;

static int
parse_addr(const char *s, struct sockaddr_in *sa)
{
    char        host[64];
    const char *colon = strrchr(s, ':');

    if (colon == NULL || (size_t) (colon - s) >= sizeof(host)) {
        return -1;
    }
    memcpy(host, s, (size_t) (colon - s));
    host[colon - s] = '\0';
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t) atoi(colon + 1));
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* A close that leaves no TIME_WAIT: tens of thousands of dials per run. */
static void
close_rst(int fd)
{
    struct linger lg = { 1, 0 };

    (void) setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

/* what a request line says about itself: for or_v2_response_check */
static int
sent_of(const char *req, or_v2_sent_t *sent)
{
    const char *s = strstr(req, "\"source_fingerprint\": \"");
    const char *t = strstr(req, "\"target_fingerprint\": \"");
    const char *ts = strstr(req, "\"timestamp\": ");

    if (s == NULL || t == NULL || ts == NULL) {
        return -1;
    }
    memcpy(sent->ours, s + 23, OR_FP_LEN);
    sent->ours[OR_FP_LEN] = '\0';
    memcpy(sent->dialled, t + 23, OR_FP_LEN);
    sent->dialled[OR_FP_LEN] = '\0';
    sent->timestamp = strtoll(ts + 13, NULL, 10);
    return 0;
}

static int
check_response(const char *req, const char *resp, size_t len, char *link)
{
    or_v2_sent_t      sent;
    or_v2_response_t  r;
    or_errbuf_t       eb;

    if (sent_of(req, &sent) != 0
        || or_v2_response_check(resp, len, &sent, (int64_t) time(NULL),
                                OR_HANDSHAKE_WINDOW, &r, &eb) != OR_OK)
    {
        return -1;
    }
    if (link != NULL) {
        memcpy(link, r.mutual_link, OR_LINK_LEN + 1);
    }
    or_v2_response_clear(&r);
    return 0;
}

static void
conn_end(lg_t *lg, conn_t *c, int ok)
{
    if (ok && lg->hold) {
        c->state = C_HELD;
        lg->held++;
        lg->ok++;
        return;
    }
    epoll_ctl(lg->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close_rst(c->fd);
    c->fd = -1;
    c->state = C_FREE;
    if (ok) {
        lg->ok++;
    } else {
        lg->fail++;
    }
}

static void
conn_start(lg_t *lg, conn_t *c)
{
    struct epoll_event ev;
    int                one = 1;

    c->req = lg->started++;
    c->wpos = 0;
    c->rlen = 0;
    c->start = or_bench_now_ns();
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        lg->f_connect++;
        lg->fail++;
        snprintf(lg->last_error, sizeof(lg->last_error), "socket: %s",
                 strerror(errno));
        return;
    }
    (void) setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (lg->hold) {
        struct sockaddr_in src;

        memset(&src, 0, sizeof(src));
        src.sin_family = AF_INET;
        src.sin_addr.s_addr = htonl(0x7f010001u + (uint32_t) (c->req
                                                          % HOLD_SRCS));
        /* the port is picked at connect(), per destination */
        (void) setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
                          sizeof(one));
        if (bind(c->fd, (struct sockaddr *) &src, sizeof(src)) != 0) {
            snprintf(lg->last_error, sizeof(lg->last_error), "bind: %s",
                     strerror(errno));
            close(c->fd);
            c->fd = -1;
            lg->f_connect++;
            lg->fail++;
            return;
        }
    }
    if (connect(c->fd, (struct sockaddr *) &lg->sa, sizeof(lg->sa)) != 0
        && errno != EINPROGRESS)
    {
        snprintf(lg->last_error, sizeof(lg->last_error), "connect: %s",
                 strerror(errno));
        close(c->fd);
        c->fd = -1;
        lg->f_connect++;
        lg->fail++;
        return;
    }
    c->state = C_CONNECTING;
    ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = c;
    if (epoll_ctl(lg->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        close(c->fd);
        c->fd = -1;
        c->state = C_FREE;
        lg->fail++;
    }
}

static void
on_write(lg_t *lg, conn_t *c)
{
    const char         *req = lg->reqs.line[c->req];
    size_t              len = lg->reqs.len[c->req];
    ssize_t             n;
    struct epoll_event  ev;

    while (c->wpos < len) {
        n = send(c->fd, req + c->wpos, len - c->wpos, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN) {
                return;
            }
            lg->f_connect += c->state == C_CONNECTING;
            lg->f_reset += c->state != C_CONNECTING;
            conn_end(lg, c, 0);
            return;
        }
        c->state = C_SENDING;
        c->wpos += (size_t) n;
    }
    c->state = C_READING;
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = c;
    (void) epoll_ctl(lg->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
on_response(lg_t *lg, conn_t *c)
{
    int ok = strstr(c->rbuf, "\"error\"") == NULL
             && strstr(c->rbuf, "p2p_handshake_response") != NULL;

    if (!ok) {
        lg->f_refused++;
        snprintf(lg->last_error, sizeof(lg->last_error), "%.150s", c->rbuf);
        conn_end(lg, c, 0);
        return;
    }
    if (lg->hold) {
        ok = check_response(lg->reqs.line[c->req], c->rbuf, c->rlen,
                            c->link) == 0;
        lg->f_refused += !ok;
    } else if (lg->nresp < VERIFY_MAX) {
        lg->resp[lg->nresp] = strdup(c->rbuf);
        lg->resp_req[lg->nresp++] = c->req;
    }
    conn_end(lg, c, ok);
}

static void
on_read(lg_t *lg, conn_t *c)
{
    ssize_t   n;
    size_t    used;
    or_err_t  rc;
    or_errbuf_t eb;

    for ( ;; ) {
        n = recv(c->fd, c->rbuf + c->rlen, RBUF - 1 - c->rlen, 0);
        if (n < 0 && errno == EAGAIN) {
            return;
        }
        if (n <= 0) {
            if (c->state == C_HELD) {
                c->state = C_FREE;      /* counted by the alive check */
                return;
            }
            lg->f_reset++;
            snprintf(lg->last_error, sizeof(lg->last_error), "%s",
                     n == 0 ? "closed before a response" : strerror(errno));
            conn_end(lg, c, 0);
            return;
        }
        if (c->state == C_HELD) {
            continue;                   /* a session may talk; ignore it */
        }
        rc = or_json_reader_feed(c->reader, c->rbuf + c->rlen, (size_t) n,
                                 &used, &eb);
        c->rlen += (size_t) n;
        c->rbuf[c->rlen] = '\0';
        if (rc == OR_OK) {
            c->rlen = c->rlen - (size_t) n + used;
            c->rbuf[c->rlen] = '\0';
            on_response(lg, c);
            return;
        }
        if (rc != OR_AGAIN || c->rlen >= RBUF - 1) {
            lg->f_refused++;
            conn_end(lg, c, 0);
            return;
        }
    }
}

static void
sweep_timeouts(lg_t *lg, uint64_t now)
{
    for (size_t i = 0; i < lg->conc; i++) {
        conn_t *c = &lg->c[i];

        if (c->state != C_FREE && c->state != C_HELD
            && now - c->start > CONN_TMO_NS)
        {
            lg->f_timeout++;
            conn_end(lg, c, 0);
        }
    }
}

/* this process's own CPU: its share of the cores, and how much of it the
 * kernel's (loopback TCP runs both ends' protocol work in the sender) */
static double  cpu_base_user, cpu_base_sys;

static int
cpu_now(double *u, double *k)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0) {
        return -1;
    }
    *u = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6;
    *k = (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
    return 0;
}

/* setup (keys, request files) is not counted: from here on */
static void
cpu_mark(void)
{
    if (cpu_now(&cpu_base_user, &cpu_base_sys) != 0) {
        cpu_base_user = cpu_base_sys = 0;
    }
}

static void
print_cpu(void)
{
    double u, k;

    if (cpu_now(&u, &k) == 0) {
        u -= cpu_base_user;
        k -= cpu_base_sys;
        printf("cpu_s=%.3f\ncpu_user_s=%.3f\ncpu_sys_s=%.3f\n", u + k, u,
               k);
    }
}

/* Runs until n handshakes finished or maxsec passed; returns elapsed s. */
static double
run(lg_t *lg, double maxsec)
{
    struct epoll_event  ev[256];
    uint64_t            t0 = or_bench_now_ns(), now = t0, last_sweep = t0;
    uint64_t            end = t0 + (uint64_t) (maxsec * 1e9);
    size_t              next_free = 0;

    cpu_mark();

    while (lg->ok + lg->fail < lg->n && now < end) {
        /* keep inflight connecting; in hold mode every slot stays used */
        while (lg->started < lg->n
               && lg->started - lg->ok - lg->fail < lg->inflight)
        {
            conn_t *c = &lg->c[lg->hold ? lg->started : next_free];

            while (c->state != C_FREE) {
                next_free = (next_free + 1) % lg->conc;
                c = &lg->c[next_free];
            }
            conn_start(lg, c);
        }
        /*
         * Spin when this process has a core of its own (one worker on two
         * cores): a response written to a sleeping load generator makes the
         * server's send() wake it on the other core, an IPI that costs the
         * server ~10% of a handshake in a paravirtualised guest (perf:
         * tcp_sendmsg -> sock_def_readable -> pvm_irq_enable), a cost no
         * remote client puts on a server.
         */
        int n = epoll_wait(lg->ep, ev, 256, lg->spin ? 0 : 50);
        for (int i = 0; i < n; i++) {
            conn_t *c = ev[i].data.ptr;

            if (c->state == C_FREE) {
                continue;
            }
            if (c->state == C_CONNECTING || c->state == C_SENDING) {
                on_write(lg, c);
            }
            if ((c->state == C_READING || c->state == C_HELD)
                && (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP
                                    | EPOLLERR)))
            {
                on_read(lg, c);
            }
        }
        now = or_bench_now_ns();
        if (now - last_sweep > 500000000u) {
            sweep_timeouts(lg, now);
            last_sweep = now;
        }
    }
    return (double) (now - t0) / 1e9;
}

static int
lg_init(lg_t *lg, const char *addr, const char *reqs, size_t conc, size_t n)
{
    memset(lg, 0, sizeof(*lg));
    if (parse_addr(addr, &lg->sa) != 0) {
        fprintf(stderr, "bad address %s\n", addr);
        return -1;
    }
    if (or_bench_lines_load(reqs, &lg->reqs) != 0) {
        return -1;
    }
    if (n > lg->reqs.n) {
        fprintf(stderr, "only %zu requests in %s, %zu wanted\n", lg->reqs.n,
                reqs, n);
        return -1;
    }
    lg->n = n;
    lg->conc = conc;
    lg->inflight = conc;
    lg->ep = epoll_create1(0);
    lg->c = calloc(conc, sizeof(conn_t));
    lg->resp = calloc(VERIFY_MAX, sizeof(char *));
    lg->resp_req = calloc(VERIFY_MAX, sizeof(size_t));
    if (lg->ep < 0 || lg->c == NULL || lg->resp == NULL
        || lg->resp_req == NULL)
    {
        return -1;
    }
    for (size_t i = 0; i < conc; i++) {
        lg->c[i].fd = -1;
        if (or_json_reader_new(OR_HANDSHAKE_MAX, &lg->c[i].reader) != OR_OK) {
            return -1;
        }
    }
    or_bench_nofile(conc + 64);
    return 0;
}

static void
print_common(lg_t *lg, double el)
{
    printf("ok=%zu\nfail=%zu\nelapsed_s=%.3f\nper_s=%.1f\n", lg->ok,
           lg->fail, el, el > 0 ? (double) lg->ok / el : 0);
    print_cpu();
    printf("fail_connect=%zu\nfail_reset=%zu\nfail_refused=%zu\n"
           "fail_timeout=%zu\nunfinished=%zu\n", lg->f_connect, lg->f_reset,
           lg->f_refused, lg->f_timeout, lg->n - lg->ok - lg->fail);
    if (lg->last_error[0] != '\0') {
        printf("last_error=%s\n", lg->last_error);
    }
}

static int
cmd_tput(const char *addr, const char *reqs, size_t conc, size_t n,
    double maxsec, int spin)
{
    lg_t    lg;
    double  el;
    size_t  bad = 0;

    if (lg_init(&lg, addr, reqs, conc, n) != 0) {
        return 1;
    }
    lg.spin = spin;
    el = run(&lg, maxsec);
    print_common(&lg, el);
    /* off the clock: the responses really are signed answers to ours */
    for (size_t i = 0; i < lg.nresp; i++) {
        bad += check_response(lg.reqs.line[lg.resp_req[i]], lg.resp[i],
                              strlen(lg.resp[i]), NULL) != 0;
        free(lg.resp[i]);
    }
    printf("verified=%zu\nverify_bad=%zu\n", lg.nresp, bad);
    return 0;
}

static size_t
send_messages(lg_t *lg)
{
    char          msg[1024];
    size_t        len, sent = 0;
    or_v2_sent_t  s;
    or_errbuf_t   eb;
    const char    payload[] = "{\"bench\": \"ping\"}";

    for (size_t i = 0; i < lg->conc; i++) {
        conn_t *c = &lg->c[i];

        if (c->state != C_HELD || sent_of(lg->reqs.line[c->req], &s) != 0
            || or_v2_message_build(s.ours, s.dialled, (double) time(NULL),
                                   c->link, payload, sizeof(payload) - 1,
                                   msg, sizeof(msg), &len, &eb) != OR_OK)
        {
            continue;
        }
        sent += send(c->fd, msg, len, MSG_NOSIGNAL) == (ssize_t) len;
    }
    return sent;
}

/* the sessions the daemon has not closed, after a short wait */
static size_t
count_alive(lg_t *lg, double wait)
{
    struct epoll_event  ev[256];
    uint64_t            end = or_bench_now_ns() + (uint64_t) (wait * 1e9);
    size_t              alive = 0;

    while (or_bench_now_ns() < end) {
        int n = epoll_wait(lg->ep, ev, 256, 50);

        for (int i = 0; i < n; i++) {
            conn_t *c = ev[i].data.ptr;

            if (c->state == C_HELD) {
                on_read(lg, c);
            }
        }
    }
    for (size_t i = 0; i < lg->conc; i++) {
        alive += lg->c[i].state == C_HELD;
    }
    return alive;
}

/* hold with SYNC: keeps reading the held sessions until PREFIX.SUFFIX
 * exists (the driver's signal) or SYNC_MAX_S passed */
static void
wait_sync(lg_t *lg, const char *prefix, const char *suffix)
{
    char         path[4096];
    struct stat  st;
    uint64_t     end = or_bench_now_ns() + (uint64_t) SYNC_MAX_S * 1000000000u;

    snprintf(path, sizeof(path), "%s.%s", prefix, suffix);
    while (stat(path, &st) != 0 && or_bench_now_ns() < end) {
        count_alive(lg, 0.1);
    }
}

static int
cmd_hold(const char *addr, const char *reqs, size_t conc, size_t n,
    double maxsec, double hold, const char *sync)
{
    lg_t    lg;
    double  el;
    size_t  sent;

    /* every session keeps its slot: conc slots for n sessions */
    if (lg_init(&lg, addr, reqs, n, n) != 0) {
        return 1;
    }
    lg.hold = 1;
    lg.inflight = conc;
    el = run(&lg, maxsec);
    print_common(&lg, el);
    printf("established=%zu\n", lg.held);
    fflush(stdout);
    /* the driver measures memory now */
    count_alive(&lg, hold);
    if (sync != NULL) {
        wait_sync(&lg, sync, "go");
    }
    sent = send_messages(&lg);
    printf("messaged=%zu\nalive=%zu\n", sent, count_alive(&lg, 1.0));
    fflush(stdout);
    if (sync != NULL) {
        wait_sync(&lg, sync, "end");
    } else {
        count_alive(&lg, 2.0);  /* the driver lists the sessions now */
    }
    for (size_t i = 0; i < lg.conc; i++) {
        if (lg.c[i].fd >= 0) {
            close_rst(lg.c[i].fd);
        }
    }
    return 0;
}

static int
cmd_lat(const char *addr, const char *keyfile, const char *fp, size_t n,
    double maxsec)
{
    struct sockaddr_in  sa;
    or_key_t           *key;
    or_errbuf_t         eb;
    char                req[OR_HANDSHAKE_MAX], buf[RBUF];
    double             *us = calloc(n, sizeof(double));
    size_t              len, ok = 0, fail = 0;
    uint64_t            end = or_bench_now_ns() + (uint64_t) (maxsec * 1e9);
    struct timeval      tv = { 5, 0 };
    int                 one = 1;

    if (us == NULL || parse_addr(addr, &sa) != 0
        || or_key_load(keyfile, &key, &eb) != OR_OK)
    {
        fprintf(stderr, "lat: setup failed\n");
        return 1;
    }
    cpu_mark();
    for (size_t i = 0; i < n && or_bench_now_ns() < end; i++) {
        uint64_t  t0 = or_bench_now_ns();
        int       fd = socket(AF_INET, SOCK_STREAM, 0);
        ssize_t   r;
        size_t    got = 0;

        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (or_v2_request_build(key, fp, (int64_t) time(NULL), req,
                                sizeof(req), &len, &eb) != OR_OK
            || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0
            || send(fd, req, len, MSG_NOSIGNAL) != (ssize_t) len)
        {
            close_rst(fd);
            fail++;
            continue;
        }
        /* read to the end of one object: the reader says where */
        or_json_reader_t *rd;
        or_err_t          rc = OR_AGAIN;
        size_t            used;

        if (or_json_reader_new(OR_HANDSHAKE_MAX, &rd) != OR_OK) {
            return 1;
        }
        while (rc == OR_AGAIN && got < RBUF - 1
               && (r = recv(fd, buf + got, RBUF - 1 - got, 0)) > 0)
        {
            rc = or_json_reader_feed(rd, buf + got, (size_t) r, &used, &eb);
            got += rc == OR_OK ? used : (size_t) r;
        }
        or_json_reader_free(rd);
        buf[got] = '\0';
        if (rc == OR_OK && check_response(req, buf, got, NULL) == 0) {
            us[ok++] = (double) (or_bench_now_ns() - t0) / 1e3;
        } else {
            fail++;
        }
        close_rst(fd);
    }
    printf("ok=%zu\nfail=%zu\n", ok, fail);
    print_cpu();
    printf("p50_us=%.1f\n", or_bench_quantile(us, ok, 0.5));
    printf("p99_us=%.1f\n", or_bench_quantile(us, ok, 0.99));
    or_key_free(key);
    free(us);
    return 0;
}

#define BEACON_KINDS  64
#define PASSPHRASE    "OpenRed-P2P-Discovery-2025"

/* 64 datagrams of one kind, all made before the clock starts */
static int
beacons_make(const char *kind, char tok[][OR_BEACON_MAX], size_t *len)
{
    or_fernet_t     *fk;
    or_v2_beacon_t   b;
    or_errbuf_t      eb;
    int64_t          now = (int64_t) time(NULL);

    if (or_fernet_derive(PASSPHRASE, strlen(PASSPHRASE), &fk, &eb) != OR_OK) {
        return -1;
    }
    for (int k = 0; k < BEACON_KINDS; k++) {
        memset(&b, 0, sizeof(b));
        snprintf(b.fingerprint, sizeof(b.fingerprint), "be4c%012x", k);
        memset(b.node_hash, 'b', OR_NODE_HASH_LEN);
        snprintf(b.sector, sizeof(b.sector), "tech");
        snprintf(b.services[0], sizeof(b.services[0]), "storage");
        b.nservices = 1;
        snprintf(b.zone_hash, sizeof(b.zone_hash), "zone_bench");
        snprintf(b.ip, sizeof(b.ip), "127.0.0.1");
        b.port = 9999;
        b.timestamp = (double) now;
        if (strcmp(kind, "junk") == 0) {
            len[k] = 40 + (size_t) (rand() % 400);
            for (size_t j = 0; j < len[k]; j++) {
                tok[k][j] = (char) (rand() & 0xff);
            }
            continue;
        }
        if (or_v2_beacon_seal(fk, &b, now, tok[k], OR_BEACON_MAX, &len[k],
                              &eb) != OR_OK)
        {
            or_fernet_free(fk);
            return -1;
        }
        if (strcmp(kind, "forged") == 0) {
            char *p = &tok[k][len[k] - 10];

            *p = *p == 'A' ? 'B' : 'A';
        }
    }
    or_fernet_free(fk);
    return 0;
}

static int
cmd_beacons(const char *addr, const char *kind, size_t n, double maxsec)
{
    static char         tok[BEACON_KINDS][OR_BEACON_MAX];
    size_t              len[BEACON_KINDS], sent = 0, i;
    struct sockaddr_in  sa;
    int                 fd, ttl = 1;
    uint64_t            t0, end;

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || parse_addr(addr, &sa) != 0
        || beacons_make(kind, tok, len) != 0)
    {
        fprintf(stderr, "beacons: setup failed\n");
        return 1;
    }
    (void) setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
    t0 = or_bench_now_ns();
    end = t0 + (uint64_t) (maxsec * 1e9);
    for (i = 0; i < n && (i % 256 != 0 || or_bench_now_ns() < end); i++) {
        size_t k = i % BEACON_KINDS;

        sent += sendto(fd, tok[k], len[k], 0, (struct sockaddr *) &sa,
                       sizeof(sa)) == (ssize_t) len[k];
    }
    printf("sent=%zu\nelapsed_s=%.3f\n", sent,
           (double) (or_bench_now_ns() - t0) / 1e9);
    close(fd);
    return 0;
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 7 && strcmp(argv[1], "lat") == 0) {
        return cmd_lat(argv[2], argv[3], argv[4], (size_t) atol(argv[5]),
                       atof(argv[6]));
    }
    if ((argc == 7 || (argc == 8 && strcmp(argv[7], "spin") == 0))
        && strcmp(argv[1], "tput") == 0)
    {
        return cmd_tput(argv[2], argv[3], (size_t) atol(argv[4]),
                        (size_t) atol(argv[5]), atof(argv[6]), argc == 8);
    }
    if ((argc == 8 || argc == 9) && strcmp(argv[1], "hold") == 0) {
        return cmd_hold(argv[2], argv[3], (size_t) atol(argv[4]),
                        (size_t) atol(argv[5]), atof(argv[6]),
                        atof(argv[7]), argc == 9 ? argv[8] : NULL);
    }
    if (argc == 6 && strcmp(argv[1], "beacons") == 0) {
        return cmd_beacons(argv[2], argv[3], (size_t) atol(argv[4]),
                           atof(argv[5]));
    }
    fprintf(stderr, "usage: or_loadgen lat ADDR KEY FP N MAXSEC\n"
            "       or_loadgen beacons ADDR valid|forged|junk N MAXSEC\n"
            "       or_loadgen tput ADDR REQS CONC N MAXSEC [spin]\n"
            "       or_loadgen hold ADDR REQS CONC N MAXSEC HOLDSEC [SYNC]\n");
    return 2;
}
