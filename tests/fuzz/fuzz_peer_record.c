/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for signed peer records, the DHT's and peer
 * exchange's (src/crypto/or_peer_record.c).
 * The first byte picks: even, the rest is the JSON inside a record, given
 * to or_peer_record_parse (what a member of the network could put on the
 * DHT: the seal keeps everyone else out); odd, the rest is sealed bytes
 * given to or_peer_record_open. No crash, no leak, a reason on refusal,
 * and nothing accepted without a good signature.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openred.h"
#include "or_peer_record.h"

#define NOW     INT64_C(1800000000)

static or_peer_keys_t  keys;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    or_errbuf_t eb;

    (void) argc;
    (void) argv;
    memset(&eb, 0, sizeof(eb));
    if (or_peer_keys("fuzz network", 12, &keys, &eb) != OR_OK) {
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    or_peer_record_t  r;
    or_errbuf_t      eb;
    or_err_t         rc;

    if (size < 1) {
        return 0;
    }
    memset(&eb, 0, sizeof(eb));
    if (data[0] % 2 == 0) {
        rc = or_peer_record_parse(&keys, (const char *) data + 1, size - 1,
                                 NOW, &r, &eb);
    } else {
        rc = or_peer_record_open(&keys, data + 1, size - 1, NOW, &r, &eb);
    }
    if (rc != OR_OK && eb.reason == OR_R_NONE) {
        abort();                /* every refusal says why */
    }
    if (rc == OR_OK && (r.naddrs == 0 || r.naddrs > OR_PEER_REC_ADDRS_MAX)) {
        abort();
    }
    return 0;
}
