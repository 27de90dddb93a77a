/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * v2 post-handshake messages (PROTOCOL-v2.md "After the handshake"): build
 * one in the original's layout and parse one. Nothing in v2 signs them.
 */
#include <stdlib.h>
#include <string.h>

#include "or_errbuf.h"
#include "or_json.h"

#define MESSAGE_TYPE  "revolutionary_p2p_message"

or_err_t
or_v2_message_build(const char *source, const char *target, double ts,
    const char *link, const char *payload, size_t payload_len, char *out,
    size_t cap, size_t *outlen, or_errbuf_t *eb)
{
    or_jbuf_t  jb = { out, 0, cap, 0 };
    json_t    *body;
    or_err_t   rc;

    if (!or_json_is_fp(source, strlen(source))
        || !or_json_is_fp(target, strlen(target))
        || (link != NULL && (strlen(link) != OR_LINK_LEN
                             || !or_json_is_hex(link, OR_LINK_LEN))))
    {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_BAD_FINGERPRINT,
                             "message needs 16-hex fingerprints and a "
                             "32-hex mutual link or none");
    }
    rc = or_json_load(payload, payload_len, OR_MESSAGE_MAX, &body, eb);
    if (rc != OR_OK) {
        return rc;
    }
    OR_JBUF_LIT(&jb, "{\"type\": \"" MESSAGE_TYPE "\", "
                "\"source_fingerprint\": ");
    or_jbuf_str(&jb, source);
    OR_JBUF_LIT(&jb, ", \"target_fingerprint\": ");
    or_jbuf_str(&jb, target);
    OR_JBUF_LIT(&jb, ", \"timestamp\": ");
    or_jbuf_real(&jb, ts);
    OR_JBUF_LIT(&jb, ", \"mutual_link\": ");
    if (link == NULL) {
        OR_JBUF_LIT(&jb, "null");
    } else {
        or_jbuf_str(&jb, link);
    }
    OR_JBUF_LIT(&jb, ", \"central_api_used\": false, "
                "\"revolutionary_protocol\": true, \"payload\": ");
    or_jbuf_json(&jb, body);
    OR_JBUF_LIT(&jb, "}");
    json_decref(body);
    if (!jb.overflow && jb.len > OR_MESSAGE_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "message of %zu "
                             "bytes, bound %d", jb.len, OR_MESSAGE_MAX);
    }
    return or_jbuf_done(&jb, outlen, eb);
}

static or_err_t
parse_link(const json_t *root, or_v2_message_t *m, or_errbuf_t *eb)
{
    json_t  *v;

    v = json_object_get(root, "mutual_link");
    /* compat: an original initiator always sends null (message.json) */
    if (v == NULL || json_is_null(v)) {
        m->has_link = 0;
        return OR_OK;
    }
    if (!json_is_string(v) || json_string_length(v) != OR_LINK_LEN
        || !or_json_is_hex(json_string_value(v), OR_LINK_LEN))
    {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE, "field "
                             "\"mutual_link\" is not null or 32 hex");
    }
    memcpy(m->mutual_link, json_string_value(v), OR_LINK_LEN + 1);
    m->has_link = 1;
    return OR_OK;
}

/* the payload object again, in Python layout, in a new buffer */
static or_err_t
dump_payload(const json_t *body, or_v2_message_t *m, or_errbuf_t *eb)
{
    or_jbuf_t  jb = { NULL, 0, 0, 0 };

    or_jbuf_json(&jb, body);
    jb.cap = jb.len + 1;
    jb.p = malloc(jb.cap);
    if (jb.p == NULL) {
        return or_errbuf_nomem(eb);
    }
    jb.len = 0;
    or_jbuf_json(&jb, body);
    if (jb.overflow) {
        free(jb.p);
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "payload cannot be written back");
    }
    m->payload = jb.p;
    m->payload_len = jb.len;
    return OR_OK;
}

static or_err_t
parse_fields(const json_t *root, or_v2_message_t *m, or_errbuf_t *eb)
{
    json_t    *v;
    or_err_t   rc;

    v = json_object_get(root, "type");
    if (!json_is_string(v) || strcmp(json_string_value(v), MESSAGE_TYPE)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_MSG_TYPE,
                             "field \"type\" is not \"" MESSAGE_TYPE "\"");
    }
    rc = or_json_get_fp(root, "source_fingerprint", m->source, eb);
    if (rc == OR_OK) {
        rc = or_json_get_fp(root, "target_fingerprint", m->target, eb);
    }
    if (rc == OR_OK) {
        rc = parse_link(root, m, eb);
    }
    if (rc != OR_OK) {
        return rc;
    }
    v = json_object_get(root, "timestamp");
    if (!json_is_number(v)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "field \"timestamp\" is not a number");
    }
    m->timestamp = json_number_value(v);
    v = json_object_get(root, "payload");
    if (!json_is_object(v)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "field \"payload\" is not an object");
    }
    return dump_payload(v, m, eb);
}

or_err_t
or_v2_message_parse(const char *json, size_t len, or_v2_message_t *out,
    or_errbuf_t *eb)
{
    or_v2_message_t  m;
    json_t          *root;
    or_err_t         rc;

    rc = or_json_load(json, len, OR_MESSAGE_MAX, &root, eb);
    if (rc != OR_OK) {
        return rc;
    }
    memset(&m, 0, sizeof(m));
    rc = parse_fields(root, &m, eb);
    json_decref(root);
    if (rc == OR_OK) {
        *out = m;
    }
    return rc;
}

void
or_v2_message_clear(or_v2_message_t *msg)
{
    if (msg != NULL) {
        free(msg->payload);
        msg->payload = NULL;
        msg->payload_len = 0;
    }
}
