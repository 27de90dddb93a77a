/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for the incremental JSON stream reader (or_json_reader)
 * and what it feeds, or_v2_message_parse. Framing must not depend on how
 * the stream is cut: fed whole or byte by byte, the same objects end at the
 * same offsets and the stream fails the same way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openred.h"

#define MAX  4096   /* bytes per object: small, so OR_ETOOBIG is reached */

/* ends[i]: offset just past object i; returns how the stream stopped */
static or_err_t
frame(const char *buf, size_t size, size_t step, size_t *ends, size_t *n)
{
    or_json_reader_t  *r;
    or_errbuf_t        eb;
    size_t             pos = 0, used, len;
    or_err_t           rc = OR_AGAIN;

    if (or_json_reader_new(MAX, &r) != OR_OK) {
        abort();
    }
    *n = 0;
    while (pos < size) {
        len = size - pos < step ? size - pos : step;
        rc = or_json_reader_feed(r, buf + pos, len, &used, &eb);
        if (rc != OR_OK && rc != OR_AGAIN) {
            break;
        }
        if (used == 0 || used > len) {
            abort();
        }
        pos += used;
        if (rc == OR_OK) {
            ends[(*n)++] = pos;
        }
    }
    or_json_reader_free(r);
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t           *whole, *bytes, nw, nb, start = 0;
    char             *buf = malloc(size + 1);
    or_v2_message_t   msg;
    or_errbuf_t       eb;

    whole = malloc((size + 1) * sizeof(size_t));
    bytes = malloc((size + 1) * sizeof(size_t));
    if (buf == NULL || whole == NULL || bytes == NULL) {
        abort();
    }
    memcpy(buf, data, size);
    if (frame(buf, size, size, whole, &nw) != frame(buf, size, 1, bytes, &nb)
        || nw != nb || memcmp(whole, bytes, nw * sizeof(size_t)) != 0)
    {
        abort();
    }
    /* each framed object goes to the message parser, as a session does */
    for (size_t i = 0; i < nw; start = whole[i++]) {
        if (or_v2_message_parse(buf + start, whole[i] - start, &msg, &eb)
            == OR_OK)
        {
            or_v2_message_clear(&msg);
        }
    }
    free(buf);
    free(whole);
    free(bytes);
    return 0;
}
