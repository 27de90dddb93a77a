/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Peer exchange (or_pex.h). Three MSG bodies on a v3 session, told from
 * application messages by "type": pex_self {record}, pex_request {},
 * pex_response {records: [...]}. The work a connected peer can cause is
 * bounded before any RSA: one pex_self taken per OR_PEX_SELF_MS, one
 * request answered per OR_PEX_ANSWER_MS, a response taken only while our
 * request waits (one per pex.interval) and only with at most
 * OR_PEX_RECORDS_MAX records of at most OR_PEX_RECORD_MAX bytes: at most
 * 16 verifies per interval and one per OR_PEX_SELF_MS a session. Dials
 * go through or_dial_hint(), bounded by auto-connect's checks and backoff.
 */
#include "or_pex.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "or_conf.h"
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_dial.h"
#include "or_errbuf.h"
#include "or_hs.h"
#include "or_hs_conn.h"
#include "or_log.h"
#include "or_session.h"
#include "or_shm.h"
#include "or_v3_conn.h"
#include "or_worker.h"

_Static_assert(OR_PEX_C_LAST <= OR_SESSION_PEX_COUNTERS,
               "or_session.h holds the exchange's counters");

static const char *const pex_names[OR_PEX_C_LAST] = {
    "requests_sent", "requests_answered", "requests_dropped",
    "responses_unasked", "responses_refused", "records_received",
    "records_verified", "records_refused", "records_own", "dialled",
    "self_taken", "self_refused"
};

/* worker 0: the peers exchange handed to the dialling module */
typedef struct {
    size_t         node;
    unsigned char  id[OR_V3_ID_LEN];
    char           addr[OR_PEER_REC_ADDR_LEN];
    int64_t        when;        /* s, wall */
    int            used;
} pex_learned_t;

static pex_learned_t  pex_learned[OR_PEX_LEARNED_MAX];

const char *
or_pex_counter_name(int c)
{
    return c >= 0 && c < OR_PEX_C_LAST ? pex_names[c] : "?";
}

static int64_t
pex_mono_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- pure: records and responses ---- */

or_err_t
or_pex_record_check(const or_peer_keys_t *keys, json_t *rec, int64_t now,
    or_peer_record_t *r, char **text, or_errbuf_t *eb)
{
    char      *s;
    size_t     n;
    or_err_t   rc;

    if (text != NULL) {
        *text = NULL;
    }
    if (!json_is_object(rec)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE, "a record is "
                             "not an object");
    }
    /* the size first: no RSA for a record over the bound */
    n = json_dumpb(rec, NULL, 0, JSON_COMPACT);
    if (n == 0 || n > OR_PEX_RECORD_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "record of %zu "
                             "bytes, at most %d", n, OR_PEX_RECORD_MAX);
    }
    s = malloc(n + 1);
    if (s == NULL) {
        return or_errbuf_nomem(eb);
    }
    (void) json_dumpb(rec, s, n, JSON_COMPACT);
    s[n] = '\0';
    rc = or_peer_record_parse(keys, s, n, now, r, eb);
    if (rc == OR_OK && text != NULL) {
        *text = s;
    } else {
        free(s);
    }
    return rc;
}

or_err_t
or_pex_take_response(size_t node, const or_peer_keys_t *keys, json_t *msg,
    int64_t now, int (*own)(const unsigned char *id, void *data),
    void (*learned)(const unsigned char *id, const char *addr, void *data),
    void *data, or_pex_tally_t *t)
{
    json_t            *a = json_object_get(msg, "records"), *e;
    or_peer_record_t   r;
    or_errbuf_t        eb;
    or_addr_t          addr;
    char               err[128];
    size_t             i;

    memset(t, 0, sizeof(*t));
    if (!json_is_array(a) || json_array_size(a) > OR_PEX_RECORDS_MAX) {
        t->c[OR_PEX_RESP_REFUSED]++;
        snprintf(t->why, sizeof(t->why), "pex_response refused: %s",
                 json_is_array(a) ? "more than 16 records"
                 : "\"records\" is not an array");
        return OR_EPROTO;
    }
    /* only what is inside a verified record is read: a member beside
     * "records", or beside a record's signed fields, names nothing */
    json_array_foreach(a, i, e) {
        t->c[OR_PEX_REC_RECEIVED]++;
        memset(&eb, 0, sizeof(eb));
        if (or_pex_record_check(keys, e, now, &r, NULL, &eb) != OR_OK) {
            t->c[OR_PEX_REC_REFUSED]++;
            if (t->why[0] == '\0') {
                snprintf(t->why, sizeof(t->why), "record %zu: %s (%.100s)",
                         i + 1, or_reason_name(eb.reason), eb.msg);
            }
            continue;
        }
        t->c[OR_PEX_REC_VERIFIED]++;
        if (own != NULL && own(r.id, data)) {
            t->c[OR_PEX_REC_OWN]++;
            continue;
        }
        for (size_t k = 0; k < r.naddrs; k++) {
            or_err_t rc;

            if (or_conf_parse_addr(r.addrs[k], &addr, err, sizeof(err))
                != OR_OK)
            {
                continue;
            }
            rc = or_dial_hint(node, (struct sockaddr *) &addr.sa, addr.len,
                              r.id, "exchange");
            if (rc == OR_OK) {
                t->c[OR_PEX_DIALLED]++;
            }
            if (rc == OR_OK && learned != NULL) {
                learned(r.id, r.addrs[k], data);
            }
            break;                  /* one hint per record and response */
        }
    }
    return OR_OK;
}

