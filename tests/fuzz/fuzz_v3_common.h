/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Shared set-up of the v3 harnesses: the vector keys (tests/vectors/
 * legacy-v2) and the fixed inputs of tests/vectors/v3/handshake-chacha.json,
 * read once in LLVMFuzzerInitialize. fuzz-run runs from the tree's root.
 */
#ifndef FUZZ_V3_COMMON_H_INCLUDED
#define FUZZ_V3_COMMON_H_INCLUDED

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "openred.h"
#include "or_v3.h"

typedef struct {
    or_key_t        *a, *b;             /* initiator, responder */
    unsigned char    id_b[OR_V3_ID_LEN];
    or_v3_fixed_t    fi, fr;
    unsigned char    sig_i[OR_SIG_MAX], sig_r[OR_SIG_MAX];
    unsigned char    msg1[OR_V3_HS_LEN_MAX + 8];
    size_t           n1;
    int64_t          ts_i, ts_r;
} fuzz_v3_t;

static inline void
fuzz_v3_hex(json_t *v, const char *field, unsigned char *out, size_t cap,
    size_t *len)
{
    const char  *s = json_string_value(json_object_get(v, field));
    size_t       i, n;
    unsigned     b;

    if (s == NULL || (n = strlen(s) / 2) > cap) {
        fprintf(stderr, "fuzz_v3: vector field %s\n", field);
        abort();
    }
    for (i = 0; i < n; i++) {
        if (sscanf(s + 2 * i, "%2x", &b) != 1) {
            abort();
        }
        out[i] = (unsigned char) b;
    }
    if (len != NULL) {
        *len = n;
    }
}

static inline void
fuzz_v3_init(fuzz_v3_t *f)
{
    json_error_t  err;
    json_t       *v;

    v = json_load_file("tests/vectors/v3/handshake-chacha.json", 0, &err);
    if (v == NULL
        || or_key_load_any_mode("tests/vectors/legacy-v2/node-a.key.pem", 0,
                                &f->a, NULL) != OR_OK
        || or_key_load_any_mode("tests/vectors/legacy-v2/node-b.key.pem", 0,
                                &f->b, NULL) != OR_OK
        || or_v3_key_id(f->b, f->id_b, NULL) != OR_OK)
    {
        fprintf(stderr, "fuzz_v3: run from the tree's root\n");
        abort();
    }
    fuzz_v3_hex(v, "eph_i", f->fi.eph, 32, NULL);
    fuzz_v3_hex(v, "nonce_i", f->fi.nonce, 32, NULL);
    fuzz_v3_hex(v, "sig_i", f->sig_i, sizeof(f->sig_i), &f->fi.siglen);
    f->fi.sig = f->sig_i;
    fuzz_v3_hex(v, "eph_r", f->fr.eph, 32, NULL);
    fuzz_v3_hex(v, "nonce_r", f->fr.nonce, 32, NULL);
    fuzz_v3_hex(v, "sig_r", f->sig_r, sizeof(f->sig_r), &f->fr.siglen);
    f->fr.sig = f->sig_r;
    fuzz_v3_hex(v, "msg1", f->msg1, sizeof(f->msg1), &f->n1);
    f->ts_i = (int64_t) json_integer_value(json_object_get(v, "ts_i"));
    f->ts_r = (int64_t) json_integer_value(json_object_get(v, "ts_r"));
    json_decref(v);
}

/* a refusal must name a reason and leave a terminated message */
static inline void
fuzz_v3_check_refusal(const or_errbuf_t *eb)
{
    if (eb->reason == OR_R_NONE || eb->reason >= OR_R_LAST
        || memchr(eb->msg, '\0', sizeof(eb->msg)) == NULL)
    {
        abort();
    }
}

#endif /* FUZZ_V3_COMMON_H_INCLUDED */
