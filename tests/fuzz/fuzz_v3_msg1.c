/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for or_v3_resp_msg1: magic + MSG1 as a responder reads
 * it (docs/PROTOCOL.md v3 §5.3), at the vector's time. Any bytes: no crash,
 * no leak, a reason on refusal; on success the peer's id and key are set
 * and bound, and once sig_i verifies MSG2 is built.
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
    unsigned char   *buf, id[OR_V3_ID_LEN], out[OR_V3_HS_LEN_MAX + 8];
    or_v3_hs_t      *r;
    or_errbuf_t      eb;
    size_t           n;

    buf = malloc(size + (size == 0));
    if (buf == NULL || or_v3_resp_new(f.b, OR_V3_SUITES_ALL, 0, &r, NULL)
                       != OR_OK)
    {
        abort();
    }
    memcpy(buf, data, size);
    memset(&eb, 0, sizeof(eb));
    if (or_v3_resp_msg1(r, buf, size, f.ts_i + 10, &eb) != OR_OK) {
        fuzz_v3_check_refusal(&eb);
    } else {
        if (or_v3_hs_peer_key(r) == NULL
            || or_v3_pubkey_id(or_v3_hs_peer_key(r), id, NULL) != OR_OK
            || memcmp(id, or_v3_hs_peer_id(r), OR_V3_ID_LEN) != 0
            || or_v3_hs_msg1_sig_hash(r, id, NULL) != OR_OK)
        {
            abort();
        }
        memset(&eb, 0, sizeof(eb));
        if (or_v3_resp_verify(r, &eb) != OR_OK) {
            fuzz_v3_check_refusal(&eb);
        } else if (or_v3_resp_msg2(r, f.ts_r, NULL, out, sizeof(out), &n,
                                   NULL) != OR_OK || n > sizeof(out))
        {
            abort();            /* verified: MSG2 must follow */
        }
    }
    or_v3_hs_free(r);
    free(buf);
    return 0;
}