void
or_pex_store_put(or_pex_store_t *s, const char *node,
    const unsigned char *id, int64_t until, const char *text, size_t len,
    int64_t now)
{
    or_pex_entry_t *e = NULL, *free_e = NULL, *first = &s->e[0];

    if (len > OR_PEX_RECORD_MAX) {
        return;
    }
    for (size_t i = 0; i < OR_PEX_STORE_MAX && e == NULL; i++) {
        or_pex_entry_t *x = &s->e[i];

        if (x->node[0] == '\0' || x->until < now) {
            free_e = free_e != NULL ? free_e : x;
        } else if (strcmp(x->node, node) == 0
                   && memcmp(x->id, id, OR_V3_ID_LEN) == 0)
        {
            e = x;
        }
        if (x->until < first->until) {
            first = x;
        }
    }
    e = e != NULL ? e : free_e != NULL ? free_e : first;
    snprintf(e->node, sizeof(e->node), "%s", node);
    memcpy(e->id, id, OR_V3_ID_LEN);
    e->until = until;
    memcpy(e->text, text, len);
    e->text[len] = '\0';
    e->len = (uint32_t) len;
}

void
or_pex_store_collect(const or_pex_store_t *s, const char *node,
    const char *skip, int64_t now, json_t *a, size_t max)
{
    char    hex[OR_V3_ID_HEX_LEN + 1];
    json_t *rec;

    for (size_t i = 0; i < OR_PEX_STORE_MAX && json_array_size(a) < max;
         i++)
    {
        const or_pex_entry_t *x = &s->e[i];

        if (x->node[0] == '\0' || strcmp(x->node, node) != 0
            || x->until < now)
        {
            continue;
        }
        or_v3_id_hex(x->id, hex);
        if (skip != NULL && strncmp(hex, skip, OR_FP_LEN) == 0) {
            continue;
        }
        rec = json_loadb(x->text, x->len, 0, NULL);
        if (rec != NULL) {
            json_array_append_new(a, rec);
        }
    }
}

/* ---- the session glue ---- */

static void
pex_count(or_hs_conn_t *hc, const uint64_t *c)
{
    or_session_table_t *t = or_shm_addr(hc->hs->sessions);

    if (hc->node >= OR_SESSION_NODES_MAX) {
        return;
    }
    or_shm_lock(hc->hs->sessions);
    for (int k = 0; k < OR_PEX_C_LAST; k++) {
        t->pex[hc->node][k] += c[k];
    }
    or_shm_unlock(hc->hs->sessions);
}

static void
pex_count1(or_hs_conn_t *hc, int k)
{
    uint64_t  c[OR_PEX_C_LAST] = { 0 };

    c[k] = 1;
    pex_count(hc, c);
}

static or_err_t
pex_send(or_hs_conn_t *hc, json_t *o)
{
    char      *text = json_dumps(o, JSON_COMPACT);
    or_err_t   rc;

    json_decref(o);
    if (text == NULL) {
        return OR_ENOMEM;
    }
    rc = or_v3_conn_send_control(hc, text, strlen(text));
    free(text);
    return rc;
}

/* Our own record: the address this session reached us at (or the
 * node's listen address when it names one) and the listen port. */
