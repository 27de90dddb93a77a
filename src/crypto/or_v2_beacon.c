/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * v2 discovery beacons (PROTOCOL-v2.md "Discovery beacons"): the plaintext
 * JSON in the original's exact layout, its checks, and sealing/opening it
 * with the network key. Pure: no I/O.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "or_errbuf.h"
#include "or_json.h"

#define BEACON_TYPE  "revolutionary_p2p_discovery"

static void
put_key(or_jbuf_t *jb, const char *key)
{
    or_jbuf_str(jb, key);
    or_jbuf_raw(jb, ": ", 2);
}

static void
put_sep_key(or_jbuf_t *jb, const char *key)
{
    or_jbuf_raw(jb, ", ", 2);
    put_key(jb, key);
}

or_err_t
or_v2_beacon_build(const or_v2_beacon_t *b, char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb)
{
    or_jbuf_t  jb = { out, 0, cap, 0 };
    char       display[16];
    size_t     i;

    if (!or_json_is_fp(b->fingerprint, strlen(b->fingerprint))) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_BAD_FINGERPRINT,
                             "beacon fingerprint is not 16 lowercase hex");
    }
    if (b->nservices > OR_V2_SERVICES_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "beacon has %zu "
                             "services, bound %d", b->nservices,
                             OR_V2_SERVICES_MAX);
    }
    /* compat: field order and values exactly as beacon-a.plain.json */
    or_jbuf_raw(&jb, "{", 1);
    put_key(&jb, "node_fingerprint");
    or_jbuf_str(&jb, b->fingerprint);
    put_sep_key(&jb, "node_hash");
    or_jbuf_str(&jb, b->node_hash);
    put_sep_key(&jb, "sector");
    or_jbuf_str(&jb, b->sector);
    put_sep_key(&jb, "services");
    or_jbuf_raw(&jb, "[", 1);
    for (i = 0; i < b->nservices; i++) {
        or_jbuf_raw(&jb, ", ", i == 0 ? 0 : 2);
        or_jbuf_str(&jb, b->services[i]);
    }
    or_jbuf_raw(&jb, "]", 1);
    put_sep_key(&jb, "activity_level");
    or_jbuf_int(&jb, b->activity_level);
    put_sep_key(&jb, "zone_hash");
    or_jbuf_str(&jb, b->zone_hash);
    put_sep_key(&jb, "p2p_endpoint");
    or_jbuf_raw(&jb, "{", 1);
    put_key(&jb, "ip");
    or_jbuf_str(&jb, b->ip);
    put_sep_key(&jb, "port");
    or_jbuf_int(&jb, b->port);
    or_jbuf_raw(&jb, "}", 1);
    put_sep_key(&jb, "timestamp");
    or_jbuf_real(&jb, b->timestamp);
    OR_JBUF_LIT(&jb, ", \"beacon_type\": \"" BEACON_TYPE "\", "
                "\"protocol_version\": \"2.0\", "
                "\"central_api_abandoned\": true, ");
    put_key(&jb, "security");
    or_jbuf_raw(&jb, "{", 1);
    put_key(&jb, "fingerprint");
    or_jbuf_str(&jb, b->fingerprint);
    put_sep_key(&jb, "hash_display");
    snprintf(display, sizeof(display), "%.8s...", b->node_hash);
    or_jbuf_str(&jb, display);
    OR_JBUF_LIT(&jb, ", \"crypto_ready\": true, "
                "\"revolutionary_protocol\": true, "
                "\"anti_surveillance\": true}}");
    return or_jbuf_done(&jb, outlen, eb);
}

/* an optional string field copied into dst[max + 1] */
static or_err_t
copy_str(const json_t *o, const char *name, char *dst, size_t max,
    or_errbuf_t *eb)
{
    const char  *s;
    size_t       n;
    or_err_t     rc;

    rc = or_json_get_str(o, name, max, 0, &s, &n, eb);
    if (rc == OR_OK && s != NULL) {
        memcpy(dst, s, n + 1);
    }
    return rc;
}

