/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Strict base64 codecs. OpenSSL's EVP_DecodeBlock knows no url alphabet,
 * skips whitespace and hides the padding count, so decoding is done here
 * with one table per alphabet; encoding uses EVP_EncodeBlock.
 */
#include "or_base64.h"

#include <string.h>

#include <openssl/evp.h>

#include "or_errbuf.h"

#define BAD  0xff
#define PAD  0xfe

static unsigned char  dec_std[256];
static unsigned char  dec_url[256];
static int            tables_ready;

static void
tables_init(void)
{
    static const char  std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "abcdefghijklmnopqrstuvwxyz0123456789+/";
    int                i;

    memset(dec_std, BAD, sizeof(dec_std));
    memset(dec_url, BAD, sizeof(dec_url));
    for (i = 0; i < 64; i++) {
        dec_std[(unsigned char) std[i]] = (unsigned char) i;
        dec_url[(unsigned char) std[i]] = (unsigned char) i;
    }
    dec_url['+'] = BAD;
    dec_url['/'] = BAD;
    dec_url['-'] = 62;
    dec_url['_'] = 63;
    dec_std['='] = PAD;
    dec_url['='] = PAD;
    /* benign race: every thread writes the same bytes */
    __atomic_store_n(&tables_ready, 1, __ATOMIC_RELEASE);
}

or_err_t
or_base64_encode(int url, const void *in, size_t len, char *out,
    size_t cap, size_t *outlen, or_errbuf_t *eb)
{
    size_t  n, i;

    if (len > (size_t) INT32_MAX / 4 * 3) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG,
                             "base64 input of %zu bytes is too big", len);
    }
    n = OR_BASE64_LEN(len);
    if (cap < n + 1) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL,
                             "base64 needs %zu bytes, buffer has %zu",
                             n + 1, cap);
    }
    EVP_EncodeBlock((unsigned char *) out, in, (int) len);
    if (url) {
        for (i = 0; i < n; i++) {
            if (out[i] == '+') {
                out[i] = '-';
            } else if (out[i] == '/') {
                out[i] = '_';
            }
        }
    }
    out[n] = '\0';
    *outlen = n;
    return OR_OK;
}

static or_err_t
check_tail(const unsigned char *tab, const unsigned char *s, size_t len,
    size_t *pad, or_errbuf_t *eb)
{
    size_t  npad;

    npad = (s[len - 1] == '=') + (s[len - 1] == '=' && s[len - 2] == '=');
    if (npad > 0 && tab[s[len - 1 - npad]] == PAD) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_BAD_BASE64,
                             "bad base64: too much padding");
    }
    /* the unused low bits of the last character must be zero */
    if ((npad == 1 && (tab[s[len - 2]] & 0x03) != 0)
        || (npad == 2 && (tab[s[len - 3]] & 0x0f) != 0))
    {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_BAD_BASE64,
                             "bad base64: non-zero trailing bits");
    }
    *pad = npad;
    return OR_OK;
}

or_err_t
or_base64_decode(int url, const char *in, size_t len, unsigned char *out,
    size_t cap, size_t *outlen, or_errbuf_t *eb)
{
    const unsigned char  *s = (const unsigned char *) in;
    const unsigned char  *tab;
    size_t                i, o, n, npad = 0;
    uint32_t              v;
    or_err_t              rc;

    if (!__atomic_load_n(&tables_ready, __ATOMIC_ACQUIRE)) {
        tables_init();
    }
    tab = url ? dec_url : dec_std;
    if (len == 0 || len % 4 != 0) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_BAD_BASE64,
                             "bad base64: length %zu is not a positive "
                             "multiple of 4", len);
    }
    rc = check_tail(tab, s, len, &npad, eb);
    if (rc != OR_OK) {
        return rc;
    }
    n = len / 4 * 3 - npad;
    if (cap < n) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL,
                             "base64 decodes to %zu bytes, buffer has %zu",
                             n, cap);
    }
    for (i = 0; i < len - npad; i++) {
        if (tab[s[i]] >= 64) {
            return or_errbuf_set(eb, OR_EPROTO, OR_R_BAD_BASE64,
                                 "bad base64: invalid character 0x%02x at "
                                 "offset %zu", s[i], i);
        }
    }
    for (i = 0, o = 0; i < len; i += 4) {
        v = (uint32_t) (tab[s[i]] & 0x3f) << 18
            | (uint32_t) (tab[s[i + 1]] & 0x3f) << 12
            | (uint32_t) (tab[s[i + 2]] & 0x3f) << 6
            | (uint32_t) (tab[s[i + 3]] & 0x3f);
        out[o++] = (unsigned char) (v >> 16);
        if (o < n) {
            out[o++] = (unsigned char) (v >> 8);
        }
        if (o < n) {
            out[o++] = (unsigned char) v;
        }
    }
    *outlen = n;
    return OR_OK;
}