static or_err_t
pex_send_self(or_hs_conn_t *hc)
{
    or_hs_node_t            *n = &hc->hs->nodes[hc->node];
    const or_addr_t         *l = &or_core_node(n->node)->listen;
    struct sockaddr_storage  ss;
    socklen_t                sl = sizeof(ss);
    or_peer_record_t         r;
    char                     ip[INET6_ADDRSTRLEN], text[OR_PEX_RECORD_MAX + 1];
    const void              *a;
    size_t                   len;
    json_t                  *rec;
    int                      any;

    memset(&r, 0, sizeof(r));
    any = l->sa.ss_family == AF_INET6
          ? IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *) &l->sa)
                                    ->sin6_addr)
          : ((struct sockaddr_in *) &l->sa)->sin_addr.s_addr == INADDR_ANY;
    if (!any) {
        ss = l->sa;
    } else if (getsockname(hc->c->fd, (struct sockaddr *) &ss, &sl) != 0) {
        return OR_ERROR;
    }
    if (ss.ss_family == AF_INET6
        && IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *) &ss)->sin6_addr))
    {
        a = &((struct sockaddr_in6 *) &ss)->sin6_addr.s6_addr[12];
        inet_ntop(AF_INET, a, ip, sizeof(ip));
        snprintf(r.addrs[0], OR_PEER_REC_ADDR_LEN, "%s:%u", ip, l->port);
    } else if (ss.ss_family == AF_INET6) {
        a = &((struct sockaddr_in6 *) &ss)->sin6_addr;
        inet_ntop(AF_INET6, a, ip, sizeof(ip));
        snprintf(r.addrs[0], OR_PEER_REC_ADDR_LEN, "[%s]:%u", ip, l->port);
    } else {
        a = &((struct sockaddr_in *) &ss)->sin_addr;
        inet_ntop(AF_INET, a, ip, sizeof(ip));
        snprintf(r.addrs[0], OR_PEER_REC_ADDR_LEN, "%s:%u", ip, l->port);
    }
    r.naddrs = 1;
    r.ts = (int64_t) time(NULL);
    r.ttl = 5 * n->pex.interval < OR_PEER_TTL_MAX ? 5 * n->pex.interval
            : OR_PEER_TTL_MAX;
    if (or_peer_record_sign(&n->pex.keys, n->key, &r, text, sizeof(text),
                            &len, NULL) != OR_OK
        || (rec = json_loadb(text, len, 0, NULL)) == NULL)
    {
        return OR_ERROR;
    }
    return pex_send(hc, json_pack("{s:s, s:o}", "type", "pex_self",
                                  "record", rec));
}

static void
pex_ask(or_hs_conn_t *hc, or_pex_conn_t *p)
{
    p->asked_ms = pex_mono_ms();
    if (pex_send_self(hc) != OR_OK) {
        or_log_ctx_debug(&hc->log, 0, "pex: own record not sent");
    }
    if (!or_worker_is_designated(hc->hs->worker)) {
        return;                 /* only worker 0 dials: it alone asks */
    }
    if (pex_send(hc, json_pack("{s:s}", "type", "pex_request")) == OR_OK) {
        p->asked = 1;
        pex_count1(hc, OR_PEX_REQ_SENT);
    }
}

void
or_pex_session_up(or_hs_conn_t *hc)
{
    or_pex_conn_t *p = or_v3_conn_pex(hc);

    if (p != NULL && hc->hs->nodes[hc->node].pex.enabled) {
        pex_ask(hc, p);
    }
}

void
or_pex_tick(or_hs_conn_t *hc)
{
    or_pex_conn_t *p = or_v3_conn_pex(hc);
    or_hs_node_t  *n = &hc->hs->nodes[hc->node];

    if (p != NULL && n->pex.enabled
        && pex_mono_ms() - p->asked_ms >= n->pex.interval * 1000)
    {
        pex_ask(hc, p);
    }
}

void
or_pex_conn_clear(or_pex_conn_t *p)
{
    memset(p, 0, sizeof(*p));
}

static void
pex_refused(or_hs_conn_t *hc, const char *what, const char *why)
{
    or_log_ctx_ratelimited(&hc->log, OR_LOG_NOTICE, "pex refused", 0,
                           "pex: %s refused, never dialled: %s, "
                           "fingerprint: %s", what, why, hc->peer);
}

