/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for or_v2_response_check: node A's view of an answer to
 * the vector request it sent to node B (tests/vectors/legacy-v2), at the
 * vectors' response time. Any bytes: no crash, no leak; the out-parameter
 * is written only on success and then holds checked values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openred.h"
#include "or_json.h"

static const or_v2_sent_t  sent = {
    "08aca75be7a88fef",         /* node-a.fp: we sent the request */
    "d94956da64d2be34",         /* node-b.fp: whom we dialled */
    1764000000                  /* meta.json: request_time */
};

#define NOW     1764000001      /* meta.json: response_time */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    or_v2_response_t  resp, untouched;
    or_errbuf_t       eb;
    char             *json;

    /* an exact-size copy: ASan sees any read past the response */
    json = malloc(size + (size == 0));
    if (json == NULL) {
        return 0;
    }
    memcpy(json, data, size);
    memset(&resp, 0xa5, sizeof(resp));
    memcpy(&untouched, &resp, sizeof(resp));

    if (or_v2_response_check(json, size, &sent, NOW, OR_HANDSHAKE_WINDOW,
                             &resp, &eb) != OR_OK)
    {
        if (memcmp(&resp, &untouched, sizeof(resp)) != 0
            || eb.reason == OR_R_NONE || eb.reason >= OR_R_LAST
            || memchr(eb.msg, '\0', sizeof(eb.msg)) == NULL)
        {
            abort();    /* wrote on failure, or failed without a reason */
        }
        free(json);
        return 0;
    }
    if (strcmp(resp.source, sent.dialled) != 0 || resp.peer_key == NULL
        || strcmp(or_pubkey_fingerprint(resp.peer_key), resp.source) != 0
        || !or_json_is_hex(resp.mutual_link, strlen(resp.mutual_link))
        || strlen(resp.mutual_link) != OR_LINK_LEN)
    {
        abort();
    }
    or_v2_response_clear(&resp);
    free(json);
    return 0;
}
