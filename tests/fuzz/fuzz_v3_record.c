/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for or_v3_rec_open (docs/PROTOCOL.md v3 §7). The
 * first byte picks: even, open the rest as record frames under the
 * vector's k_i2r, one after another (or_v3_frame_need splits them); odd,
 * seal the rest as a body of type data[1] and open it again, which must
 * give the same record back. No crash, no leak, a reason on refusal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_v3_common.h"

#define NOW     INT64_C(1764000000000)

static unsigned char  k_i2r[32], k_r2i[32];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    json_error_t  err;
    json_t       *v;

    v = json_load_file("tests/vectors/v3/handshake-chacha.json", 0, &err);
    if (v == NULL) {
        abort();
    }
    fuzz_v3_hex(v, "k_i2r", k_i2r, 32, NULL);
    fuzz_v3_hex(v, "k_r2i", k_r2i, 32, NULL);
    json_decref(v);
    return 0;
}

static void
open_stream(or_v3_rec_t *y, unsigned char *p, size_t n)
{
    or_v3_rec_in_t  in;
    or_errbuf_t     eb;
    size_t          total;

    while (n > 0) {
        memset(&eb, 0, sizeof(eb));
        if (or_v3_frame_need(p, n, 0, OR_V3_REC_LEN_MIN, OR_V3_REC_LEN_MAX,
                             &total, &eb) != OR_OK || total > n)
        {
            return;
        }
        if (or_v3_rec_open(y, p, total, NOW, &in, &eb) != OR_OK) {
            fuzz_v3_check_refusal(&eb);
            return;
        }
        if (in.body < p || in.body + in.len > p + total) {
            abort();
        }
        p += total;
        n -= total;
    }
}

static void
roundtrip(or_v3_rec_t *x, or_v3_rec_t *y, unsigned type,
    const unsigned char *body, size_t len)
{
    static unsigned char  out[OR_V3_REC_LEN_MAX + 64];
    or_v3_rec_in_t        in;
    or_errbuf_t           eb;
    size_t                n;

    memset(&eb, 0, sizeof(eb));
    if (or_v3_rec_seal(x, NOW, type, body, len, out, sizeof(out), &n, &eb)
        != OR_OK)
    {
        fuzz_v3_check_refusal(&eb);
        return;
    }
    if (or_v3_rec_open(y, out, n, NOW, &in, NULL) != OR_OK
        || in.type != type
        || (type == OR_V3_REC_CLOSE
            ? in.len != len - 2 || memcmp(in.body, body + 2, len - 2) != 0
            : in.len != len || (len > 0 && memcmp(in.body, body, len) != 0)))
    {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char  *buf;
    or_v3_rec_t    *x, *y;

    if (size == 0) {
        return 0;
    }
    buf = malloc(size);
    if (buf == NULL
        || or_v3_rec_new(OR_V3_SUITE_CHACHA, k_r2i, k_i2r, NOW, &y, NULL)
           != OR_OK
        || or_v3_rec_new(OR_V3_SUITE_CHACHA, k_i2r, k_r2i, NOW, &x, NULL)
           != OR_OK)
    {
        abort();
    }
    memcpy(buf, data, size);
    if ((data[0] & 1) == 0) {
        open_stream(y, buf + 1, size - 1);
    } else if (size >= 2) {
        roundtrip(x, y, data[1], buf + 2, size - 2);
    }
    or_v3_rec_free(x);
    or_v3_rec_free(y);
    free(buf);
    return 0;
}