static void
pex_self_in(or_hs_conn_t *hc, or_pex_conn_t *p, json_t *obj)
{
    or_hs_node_t      *n = &hc->hs->nodes[hc->node];
    or_peer_record_t   r;
    or_errbuf_t        eb;
    char              *text, hex[OR_V3_ID_HEX_LEN + 1];
    int64_t            now = pex_mono_ms();
    or_shm_zone_t     *zone;

    if (p->self_ms != 0 && now - p->self_ms < OR_PEX_SELF_MS) {
        pex_count1(hc, OR_PEX_SELF_REFUSED);
        return;                         /* too soon: no verify */
    }
    p->self_ms = now;
    memset(&eb, 0, sizeof(eb));
    if (or_pex_record_check(&n->pex.keys, json_object_get(obj, "record"),
                            (int64_t) time(NULL), &r, &text, &eb) != OR_OK)
    {
        pex_count1(hc, OR_PEX_SELF_REFUSED);
        pex_refused(hc, "pex_self", eb.msg);
        return;
    }
    /* a peer speaks only for itself: the record of another id is not
     * forwarded (it may come from that id's own session) */
    or_v3_id_hex(r.id, hex);
    if (strncmp(hex, hc->peer, OR_FP_LEN) != 0
        || (or_v3_conn_peer_id(hc) != NULL
            && memcmp(or_v3_conn_peer_id(hc), r.id, OR_V3_ID_LEN) != 0))
    {
        free(text);
        pex_count1(hc, OR_PEX_SELF_REFUSED);
        pex_refused(hc, "pex_self", "the record is not the session "
                    "peer's own");
        return;
    }
    zone = or_shm_zone_find(hc->hs->cycle, OR_PEX_ZONE);
    if (zone != NULL && or_shm_addr(zone) != NULL) {
        or_shm_lock(zone);
        or_pex_store_put(or_shm_addr(zone), n->id, r.id, r.ts + r.ttl, text,
                         strlen(text), (int64_t) time(NULL));
        or_shm_unlock(zone);
    }
    free(text);
    pex_count1(hc, OR_PEX_SELF_TAKEN);
}

/* the records the node's session peers (any worker's) sent about
 * themselves, live, at most OR_PEX_RECORDS_MAX, never the asker's */
static void
pex_request_in(or_hs_conn_t *hc, or_pex_conn_t *p)
{
    json_t        *a = json_array();
    int64_t        now = pex_mono_ms();
    or_shm_zone_t *zone = or_shm_zone_find(hc->hs->cycle, OR_PEX_ZONE);

    if (p->answer_ms != 0 && now - p->answer_ms < OR_PEX_ANSWER_MS) {
        json_decref(a);
        pex_count1(hc, OR_PEX_REQ_DROPPED);
        return;
    }
    p->answer_ms = now;
    if (a != NULL && zone != NULL && or_shm_addr(zone) != NULL) {
        or_shm_lock(zone);
        or_pex_store_collect(or_shm_addr(zone), hc->hs->nodes[hc->node].id,
                             hc->peer, (int64_t) time(NULL), a,
                             OR_PEX_RECORDS_MAX);
        or_shm_unlock(zone);
    }
    if (a == NULL || pex_send(hc, json_pack("{s:s, s:o}", "type",
                                            "pex_response", "records", a))
                     != OR_OK)
    {
        or_log_ctx_debug(&hc->log, 0, "pex: response not sent");
        return;
    }
    pex_count1(hc, OR_PEX_REQ_ANSWERED);
}

typedef struct {
    or_hs_conn_t  *hc;
} pex_ctx_t;

static int
pex_own(const unsigned char *id, void *data)
{
    pex_ctx_t  *x = data;
    char        hex[OR_V3_ID_HEX_LEN + 1];

    or_v3_id_hex(id, hex);
    if (strncmp(hex, x->hc->peer, OR_FP_LEN) == 0) {
        return 1;                       /* the answering peer itself */
    }
    for (size_t i = 0; i < x->hc->hs->nnodes; i++) {
        if (strncmp(hex, x->hc->hs->nodes[i].fp, OR_FP_LEN) == 0) {
            return 1;
        }
    }
    return 0;
}

