/*
 * v2 discovery beacons (PROTOCOL-v2.md "Discovery beacons"): the plaintext
 * JSON in the original's exact layout, its checks, and sealing/opening it
 * with the network key. Pure: no I/O.
 */
#include <stdio.h>
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

/* PROTOCOL-v2.md: receivers require beacon_type and node_fingerprint */
or_err_t
or_v2_beacon_parse(const char *json, size_t len, or_v2_beacon_t *out,
    or_errbuf_t *eb)
{
    or_v2_beacon_t  b;
    json_t         *root;
    json_t         *type;
    or_err_t        rc;

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
or_v2_beacon_open(or_fernet_t *fk, const char *token, size_t len,
    const or_fernet_time_t *t, or_v2_beacon_t *out, or_errbuf_t *eb)
{
    unsigned char  plain[OR_BEACON_MAX];
    size_t         n;
    or_err_t       rc;

    rc = or_fernet_open(fk, token, len, t, plain, sizeof(plain), &n, NULL,
                        eb);
    if (rc != OR_OK) {
        return rc;
    }
    return or_v2_beacon_parse((const char *) plain, n, out, eb);
}
