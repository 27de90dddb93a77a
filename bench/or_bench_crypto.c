/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * In-process rates on one core (rows 1, 2 floor and 4 of `make bench`):
 * RSA-PSS sign and verify through libopenred (the daemon's own calls), the
 * responder's whole per-handshake CPU, and v2 beacons opened and filtered.
 * Prints key=value lines; every loop is bounded in time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "openred.h"
#include "or_bench.h"
#include "or_conf.h"
#include "or_cycle.h"
#include "or_key_cache.h"
#include "or_session.h"

#define PASSPHRASE  "OpenRed-P2P-Discovery-2025"
#define FILTER_CONF "nodes = ( { id = \"n0\"; sector = \"tech\"; " \
    "listen = \"127.0.0.1:9001\"; filter = { accept_sectors = " \
    "\"^(tech|health)$\"; deny_services = \"^test\"; }; } );"
#define JUNK_N      64

typedef int (*step_pt)(void *ctx, size_t i);

static double
rate(step_pt step, void *ctx, double seconds, size_t batch)
{
    uint64_t t0 = or_bench_now_ns(), t, end;
    size_t   n = 0;

    end = t0 + (uint64_t) (seconds * 1e9);
    do {
        for (size_t k = 0; k < batch; k++, n++) {
            if (step(ctx, n) != 0) {
                fprintf(stderr, "step failed at %zu\n", n);
                exit(1);
            }
        }
        t = or_bench_now_ns();
    } while (t < end);
    return (double) n * 1e9 / (double) (t - t0);
}

/*
 * Several steps in turn, a small batch of each, for seconds: us[k] is the
 * time per call of step k. The host's speed drifts by 20% within seconds,
 * so a ratio of two steps is only fair when both were timed in the same
 * milliseconds.
 */
static void
interleave(const step_pt *step, const size_t *batch, size_t nsteps,
    void *ctx, double seconds, double *us)
{
    uint64_t t0 = or_bench_now_ns(), end, a, b, ns[8] = { 0 };
    size_t   calls[8] = { 0 }, n = 0;

    end = t0 + (uint64_t) (seconds * 1e9);
    do {
        for (size_t k = 0; k < nsteps && k < 8; k++) {
            a = or_bench_now_ns();
            for (size_t j = 0; j < batch[k]; j++, n++) {
                if (step[k](ctx, n) != 0) {
                    fprintf(stderr, "step %zu failed at %zu\n", k, n);
                    exit(1);
                }
            }
            b = or_bench_now_ns();
            ns[k] += b - a;
            calls[k] += batch[k];
        }
    } while (or_bench_now_ns() < end);
    for (size_t k = 0; k < nsteps && k < 8; k++) {
        us[k] = (double) ns[k] / 1e3 / (double) calls[k];
    }
}

/* the median of rounds runs of seconds each */
static double
rate_median(step_pt step, void *ctx, double seconds, size_t batch,
    int rounds)
{
    double v[16];

    for (int r = 0; r < rounds && r < 16; r++) {
        v[r] = rate(step, ctx, seconds, batch);
    }
    return or_bench_quantile(v, (size_t) (rounds < 16 ? rounds : 16), 0.5);
}

typedef struct {
    or_key_t      *key;         /* initiator A */
    or_key_t      *key2;        /* initiator A', for never-seen peers */
    or_key_t      *node;        /* responder B */
    or_pubkey_t   *pub;
    char           data[64];
    unsigned char  sig[OR_SIG_MAX];
    size_t         siglen;
    char           req[OR_HANDSHAKE_MAX];
    size_t         reqlen;
    char           req2[OR_HANDSHAKE_MAX];     /* from key2 */
    size_t         req2len;
    int64_t        now;
    /* the daemon's per-worker key cache (or_key_cache.h): kc_seen holds
     * A (every request a returning peer), kc_fresh holds one key while A
     * and A' alternate (every request a never-seen peer: a miss, an
     * import, an add and an eviction) */
    or_key_cache_t    *kc_seen;
    or_key_cache_t    *kc_fresh;
    or_pubkey_cache_t  hk_seen;
    or_pubkey_cache_t  hk_fresh;
} hs_ctx_t;

static int
step_sign(void *p, size_t i)
{
    hs_ctx_t     *c = p;
    or_errbuf_t   eb;
    unsigned char sig[OR_SIG_MAX];
    size_t        n;

    /* the key the responder signs with: two keys of the same size can
     * differ by a few per cent in speed, which would show as codec cost */
    (void) i;
    return or_sign(c->node, c->data, strlen(c->data), sig, sizeof(sig), &n,
                   &eb) != OR_OK;
}

static int step_verify_fresh(void *p, size_t i);

static int
step_verify(void *p, size_t i)
{
    hs_ctx_t    *c = p;
    or_errbuf_t  eb;

    (void) i;
    return or_verify(c->pub, c->data, strlen(c->data), c->sig, c->siglen,
                     &eb) != OR_OK;
}

/* the verify a responder cannot skip: a key it has never seen, imported
 * from the PEM the request carries, then checked once */
static int
step_verify_fresh(void *p, size_t i)
{
    hs_ctx_t     *c = p;
    or_errbuf_t   eb;
    or_pubkey_t  *pk;
    const char   *pem;
    size_t        n;
    int           bad;

    (void) i;
    pem = or_key_public_pem(c->key, &n);
    if (or_pubkey_import(pem, n, &pk, &eb) != OR_OK) {
        return 1;
    }
    bad = or_verify(pk, c->data, strlen(c->data), c->sig, c->siglen, &eb)
          != OR_OK;
    or_pubkey_free(pk);
    return bad;
}

/*
 * sign/s of two processes signing at once, summed: what two cores give
 * when both are busy (shared caches, the host's clock), the most that two
 * workers can scale to. 0 if a child failed.
 */
static double
sign_two_processes(hs_ctx_t *c, double sec)
{
    int     fd[2][2], st;
    pid_t   pid[2];
    double  r, sum = 0;

    for (int k = 0; k < 2; k++) {
        if (pipe(fd[k]) != 0 || (pid[k] = fork()) < 0) {
            return 0;
        }
        if (pid[k] == 0) {
            r = rate(step_sign, c, sec, 16);
            _exit(write(fd[k][1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
        }
        close(fd[k][1]);
    }
    for (int k = 0; k < 2; k++) {
        if (read(fd[k][0], &r, sizeof(r)) != sizeof(r)) {
            r = 0;
        }
        close(fd[k][0]);
        waitpid(pid[k], &st, 0);
        sum = r > 0 && sum >= 0 ? sum + r : -1;
    }
    return sum > 0 ? sum : 0;
}

/* what a responder worker does per handshake: check, then answer */
static int
responder(hs_ctx_t *c, const char *rq, size_t rqlen,
    const or_pubkey_cache_t *cache)
{
    or_v2_request_t  req;
    or_errbuf_t      eb;
    char             out[OR_HANDSHAKE_MAX];
    size_t           outlen;
    or_err_t         rc;

    if (or_v2_request_check_cached(rq, rqlen, or_key_fingerprint(c->node),
                                   c->now, OR_HANDSHAKE_WINDOW, cache, &req,
                                   &eb) != OR_OK)
    {
        fprintf(stderr, "request_check: %s\n", eb.msg);
        return 1;
    }
    rc = or_v2_response_build(c->node, &req, c->now, out, sizeof(out),
                              &outlen, NULL, &eb);
    or_v2_request_clear(&req);
    return rc != OR_OK;
}

/* a never-seen peer each time, through the cache as the daemon has it */
static int
step_responder(void *p, size_t i)
{
    hs_ctx_t *c = p;

    return i & 1 ? responder(c, c->req2, c->req2len, &c->hk_fresh)
                 : responder(c, c->req, c->reqlen, &c->hk_fresh);
}

/*
 * The crypto a responder cannot skip, in its order, as one step: import
 * the request's key, verify, sign (a returning peer: verify, sign). Timed
 * apart, in batches of one kind, the same operations come out 1-13 %
 * cheaper than done in turn (caches and predictors stay warm), which
 * would show as codec overhead: the ceiling is these, not the sum.
 */
static int
step_crypto_fresh(void *p, size_t i)
{
    return step_verify_fresh(p, i) || step_sign(p, i);
}

static int
step_crypto_seen(void *p, size_t i)
{
    return step_verify(p, i) || step_sign(p, i);
}

/* a returning peer: its key found in the cache */
static int
step_responder_seen(void *p, size_t i)
{
    hs_ctx_t *c = p;

    (void) i;
    return responder(c, c->req, c->reqlen, &c->hk_seen);
}

/* one whole handshake, both sides, no network: the codecs' own overhead */
static int
step_full(void *p, size_t i)
{
    hs_ctx_t          *c = p;
    or_v2_request_t    req;
    or_v2_response_t   resp;
    or_v2_sent_t       sent;
    or_errbuf_t        eb;
    char               rq[OR_HANDSHAKE_MAX], out[OR_HANDSHAKE_MAX];
    size_t             rqlen, outlen;
    or_err_t           rc;

    (void) i;
    snprintf(sent.ours, sizeof(sent.ours), "%s", or_key_fingerprint(c->key));
    snprintf(sent.dialled, sizeof(sent.dialled), "%s",
             or_key_fingerprint(c->node));
    sent.timestamp = c->now;
    if (or_v2_request_build(c->key, sent.dialled, c->now, rq, sizeof(rq),
                            &rqlen, &eb) != OR_OK
        || or_v2_request_check(rq, rqlen, sent.dialled, c->now,
                               OR_HANDSHAKE_WINDOW, &req, &eb) != OR_OK)
    {
        return 1;
    }
    rc = or_v2_response_build(c->node, &req, c->now, out, sizeof(out),
                              &outlen, NULL, &eb);
    or_v2_request_clear(&req);
    if (rc != OR_OK
        || or_v2_response_check(out, outlen, &sent, c->now,
                                OR_HANDSHAKE_WINDOW, &resp, &eb) != OR_OK)
    {
        return 1;
    }
    or_v2_response_clear(&resp);
    return 0;
}

/* what every established handshake does under the sessions lock: look
 * for the peer's old session, then take a free slot (here: table empty) */
static int
step_session_find(void *p, size_t i)
{
    or_session_table_t *t = p;
    or_session_t        s;
    uint64_t            id;
    int                 idx;

    memset(&s, 0, sizeof(s));
    snprintf(s.node, sizeof(s.node), "n0");
    snprintf(s.peer, sizeof(s.peer), "%016zx", i);
    if (or_session_find(t, s.node, s.peer) >= 0) {
        return 1;
    }
    idx = or_session_add(t, &s, &id);
    if (idx < 0) {
        return 1;
    }
    or_session_remove(t, idx, id);
    return 0;
}

typedef struct {
    or_fernet_t       *fk;
    or_node_t         *node;
    char              *tok[3];      /* valid, forged, then junk */
    size_t             len[3];
    char              *junk[JUNK_N];
    size_t             junklen[JUNK_N];
    or_fernet_time_t   t;
    size_t             accepted;
    or_v2_opened_t     o;           /* as the discovery worker holds it */
} bc_ctx_t;

static int
step_beacon_valid(void *p, size_t i)
{
    bc_ctx_t              *c = p;
    const or_v2_beacon_t  *b = &c->o.beacon;
    or_errbuf_t            eb;
    const char            *sv[OR_V2_SERVICES_MAX];

    (void) i;
    if (or_v2_beacon_open(&c->fk, 1, c->tok[0], c->len[0], &c->t, &c->o,
                          &eb) != OR_OK)
    {
        fprintf(stderr, "beacon_open: %s\n", eb.msg);
        return 1;
    }
    for (size_t k = 0; k < b->nservices; k++) {
        sv[k] = b->services[k];
    }
    if (c->node->filter == NULL
        || c->node->filter(c->node, b->sector, sv, b->nservices))
    {
        c->accepted++;
    }
    return 0;
}

static int
step_beacon_forged(void *p, size_t i)
{
    bc_ctx_t        *c = p;
    or_errbuf_t      eb;

    (void) i;
    return or_v2_beacon_open(&c->fk, 1, c->tok[1], c->len[1], &c->t, &c->o,
                             &eb) == OR_OK || eb.reason != OR_R_HMAC;
}

static int
step_beacon_junk(void *p, size_t i)
{
    bc_ctx_t        *c = p;
    or_errbuf_t      eb;
    size_t           k = i % JUNK_N;

    return or_v2_beacon_open(&c->fk, 1, c->junk[k], c->junklen[k], &c->t,
                             &c->o, &eb) == OR_OK;
}

static void
die(const char *what, const or_errbuf_t *eb)
{
    fprintf(stderr, "or_bench_crypto: %s: %s\n", what, eb ? eb->msg : "");
    exit(1);
}

static void
hs_setup(hs_ctx_t *c)
{
    or_errbuf_t  eb;
    size_t       n;
    const char  *pem;

    c->now = (int64_t) time(NULL);
    if (or_key_generate(&c->key, &eb) != OR_OK
        || or_key_generate(&c->key2, &eb) != OR_OK
        || or_key_generate(&c->node, &eb) != OR_OK)
    {
        die("key", &eb);
    }
    if (or_key_cache_new(1024, &c->kc_seen) != OR_OK
        || or_key_cache_new(1, &c->kc_fresh) != OR_OK)
    {
        die("key cache", NULL);
    }
    or_key_cache_hooks(c->kc_seen, &c->hk_seen);
    or_key_cache_hooks(c->kc_fresh, &c->hk_fresh);
    snprintf(c->data, sizeof(c->data), "%s:%s:%lld",
             or_key_fingerprint(c->key), or_key_fingerprint(c->node),
             (long long) c->now);
    pem = or_key_public_pem(c->key, &n);
    if (or_pubkey_import(pem, n, &c->pub, &eb) != OR_OK
        || or_sign(c->key, c->data, strlen(c->data), c->sig, sizeof(c->sig),
                   &c->siglen, &eb) != OR_OK
        || or_v2_request_build(c->key, or_key_fingerprint(c->node), c->now,
                               c->req, sizeof(c->req), &c->reqlen, &eb)
           != OR_OK
        || or_v2_request_build(c->key2, or_key_fingerprint(c->node), c->now,
                               c->req2, sizeof(c->req2), &c->req2len, &eb)
           != OR_OK)
    {
        die("handshake setup", &eb);
    }
}

static void
bc_setup(bc_ctx_t *c, or_cycle_t **cyclep)
{
    or_v2_beacon_t     b;
    or_errbuf_t        eb;
    or_cycle_t        *cycle;
    or_conf_report_t   rep;
    static char        tok[2][OR_BEACON_MAX];
    char              *p;

    memset(&b, 0, sizeof(b));
    snprintf(b.fingerprint, sizeof(b.fingerprint), "0123456789abcdef");
    memset(b.node_hash, 'a', OR_NODE_HASH_LEN);
    snprintf(b.sector, sizeof(b.sector), "tech");
    snprintf(b.services[0], sizeof(b.services[0]), "storage");
    snprintf(b.services[1], sizeof(b.services[1]), "compute");
    b.nservices = 2;
    b.activity_level = 3;
    snprintf(b.zone_hash, sizeof(b.zone_hash), "zone_1234abcd");
    snprintf(b.ip, sizeof(b.ip), "127.0.0.1");
    b.port = 9001;
    b.timestamp = (double) time(NULL);
    c->t.now = (int64_t) time(NULL);
    c->t.ttl = OR_NO_LIMIT;
    c->t.max_skew = OR_NO_LIMIT;
    if (or_fernet_derive(PASSPHRASE, strlen(PASSPHRASE), &c->fk, &eb) != OR_OK
        || or_v2_beacon_seal(c->fk, &b, c->t.now, tok[0], sizeof(tok[0]),
                             &c->len[0], &eb) != OR_OK)
    {
        die("beacon seal", &eb);
    }
    c->tok[0] = tok[0];
    /* forged: the same token with one HMAC character changed */
    memcpy(tok[1], tok[0], c->len[0]);
    c->len[1] = c->len[0];
    p = &tok[1][c->len[1] - 10];
    *p = *p == 'A' ? 'B' : 'A';
    c->tok[1] = tok[1];
    /* junk: random bytes of a datagram's usual sizes */
    srand(1);
    for (int k = 0; k < JUNK_N; k++) {
        c->junklen[k] = 40 + (size_t) (rand() % 400);
        c->junk[k] = malloc(c->junklen[k]);
        if (c->junk[k] == NULL) {
            die("malloc", NULL);
        }
        for (size_t j = 0; j < c->junklen[k]; j++) {
            c->junk[k][j] = (char) (rand() & 0xff);
        }
    }
    /* the node filter exactly as the daemon builds it from a config */
    memset(&rep, 0, sizeof(rep));
    cycle = or_cycle_new("/tmp", "bench.conf", NULL);
    if (cycle == NULL
        || or_conf_load_string(cycle, "bench.conf", FILTER_CONF, &rep)
           != OR_OK
        || cycle->nnodes != 1)
    {
        fprintf(stderr, "%s", rep.text ? rep.text : "");
        die("filter config", NULL);
    }
    c->node = &cycle->nodes[0];
    *cyclep = cycle;
}

int
main(int argc, char **argv)
{
    double      sec = argc > 1 ? atof(argv[1]) : 1.0;
    int         rounds = argc > 2 ? atoi(argv[2]) : 3;
    const char *only = argc > 3 ? argv[3] : "all";
    hs_ctx_t    hs;
    bc_ctx_t    bc;
    or_cycle_t *cycle = NULL;
    double      s, v, sg[16], vf[16], fl[16], rsp[16], full[16], flr[16];
    double      two[16], seen[16], rsp_c[16], seen_c[16];
    or_key_cache_stats_t  kst;

    if (sec <= 0 || sec > 10 || rounds < 1 || rounds > 16) {
        fprintf(stderr, "usage: or_bench_crypto [SECONDS<=10 [ROUNDS<=16 "
                "[all|sign|responder]]]\n");
        return 2;
    }
    memset(&hs, 0, sizeof(hs));
    memset(&bc, 0, sizeof(bc));
    hs_setup(&hs);
    /* Rounds interleave the measurements so that each round's ratios
     * compare numbers taken under the same load (the cores are shared). */
    for (int r = 0; r < rounds; r++) {
        sg[r] = rate(step_sign, &hs, sec, 16);
        vf[r] = rate(step_verify, &hs, sec, 64);
        fl[r] = 2e6 / sg[r] + 2e6 / vf[r];
        if (strcmp(only, "sign") != 0) {
            static const step_pt  st[] = { step_sign, step_verify,
                                           step_responder, step_full,
                                           step_verify_fresh,
                                           step_responder_seen,
                                           step_crypto_fresh,
                                           step_crypto_seen };
            static const size_t   bt[] = { 4, 32, 4, 2, 32, 4, 4, 4 };
            double                us[8], one;

            interleave(st, bt, 8, &hs, 4 * sec, us);
            rsp[r] = us[0] / us[2];
            seen[r] = us[0] / us[5];
            full[r] = us[3] / (2 * us[0] + 2 * us[1]);
            /* import, verify and sign in turn, as a fraction of one sign */
            flr[r] = us[0] / us[6];
            /* each responder against the crypto it cannot skip, timed in
             * the same milliseconds: a never-seen peer's import, verify
             * and sign; a returning peer's verify and sign */
            rsp_c[r] = us[6] / us[2];
            seen_c[r] = us[7] / us[5];
            /* one process just before and just after two at once */
            one = rate(step_sign, &hs, sec / 2, 4);
            two[r] = sign_two_processes(&hs, sec);
            two[r] /= (one + rate(step_sign, &hs, sec / 2, 4)) / 2;
        }
    }
    s = or_bench_quantile(sg, (size_t) rounds, 0.5);
    v = or_bench_quantile(vf, (size_t) rounds, 0.5);
    printf("sign_per_s=%.0f\nverify_per_s=%.0f\n", s, v);
    /* crypto floor of one handshake: A signs, B verifies and signs,
     * A verifies */
    printf("hs_floor_us=%.1f\n", or_bench_quantile(fl, (size_t) rounds,
                                                   0.5));
    if (strcmp(only, "sign") != 0) {
        /* the responder's CPU per handshake against one sign, and a whole
         * handshake without the network against the floor */
        printf("responder_ratio=%.3f\n",
               or_bench_quantile(rsp, (size_t) rounds, 0.5));
        printf("responder_over_crypto=%.3f\n",
               or_bench_quantile(rsp_c, (size_t) rounds, 0.5));
        printf("responder_seen_ratio=%.3f\n",
               or_bench_quantile(seen, (size_t) rounds, 0.5));
        printf("responder_seen_over_crypto=%.3f\n",
               or_bench_quantile(seen_c, (size_t) rounds, 0.5));
        or_key_cache_stats(hs.kc_seen, &kst);
        printf("key_cache_seen=%llu hits %llu misses\n",
               (unsigned long long) kst.hits,
               (unsigned long long) kst.misses);
        or_key_cache_stats(hs.kc_fresh, &kst);
        printf("key_cache_fresh=%llu hits %llu misses\n",
               (unsigned long long) kst.hits,
               (unsigned long long) kst.misses);
        printf("hs_inprocess_ratio=%.3f\n",
               or_bench_quantile(full, (size_t) rounds, 0.5));
        /* the crypto a v2 responder cannot avoid, and how two cores scale:
         * together the ceilings of rows 3.1 and 3.2 on this machine */
        printf("responder_crypto_floor_ratio=%.3f\n",
               or_bench_quantile(flr, (size_t) rounds, 0.5));
        printf("sign_two_process_ratio=%.3f\n",
               or_bench_quantile(two, (size_t) rounds, 0.5));
    }
    if (strcmp(only, "all") != 0) {
        goto done;
    }
    {
        or_session_table_t *t = calloc(1, or_session_table_size(16384));

        if (t == NULL) {
            die("calloc", NULL);
        }
        or_session_table_init(t, 16384, 1);
        printf("session_record_us=%.2f\n",
               1e6 / rate_median(step_session_find, t, sec, 64, rounds));
        free(t);
    }
    bc_setup(&bc, &cycle);
    printf("beacon_valid_per_s=%.0f\n",
           rate_median(step_beacon_valid, &bc, sec, 256, rounds));
    printf("beacon_filter=%s\n", bc.node->filter ? "sector" : "none");
    printf("beacon_forged_per_s=%.0f\n",
           rate_median(step_beacon_forged, &bc, sec, 1024, rounds));
    printf("beacon_junk_per_s=%.0f\n",
           rate_median(step_beacon_junk, &bc, sec, 4096, rounds));

done:
    or_key_cache_free(hs.kc_seen);
    or_key_cache_free(hs.kc_fresh);
    or_key_free(hs.key);
    or_key_free(hs.key2);
    or_key_free(hs.node);
    or_pubkey_free(hs.pub);
    or_fernet_free(bc.fk);
    for (int k = 0; k < JUNK_N && bc.fk != NULL; k++) {
        free(bc.junk[k]);
    }
    or_cycle_free(cycle);
    return 0;
}
