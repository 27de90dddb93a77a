/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Inside of libopenred v3: byte cursors and the primitives the codecs share. */
#ifndef OR_V3_INT_H_INCLUDED
#define OR_V3_INT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "or_v3.h"

/* labels (PROTOCOL.md v3 §9): the bytes hashed, without a C NUL */
#define OR_V3_L_SIG1    "OpenRed v3 MSG1\0"
#define OR_V3_L_SIG2    "OpenRed v3 MSG2\0"
#define OR_V3_L_H1      "OpenRed v3 h1\0"
#define OR_V3_L_TH      "OpenRed v3 transcript\0"
#define OR_V3_LLEN(l)   (sizeof(l) - 1)

/* a bounded writer: overflow sets a flag instead of writing */
typedef struct {
    unsigned char  *p;
    size_t          len, cap;
    int             over;
} or_v3_put_t;

/* a bounded reader: running short sets a flag */
typedef struct {
    const unsigned char  *p;
    size_t                len, at;
    int                   short_;
} or_v3_get_t;

void or_v3_put(or_v3_put_t *w, const void *p, size_t n);
void or_v3_put16(or_v3_put_t *w, unsigned v);
void or_v3_put64(or_v3_put_t *w, uint64_t v);
void or_v3_putstr(or_v3_put_t *w, const void *p, size_t n);
const unsigned char *or_v3_get(or_v3_get_t *r, size_t n);
unsigned or_v3_get16(or_v3_get_t *r);
uint64_t or_v3_get64(or_v3_get_t *r);
/* a str: u16 length, then the bytes; *n its length, NULL if short */
const unsigned char *or_v3_getstr(or_v3_get_t *r, size_t *n);

void or_v3_put32_at(unsigned char *p, uint32_t v);

/* SHA-256 of a label and up to three more parts (NULL parts skipped) */
or_err_t or_v3_sha256(const void *label, size_t llen, const void *a,
    size_t alen, const void *b, size_t blen, unsigned char out[32],
    or_errbuf_t *eb);
or_err_t or_v3_hmac(const unsigned char key[32], const unsigned char *data,
    size_t len, unsigned char out[32], or_errbuf_t *eb);
/* HKDF-Extract(salt, ikm): the 32-byte PRK */
or_err_t or_v3_extract(const unsigned char *salt, size_t slen,
    const unsigned char *ikm, size_t ilen, unsigned char out[32],
    or_errbuf_t *eb);
/* HKDF-Expand(prk, label ‖ th, outlen); th may be NULL */
or_err_t or_v3_expand(const unsigned char *prk, size_t prklen,
    const char *label, const unsigned char *th, unsigned char *out,
    size_t outlen, or_errbuf_t *eb);

/* an X25519 key pair from priv (fixed) or fresh; pub gets its public */
or_err_t or_v3_x25519_new(const unsigned char *priv, EVP_PKEY **out,
    unsigned char pub[OR_V3_X25519_LEN], or_errbuf_t *eb);
/* OR_EAUTH with OR_R_V3_EPHEMERAL if the result is all zero */
or_err_t or_v3_x25519_dh(EVP_PKEY *ours,
    const unsigned char peer[OR_V3_X25519_LEN],
    unsigned char out[OR_V3_X25519_LEN], or_errbuf_t *eb);

/* the payload of exactly one frame into r, or why not */
or_err_t or_v3_frame_payload(const unsigned char *frame, size_t len,
    int magic, size_t min, size_t max, or_v3_get_t *r, or_errbuf_t *eb);
/* reads the type byte of a handshake payload: OR_R_MSG_TYPE if not want */
or_err_t or_v3_check_type(or_v3_get_t *r, unsigned want, or_errbuf_t *eb);

/* the record layer's key step: k <- HKDF-Expand(k, "or3 rekey", 32) */
or_err_t or_v3_rekey_step(unsigned char key[OR_V3_KEY_LEN],
    or_errbuf_t *eb);

#endif /* OR_V3_INT_H_INCLUDED */
