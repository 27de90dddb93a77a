/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Strict base64: standard (PEM, signatures) and url-safe (Fernet). */
#ifndef OR_BASE64_H_INCLUDED
#define OR_BASE64_H_INCLUDED

#include "openred.h"

#define OR_BASE64_STD   0
#define OR_BASE64_URL   1

/* encoded length of n bytes, padding included, NUL not included */
#define OR_BASE64_LEN(n)    (((n) + 2) / 3 * 4)

/* padded; out gets a NUL too, so cap >= OR_BASE64_LEN(len) + 1 */
or_err_t or_base64_encode(int url, const void *in, size_t len, char *out,
    size_t cap, size_t *outlen, or_errbuf_t *eb)
    __attribute__((warn_unused_result));
/* only padded, canonical input: no whitespace, zero trailing bits */
or_err_t or_base64_decode(int url, const char *in, size_t len,
    unsigned char *out, size_t cap, size_t *outlen, or_errbuf_t *eb)
    __attribute__((warn_unused_result));

#endif /* OR_BASE64_H_INCLUDED */
