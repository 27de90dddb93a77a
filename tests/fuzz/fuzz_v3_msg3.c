/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for or_v3_resp_msg3 and or_v3_refuse_parse: what a
 * responder reads after its MSG2 (docs/PROTOCOL.md v3 §5.6, §5.7). Any
 * bytes: no crash, no leak, a reason on refusal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_v3_common.h"

static fuzz_v3_t  f;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_v3_init(&f);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char   *buf, m2[OR_V3_HS_LEN_MAX + 8];
    or_v3_hs_t      *r;
    or_v3_result_t   res;
    or_errbuf_t      eb;
    unsigned         code;
    size_t           n;

    buf = malloc(size + (size == 0));
    if (buf == NULL
        || or_v3_resp_new(f.b, OR_V3_SUITES_ALL, OR_V3_SUITE_CHACHA, &r,
                          NULL) != OR_OK
        || or_v3_resp_msg1(r, f.msg1, f.n1, f.ts_i + 10, NULL) != OR_OK
        || or_v3_resp_msg2(r, f.ts_r, &f.fr, m2, sizeof(m2), &n, NULL)
           != OR_OK)
    {
        abort();
    }
    memcpy(buf, data, size);
    memset(&eb, 0, sizeof(eb));
    if (or_v3_resp_msg3(r, buf, size, &eb) != OR_OK) {
        fuzz_v3_check_refusal(&eb);
    } else if (or_v3_hs_result(r, &res, NULL) != OR_OK) {
        abort();
    }
    memset(&eb, 0, sizeof(eb));
    if (or_v3_refuse_parse(buf, size, &code, &eb) != OR_OK) {
        fuzz_v3_check_refusal(&eb);
    } else if (code > 0xffff || size != 7) {
        abort();
    }
    or_v3_hs_free(r);
    free(buf);
    return 0;
}