static void
pex_learn(const unsigned char *id, const char *addr, void *data)
{
    pex_ctx_t      *x = data;
    pex_learned_t  *e = NULL, *oldest = &pex_learned[0];

    for (size_t i = 0; i < OR_PEX_LEARNED_MAX; i++) {
        pex_learned_t *l = &pex_learned[i];

        if (l->used && l->node == x->hc->node
            && memcmp(l->id, id, OR_V3_ID_LEN) == 0)
        {
            e = l;
            break;
        }
        if (!l->used || (oldest->used && l->when < oldest->when)) {
            oldest = l;
        }
    }
    e = e != NULL ? e : oldest;
    e->used = 1;
    e->node = x->hc->node;
    memcpy(e->id, id, OR_V3_ID_LEN);
    snprintf(e->addr, sizeof(e->addr), "%s", addr);
    e->when = (int64_t) time(NULL);
}

static void
pex_response_in(or_hs_conn_t *hc, or_pex_conn_t *p, json_t *obj)
{
    or_hs_node_t    *n = &hc->hs->nodes[hc->node];
    or_pex_tally_t   t;
    pex_ctx_t        x = { hc };
    char             what[64];

    if (!p->asked) {
        pex_count1(hc, OR_PEX_RESP_UNASKED);
        pex_refused(hc, "pex_response", "not asked for");
        return;
    }
    p->asked = 0;
    if (or_pex_take_response(hc->node, &n->pex.keys, obj,
                             (int64_t) time(NULL), pex_own, pex_learn, &x,
                             &t) != OR_OK)
    {
        pex_count(hc, t.c);
        pex_refused(hc, "pex_response", t.why);
        return;
    }
    pex_count(hc, t.c);
    if (t.c[OR_PEX_REC_REFUSED] != 0) {
        snprintf(what, sizeof(what), "%llu of %llu records",
                 (unsigned long long) t.c[OR_PEX_REC_REFUSED],
                 (unsigned long long) t.c[OR_PEX_REC_RECEIVED]);
        pex_refused(hc, what, t.why);
    }
}

int
or_pex_message(or_hs_conn_t *hc, json_t *obj)
{
    const char    *type = json_string_value(json_object_get(obj, "type"));
    or_pex_conn_t *p = or_v3_conn_pex(hc);

    if (type == NULL || strncmp(type, "pex_", 4) != 0) {
        return 0;
    }
    if (p == NULL || !hc->hs->nodes[hc->node].pex.enabled) {
        return 1;                       /* ours, and off here: dropped */
    }
    if (strcmp(type, "pex_self") == 0) {
        pex_self_in(hc, p, obj);
    } else if (strcmp(type, "pex_request") == 0) {
        pex_request_in(hc, p);
    } else if (strcmp(type, "pex_response") == 0) {
        pex_response_in(hc, p, obj);
    }
    return 1;                           /* a later pex_* kind: ignored */
}

json_t *
or_pex_status(or_hs_t *hs)
{
    or_session_table_t *t = or_shm_addr(hs->sessions);
    json_t             *o = json_object(), *nodes = json_object(),
                       *learned = json_array(), *c;
    char                hex[OR_V3_ID_HEX_LEN + 1], fp[OR_FP_LEN + 1];
    int64_t             now = (int64_t) time(NULL);

    if (o == NULL || nodes == NULL || learned == NULL) {
        json_decref(o);
        json_decref(nodes);
        json_decref(learned);
        return NULL;
    }
    for (size_t i = 0; i < hs->nnodes && i < OR_SESSION_NODES_MAX; i++) {
        c = json_object();
        or_shm_lock(hs->sessions);
        for (int k = 0; c != NULL && k < OR_PEX_C_LAST; k++) {
            json_object_set_new(c, pex_names[k], json_integer((json_int_t)
                                t->pex[i][k]));
        }
        or_shm_unlock(hs->sessions);
        json_object_set_new(c, "enabled",
                            json_boolean(hs->nodes[i].pex.enabled));
        json_object_set_new(nodes, hs->nodes[i].id, c);
    }
    for (size_t i = 0; i < OR_PEX_LEARNED_MAX; i++) {
        pex_learned_t *l = &pex_learned[i];

        if (!l->used || l->node >= hs->nnodes) {
            continue;
        }
        or_v3_id_hex(l->id, hex);
        snprintf(fp, sizeof(fp), "%.16s", hex);
        json_array_append_new(learned, json_pack("{s:s, s:s, s:s, s:[s], "
                              "s:I}", "node", hs->nodes[l->node].id, "id",
                              hex, "fingerprint", fp, "addresses", l->addr,
                              "age", (json_int_t) (now - l->when)));
    }
    json_object_set_new(o, "nodes", nodes);
    json_object_set_new(o, "learned", learned);
    return o;
}
