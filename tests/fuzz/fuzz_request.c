/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for or_v2_request_check: a handshake request as node B
 * receives it (tests/vectors/legacy-v2, PROTOCOL-v2.md "Handshake over
 * TCP"), at the vectors' request time. Any bytes: no crash, no leak; the
 * out-parameter is written only on success and then holds checked values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openred.h"
#include "or_json.h"

#define OUR_FP  "d94956da64d2be34"      /* node-b.fp */
#define NOW     1764000000              /* meta.json: request_time */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    or_v2_request_t  req, untouched;
    or_errbuf_t      eb;
    char            *json;

    /* an exact-size copy: ASan sees any read past the request */
    json = malloc(size + (size == 0));
    if (json == NULL) {
        return 0;
    }
    memcpy(json, data, size);
    memset(&req, 0xa5, sizeof(req));
    memcpy(&untouched, &req, sizeof(req));

    if (or_v2_request_check(json, size, OUR_FP, NOW, OR_HANDSHAKE_WINDOW,
                            &req, &eb) != OR_OK)
    {
        if (memcmp(&req, &untouched, sizeof(req)) != 0
            || eb.reason == OR_R_NONE || eb.reason >= OR_R_LAST
            || memchr(eb.msg, '\0', sizeof(eb.msg)) == NULL)
        {
            abort();    /* wrote on failure, or failed without a reason */
        }
        free(json);
        return 0;
    }
    if (strcmp(req.target, OUR_FP) != 0
        || !or_json_is_fp(req.source, strlen(req.source))
        || req.peer_key == NULL
        || strcmp(or_pubkey_fingerprint(req.peer_key), req.source) != 0
        || req.siglen == 0 || req.siglen > OR_SIG_MAX
        || req.timestamp < NOW - OR_HANDSHAKE_WINDOW
        || req.timestamp > NOW + OR_HANDSHAKE_WINDOW)
    {
        abort();
    }
    or_v2_request_clear(&req);
    free(json);
    return 0;
}
