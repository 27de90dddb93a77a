/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for a received discovery datagram: or_v2_beacon_open,
 * the daemon's own path (base64url, Fernet shape, HMAC with each key,
 * time, decrypt, then the beacon parser), with a private network's key
 * and then the public one, as a node hearing two networks holds them. A
 * mutated token rarely passes the HMAC: fuzz_beacon_plain seals the input
 * to reach the parser behind it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openred.h"
#include "or_json.h"

/* PROTOCOL-v2.md: the public passphrase; meta.json: beacon_time */
#define PASSPHRASE  "OpenRed-P2P-Discovery-2025"
#define PRIVATE     "a private health network"
#define NOW         1764000002

static or_fernet_t  *keys[2];       /* [0] private, [1] public */

/* PBKDF2 runs 100000 iterations: once here, never per input */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    or_errbuf_t  eb;

    if (or_fernet_derive(PRIVATE, strlen(PRIVATE), &keys[0], &eb) != OR_OK
        || or_fernet_derive(PASSPHRASE, strlen(PASSPHRASE), &keys[1], &eb)
           != OR_OK)
    {
        fprintf(stderr, "fuzz_beacon: derive: %s\n", eb.msg);
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const or_fernet_time_t  times[] = {
        { NOW, OR_NO_LIMIT, OR_NO_LIMIT },  /* the original's choice */
        { NOW, 60, 10 },
    };
    static or_v2_opened_t  o;
    or_errbuf_t     eb;
    or_err_t        rc;
    char           *token;

    /* an exact-size copy: ASan sees any read past the datagram */
    token = malloc(size + (size == 0));
    if (token == NULL) {
        return 0;
    }
    memcpy(token, data, size);
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        memset(&eb, 0, sizeof(eb));
        rc = or_v2_beacon_open(keys, 2, token, size, &times[i], &o, &eb);
        if (rc == OR_OK) {
            if (!or_json_is_fp(o.beacon.fingerprint,
                               strlen(o.beacon.fingerprint))
                || o.key > 1 || o.plainlen > OR_BEACON_PLAIN_MAX)
            {
                abort();    /* a refused field must not come back */
            }
        } else if (eb.reason == OR_R_NONE || eb.reason >= OR_R_LAST
                   || memchr(eb.msg, '\0', sizeof(eb.msg)) == NULL)
        {
            abort();        /* every refusal says why, NUL-terminated */
        }
    }
    free(token);
    return 0;
}