static or_err_t
parse_services(const json_t *root, or_v2_beacon_t *b, or_errbuf_t *eb)
{
    json_t  *arr, *v;
    size_t   i;

    arr = json_object_get(root, "services");
    if (arr == NULL) {
        return OR_OK;
    }
    if (!json_is_array(arr) || json_array_size(arr) > OR_V2_SERVICES_MAX) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE, "field "
                             "\"services\" is not a list of at most %d",
                             OR_V2_SERVICES_MAX);
    }
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v)
            || json_string_length(v) > OR_V2_SERVICE_LEN_MAX)
        {
            return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE, "services"
                                 "[%zu] is not a string of at most %d "
                                 "bytes", i, OR_V2_SERVICE_LEN_MAX);
        }
        memcpy(b->services[i], json_string_value(v),
               json_string_length(v) + 1);
    }
    b->nservices = json_array_size(arr);
    return OR_OK;
}

static or_err_t
parse_endpoint(const json_t *root, or_v2_beacon_t *b, or_errbuf_t *eb)
{
    json_t    *ep;
    int64_t    port = 0;
    or_err_t   rc;

    ep = json_object_get(root, "p2p_endpoint");
    if (ep == NULL) {
        return OR_OK;
    }
    if (!json_is_object(ep)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "field \"p2p_endpoint\" is not an object");
    }
    rc = copy_str(ep, "ip", b->ip, OR_V2_IP_LEN_MAX, eb);
    if (rc == OR_OK) {
        rc = or_json_get_int(ep, "port", 0, &port, eb);
    }
    if (rc == OR_OK && json_object_get(ep, "port") != NULL
        && (port < 1 || port > 65535))
    {
        rc = or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE, "field \"port\" "
                           "%lld is out of range 1..65535", (long long) port);
    }
    b->port = (uint16_t) port;
    return rc;
}

static or_err_t
parse_fields(const json_t *root, or_v2_beacon_t *b, or_errbuf_t *eb)
{
    json_t    *ts;
    or_err_t   rc;

    rc = or_json_get_fp(root, "node_fingerprint", b->fingerprint, eb);
    if (rc == OR_OK) {
        rc = copy_str(root, "node_hash", b->node_hash, OR_NODE_HASH_LEN, eb);
    }
    if (rc == OR_OK) {
        rc = copy_str(root, "sector", b->sector, OR_V2_SECTOR_LEN_MAX, eb);
    }
    if (rc == OR_OK) {
        rc = copy_str(root, "zone_hash", b->zone_hash, OR_V2_ZONE_LEN_MAX,
                      eb);
    }
    if (rc == OR_OK) {
        rc = or_json_get_int(root, "activity_level", 0, &b->activity_level,
                             eb);
    }
    if (rc == OR_OK) {
        rc = parse_services(root, b, eb);
    }
    if (rc == OR_OK) {
        rc = parse_endpoint(root, b, eb);
    }
    ts = json_object_get(root, "timestamp");
    if (rc == OR_OK && ts != NULL && !json_is_number(ts)) {
        rc = or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                           "field \"timestamp\" is not a number");
    }
    b->timestamp = ts != NULL ? json_number_value(ts) : 0;
    return rc;
}

/*
 * The fast path of or_v2_beacon_parse. jansson took ~8.5 of the ~10 us a
 * beacon cost; the budget is 10 us for 100,000 beacons/s. Beacons are
 * json.dumps of one dict, ours and the original's alike, so they have one
 * layout: the keys, separators and order or_v2_beacon_build writes. A
 * cursor matches that layout with plain values only (ASCII strings without
 * escapes, integers of at most 18 digits, short numbers), checks each value
 * as parse_fields does, and fills the same struct jansson's path would.
 * Anything else, every refusal included, is left to jansson's path, which
 * then names the reason: the fast path never refuses.
 */
typedef struct {
    const char  *p;
    const char  *end;
    int          ok;        /* 0 once anything did not match */
} cur_t;

#define LIT(c, s)  lit(c, s, sizeof(s) - 1)

static void
lit(cur_t *c, const char *s, size_t n)
{
    if (c->ok && (size_t) (c->end - c->p) >= n && memcmp(c->p, s, n) == 0) {
        c->p += n;
        return;
    }
    c->ok = 0;
}

/* a string of ASCII 0x20..0x7f without escapes; its bytes and length */
static const char *
plain_str(cur_t *c, size_t *len)
{
    const char  *s;

    LIT(c, "\"");
    if (!c->ok) {
        return NULL;
    }
    for (s = c->p; c->p < c->end; c->p++) {
        if (*c->p == '"') {
            *len = (size_t) (c->p++ - s);
            return s;
        }
        if ((unsigned char) *c->p < 0x20 || (unsigned char) *c->p > 0x7f
            || *c->p == '\\')
        {
            break;
        }
    }
    c->ok = 0;
    return NULL;
}

