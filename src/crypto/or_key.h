/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Inside of the key handles, for or_sign.c and the v2 codecs. */
#ifndef OR_KEY_H_INCLUDED
#define OR_KEY_H_INCLUDED

#include <openssl/evp.h>

#include "openred.h"

struct or_key_s {
    EVP_PKEY    *pkey;
    char        *pem;       /* public PEM, as PEM_write_bio_PUBKEY; NUL */
    size_t       pem_len;
    char        *pem_b64;   /* base64(pem), as every request and response
                               carries it: encoded once; NUL */
    size_t       pem_b64_len;
    char         fp[OR_FP_LEN + 1];
};

struct or_pubkey_s {
    EVP_PKEY    *pkey;
    char        *pem;       /* the canonical PEM we were given; NUL */
    size_t       pem_len;
    char         fp[OR_FP_LEN + 1];
    unsigned     refs;      /* or_pubkey_ref; freed when it drops to 0 */
};

#endif /* OR_KEY_H_INCLUDED */
