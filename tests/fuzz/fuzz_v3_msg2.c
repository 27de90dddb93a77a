/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for or_v3_init_msg2: MSG2 as the initiator of the
 * vector's MSG1 reads it (docs/PROTOCOL.md v3 §5.6). Any bytes: no crash,
 * no leak, a reason on refusal; on success MSG3 is whole and the result
 * names the node dialled.
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
    unsigned char   *buf, m1[OR_V3_HS_LEN_MAX + 8], m3[64];
    or_v3_hs_t      *i;
    or_v3_result_t   res;
    or_errbuf_t      eb;
    size_t           n;

    buf = malloc(size + (size == 0));
    if (buf == NULL
        || or_v3_init_new(f.a, f.id_b, OR_V3_SUITES_ALL, &i, NULL) != OR_OK
        || or_v3_init_msg1(i, f.ts_i, &f.fi, m1, sizeof(m1), &n, NULL)
           != OR_OK)
    {
        abort();
    }
    memcpy(buf, data, size);
    memset(&eb, 0, sizeof(eb));
    if (or_v3_init_msg2(i, buf, size, f.ts_r + 10, m3, sizeof(m3), &n, &eb)
        != OR_OK)
    {
        fuzz_v3_check_refusal(&eb);
    } else if (n != OR_V3_FRAME_HDR + OR_V3_MSG3_LEN
               || or_v3_hs_result(i, &res, NULL) != OR_OK
               || memcmp(res.peer_id, f.id_b, OR_V3_ID_LEN) != 0)
    {
        abort();
    }
    or_v3_hs_free(i);
    free(buf);
    return 0;
}
