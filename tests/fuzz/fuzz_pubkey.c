/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for or_pubkey_import (or_key.c's canonical template,
 * then or_pubkey_shape.c's byte-level refusal): no input crashes or reads
 * past its end; an accepted key is exactly the PEM OpenSSL writes for it;
 * a refusal carries one of the reasons the import documents.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "or_key.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    or_pubkey_t  *pk = NULL;
    or_errbuf_t   eb;
    or_err_t      rc;
    char         *copy, *out;
    BIO          *bio;
    long          n;

    /* an exact-size copy, so that ASan sees any read past the end */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    rc = or_pubkey_import(copy, size, &pk, &eb);
    if (rc == OR_OK) {
        bio = BIO_new(BIO_s_mem());
        if (bio == NULL || !PEM_write_bio_PUBKEY(bio, pk->pkey)) {
            abort();
        }
        n = BIO_get_mem_data(bio, &out);
        if ((size_t) n != size || memcmp(out, data, size) != 0) {
            abort();            /* accepted a non-canonical encoding */
        }
        BIO_free(bio);
        or_pubkey_free(pk);
    } else {
        switch (eb.reason) {
        case OR_R_BAD_PEM:
        case OR_R_KEY_TYPE:
        case OR_R_KEY_SIZE:
        case OR_R_KEY_EXPONENT:
        case OR_R_KEY_NONCANONICAL:
        case OR_R_TOO_BIG:
        case OR_R_NOMEM:
            break;
        default:
            abort();            /* OR_R_CRYPTO: the template missed one */
        }
    }
    free(copy);
    return 0;
}
