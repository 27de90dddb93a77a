/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for or_base64 (std and url alphabets). Decoding any
 * bytes must not crash; what decodes must encode back to the same bytes
 * (only canonical input is accepted); decode(encode(x)) == x.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "or_base64.h"

#define IN_MAX  8192

static unsigned char  dec[IN_MAX];
static char           enc[OR_BASE64_LEN(IN_MAX) + 1];

/* the accepted input is exactly what our encoder writes for its bytes */
static void
check_decode(int url, const uint8_t *data, size_t size)
{
    or_errbuf_t  eb;
    size_t       n, m;

    if (or_base64_decode(url, (const char *) data, size, dec, sizeof(dec),
                         &n, &eb) != OR_OK)
    {
        return;
    }
    if (n > size / 4 * 3
        || or_base64_encode(url, dec, n, enc, sizeof(enc), &m, &eb) != OR_OK
        || m != size || memcmp(enc, data, size) != 0)
    {
        abort();
    }
}

static void
check_round_trip(int url, const uint8_t *data, size_t size)
{
    or_errbuf_t  eb;
    size_t       n, m;

    if (or_base64_encode(url, data, size, enc, sizeof(enc), &n, &eb)
        != OR_OK || n != OR_BASE64_LEN(size) || enc[n] != '\0')
    {
        abort();
    }
    if (size == 0) {
        return;     /* "" is refused by design: not a positive length */
    }
    if (or_base64_decode(url, enc, n, dec, sizeof(dec), &m, &eb) != OR_OK
        || m != size || memcmp(dec, data, size) != 0)
    {
        abort();
    }
    /* a buffer one byte short is refused, not overrun (ASan watches) */
    unsigned char *small = malloc(size - 1 + (size == 1));

    if (small == NULL
        || or_base64_decode(url, enc, n, small, size - 1, &m, &eb) == OR_OK)
    {
        abort();
    }
    free(small);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > IN_MAX) {
        return 0;
    }
    for (int url = 0; url <= 1; url++) {
        check_decode(url, data, size);
        check_round_trip(url, data, size);
    }
    return 0;
}