/* a plain string of at most max bytes copied into dst[max + 1] */
static void
copy_plain(cur_t *c, char *dst, size_t max)
{
    const char  *s;
    size_t       n = 0;

    s = plain_str(c, &n);
    if (s == NULL || n > max) {
        c->ok = 0;
        return;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* -?(0|[1-9][0-9]*) of at most 18 digits: no int64 overflow possible */
static int64_t
plain_int(cur_t *c)
{
    int64_t  v = 0;
    int      neg = 0, digits = 0;

    if (c->ok && c->p < c->end && *c->p == '-') {
        neg = 1;
        c->p++;
    }
    while (c->ok && c->p < c->end && (unsigned) (*c->p - '0') < 10) {
        if (++digits > 18) {
            break;      /* before v * 10 can overflow; refused below */
        }
        v = v * 10 + (*c->p++ - '0');
        if (digits == 1 && v == 0) {
            break;
        }
    }
    if (digits == 0 || digits > 18) {
        c->ok = 0;
    }
    return neg ? -v : v;
}

static void
digits(cur_t *c, int need)
{
    const char  *s = c->p;

    while (c->p < c->end && (unsigned) (*c->p - '0') < 10) {
        c->p++;
    }
    if (need && c->p == s) {
        c->ok = 0;
    }
}

/* a JSON number as json_number_value gives it; short ones only */
static double
plain_number(cur_t *c)
{
    const char  *s = c->p;
    char         buf[32], *e;
    double       v;

    (void) plain_int(c);
    if (!c->ok || c->p == c->end || (*c->p != '.' && (*c->p | 0x20) != 'e')) {
        c->p = s;
        return (double) plain_int(c);   /* jansson: an integer */
    }
    if (*c->p == '.') {
        c->p++;
        digits(c, 1);
    }
    if (c->p < c->end && (*c->p | 0x20) == 'e') {
        c->p++;
        c->p += c->p < c->end && (*c->p == '+' || *c->p == '-');
        digits(c, 1);
    }
    if (!c->ok || (size_t) (c->p - s) >= sizeof(buf)) {
        c->ok = 0;
        return 0;
    }
    memcpy(buf, s, (size_t) (c->p - s));
    buf[c->p - s] = '\0';
    /* jansson's strtod; overflow, underflow or a locale mismatch: defer */
    errno = 0;
    v = strtod(buf, &e);
    if (errno != 0 || *e != '\0') {
        c->ok = 0;
    }
    return v;
}

static void
fast_services(cur_t *c, or_v2_beacon_t *b)
{
    LIT(c, "\"services\": [");
    if (c->ok && c->p < c->end && *c->p == ']') {
        c->p++;
        return;
    }
    for ( ;; ) {
        if (b->nservices == OR_V2_SERVICES_MAX) {
            c->ok = 0;
            return;
        }
        copy_plain(c, b->services[b->nservices++], OR_V2_SERVICE_LEN_MAX);
        if (!c->ok || c->end - c->p < 2 || memcmp(c->p, ", ", 2) != 0) {
            break;
        }
        c->p += 2;
    }
    LIT(c, "]");
}

/* 1: *out is the beacon; 0: not the plain layout, ask jansson */
static int
parse_fast(const char *json, size_t len, or_v2_beacon_t *b)
{
    cur_t    c = { json, json + len, 1 };
    size_t   n;
    int64_t  port;

    memset(b, 0, sizeof(*b));
    LIT(&c, "{\"node_fingerprint\": ");
    copy_plain(&c, b->fingerprint, OR_FP_LEN);
    LIT(&c, ", \"node_hash\": ");
    copy_plain(&c, b->node_hash, OR_NODE_HASH_LEN);
    LIT(&c, ", \"sector\": ");
    copy_plain(&c, b->sector, OR_V2_SECTOR_LEN_MAX);
    LIT(&c, ", ");
    fast_services(&c, b);
    LIT(&c, ", \"activity_level\": ");
    b->activity_level = plain_int(&c);
    LIT(&c, ", \"zone_hash\": ");
    copy_plain(&c, b->zone_hash, OR_V2_ZONE_LEN_MAX);
    LIT(&c, ", \"p2p_endpoint\": {\"ip\": ");
    copy_plain(&c, b->ip, OR_V2_IP_LEN_MAX);
    LIT(&c, ", \"port\": ");
    port = plain_int(&c);
    b->port = (uint16_t) port;
    LIT(&c, "}, \"timestamp\": ");
    b->timestamp = plain_number(&c);
    LIT(&c, ", \"beacon_type\": \"" BEACON_TYPE "\", "
        "\"protocol_version\": ");
    (void) plain_str(&c, &n);
    LIT(&c, ", \"central_api_abandoned\": true, "
        "\"security\": {\"fingerprint\": ");
    (void) plain_str(&c, &n);
    LIT(&c, ", \"hash_display\": ");
    (void) plain_str(&c, &n);
    LIT(&c, ", \"crypto_ready\": true, \"revolutionary_protocol\": true, "
        "\"anti_surveillance\": true}}");
    return c.ok && c.p == c.end && port >= 1 && port <= 65535
           && or_json_is_fp(b->fingerprint, strlen(b->fingerprint));
}

/* PROTOCOL-v2.md: receivers require beacon_type and node_fingerprint */
or_err_t
or_v2_beacon_parse(const char *json, size_t len, or_v2_beacon_t *out,
    or_errbuf_t *eb)
{
    or_v2_beacon_t  b;
    json_t         *root;
    json_t         *type;
    or_err_t        rc;

    if (len <= OR_BEACON_MAX && parse_fast(json, len, &b)) {
        memcpy(out, &b, sizeof(b));
        return OR_OK;
    }
    rc = or_json_load(json, len, OR_BEACON_MAX, &root, eb);
    if (rc != OR_OK) {
        return rc;
    }
    memset(&b, 0, sizeof(b));
    type = json_object_get(root, "beacon_type");
    if (!json_is_string(type)
        || strcmp(json_string_value(type), BEACON_TYPE) != 0)
    {
        rc = or_errbuf_set(eb, OR_EPROTO, OR_R_BEACON_TYPE, "field "
                           "\"beacon_type\" is not \"" BEACON_TYPE "\"");
        goto done;
    }
    rc = parse_fields(root, &b, eb);
    if (rc == OR_OK) {
        memcpy(out, &b, sizeof(b));
    }
done:
    json_decref(root);
    return rc;
}

or_err_t
or_v2_beacon_seal(or_fernet_t *fk, const or_v2_beacon_t *b, int64_t now,
    char *token, size_t cap, size_t *toklen, or_errbuf_t *eb)
{
    char      plain[OR_BEACON_PLAIN_MAX + 1];
    size_t    n;
    or_err_t  rc;

    rc = or_v2_beacon_build(b, plain, sizeof(plain), &n, eb);
    if (rc != OR_OK) {
        return rc;
    }
    return or_fernet_seal(fk, plain, n, now, token, cap, toklen, eb);
}

or_err_t
or_v2_beacon_open(or_fernet_t *const *keys, size_t nkeys, const char *token,
    size_t len, const or_fernet_time_t *t, or_v2_opened_t *out,
    or_errbuf_t *eb)
{
    or_errbuf_t  local, *e = eb != NULL ? eb : &local;
    or_err_t     rc;
    size_t       k;

    out->decrypted = 0;
    if (nkeys == 0) {
        return or_errbuf_set(e, OR_EAUTH, OR_R_HMAC, "no key to open the "
                             "token with");
    }
    for (k = 0; k < nkeys; k++) {
        rc = or_fernet_open(keys[k], token, len, t, out->plain,
                            sizeof(out->plain), &out->plainlen,
                            &out->timestamp, e);
        if (rc == OR_OK) {
            break;
        }
        if (e->reason == OR_R_BUF_SMALL) {
            /* the sender's doing, not ours: a bound, as for the token */
            return or_errbuf_set(e, OR_ETOOBIG, OR_R_TOO_BIG, "beacon "
                                 "plaintext over %d bytes",
                                 OR_BEACON_PLAIN_MAX);
        }
        if (e->reason != OR_R_HMAC) {
            return rc;      /* junk, or this key's token is bad: no other
                               key makes it better */
        }
    }
    if (k == nkeys) {
        return rc;          /* no key fitted: the HMAC refusal */
    }
    out->key = k;
    out->decrypted = 1;
    return or_v2_beacon_parse((const char *) out->plain, out->plainlen,
                              &out->beacon, e);
}
