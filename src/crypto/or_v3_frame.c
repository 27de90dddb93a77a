/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * v3 frames (docs/PROTOCOL.md v3 §4, §5.7): the length prefix and its
 * bounds, checked before a payload is read, the handshake type byte, and
 * the REFUSE frame.
 */
#include "or_v3_int.h"

#include "or_errbuf.h"

/* a frame: "\0OR3" if magic, u32 len, payload; checked before reading */
or_err_t
or_v3_frame_need(const unsigned char *buf, size_t n, int magic, size_t min,
    size_t max, size_t *total, or_errbuf_t *eb)
{
    size_t    skip = magic ? OR_V3_MAGIC_LEN : 0, i;
    uint32_t  len;

    for (i = 0; i < skip && i < n; i++) {
        if (buf[i] != (unsigned char) OR_V3_MAGIC[i]) {
            return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_MAGIC,
                                 "byte %zu is 0x%02x, not the v3 magic", i,
                                 buf[i]);
        }
    }
    if (n < skip + OR_V3_FRAME_HDR) {
        return OR_AGAIN;
    }
    buf += skip;
    len = (uint32_t) buf[0] << 24 | (uint32_t) buf[1] << 16
          | (uint32_t) buf[2] << 8 | buf[3];
    if (len > max) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "frame of %u "
                             "bytes, bound %zu", len, max);
    }
    if (len < min) {
        return or_errbuf_set(eb, OR_EPROTO, min > 1 ? OR_R_V3_RECORD_LENGTH
                                                    : OR_R_V3_TRUNCATED,
                             "frame of %u bytes, at least %zu", len, min);
    }
    *total = skip + OR_V3_FRAME_HDR + len;
    return OR_OK;
}

/* payload of exactly one frame, or why not */
or_err_t
or_v3_frame_payload(const unsigned char *frame, size_t len, int magic,
    size_t min, size_t max, or_v3_get_t *r, or_errbuf_t *eb)
{
    size_t    total, skip;
    or_err_t  rc;

    rc = or_v3_frame_need(frame, len, magic, min, max, &total, eb);
    if (rc == OR_AGAIN || (rc == OR_OK && len < total)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRUNCATED, "frame of "
                             "%zu bytes is cut short", len);
    }
    if (rc != OR_OK) {
        return rc;
    }
    if (len > total) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRAILING, "%zu bytes "
                             "after the frame", len - total);
    }
    skip = (magic ? OR_V3_MAGIC_LEN : 0) + OR_V3_FRAME_HDR;
    r->p = frame + skip;
    r->len = total - skip;
    r->at = 0;
    r->short_ = 0;
    return OR_OK;
}

or_err_t
or_v3_check_type(or_v3_get_t *r, unsigned want, or_errbuf_t *eb)
{
    const unsigned char  *t = or_v3_get(r, 1);

    if (t == NULL || t[0] != want) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_MSG_TYPE, "handshake "
                             "type %d, expected %u", t ? t[0] : -1, want);
    }
    return OR_OK;
}

or_err_t
or_v3_refuse_build(unsigned code, unsigned char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb)
{
    if (cap < OR_V3_FRAME_HDR + 3 || code > 0xffff) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL, "REFUSE needs "
                             "%d bytes and a u16 code", OR_V3_FRAME_HDR + 3);
    }
    or_v3_put32_at(out, 3);
    out[4] = OR_V3_HS_REFUSE;
    out[5] = (unsigned char) (code >> 8);
    out[6] = (unsigned char) code;
    *outlen = OR_V3_FRAME_HDR + 3;
    return OR_OK;
}

or_err_t
or_v3_refuse_parse(const unsigned char *frame, size_t len, unsigned *code,
    or_errbuf_t *eb)
{
    or_v3_get_t  r;
    unsigned     c;
    or_err_t     rc;

    rc = or_v3_frame_payload(frame, len, 0, 1, 3, &r, eb);
    if (rc == OR_OK && r.len != 3) {
        rc = or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRUNCATED, "REFUSE of %zu "
                           "bytes, expected 3", r.len);
    }
    if (rc == OR_OK) {
        rc = or_v3_check_type(&r, OR_V3_HS_REFUSE, eb);
    }
    if (rc != OR_OK) {
        return rc;
    }
    c = or_v3_get16(&r);
    *code = c;
    return OR_OK;
}
