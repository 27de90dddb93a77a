/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for the beacon parser behind the HMAC: the input is a
 * plaintext, sealed with a known key and opened by or_v2_beacon_open. What
 * opens must equal or_v2_beacon_parse of the same bytes, and a parsed
 * beacon must survive build + parse unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openred.h"

#define PASS  "OpenRed-P2P-Discovery-2025"    /* the public network */
#define NOW   1764000002                /* meta.json: beacon_time */

static or_fernet_t  *fk;

/* field by field: the parser leaves the bytes after each NUL undefined */
static int
same(const or_v2_beacon_t *a, const or_v2_beacon_t *b)
{
    int  eq = strcmp(a->fingerprint, b->fingerprint) == 0
              && strcmp(a->node_hash, b->node_hash) == 0
              && strcmp(a->sector, b->sector) == 0
              && strcmp(a->zone_hash, b->zone_hash) == 0
              && strcmp(a->ip, b->ip) == 0 && a->port == b->port
              && a->activity_level == b->activity_level
              && memcmp(&a->timestamp, &b->timestamp, sizeof(double)) == 0
              && a->nservices == b->nservices;

    for (size_t i = 0; eq && i < a->nservices; i++) {
        eq = strcmp(a->services[i], b->services[i]) == 0;
    }
    return eq;
}

/* PBKDF2 runs 100000 iterations: once here, never per input */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (or_fernet_derive(PASS, strlen(PASS), &fk, NULL) != OR_OK) {
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const or_fernet_time_t  t = { NOW, 60, 10 };
    static char     token[OR_BEACON_MAX + 1], plain[OR_BEACON_PLAIN_MAX + 1];
    static or_v2_opened_t  o;
    or_v2_beacon_t  parsed, again;
    or_errbuf_t     eb;
    size_t          toklen, n;
    or_err_t        rc;

    if (or_fernet_seal(fk, data, size, NOW, token, sizeof(token), &toklen,
                       &eb) != OR_OK)
    {
        return 0;   /* too long for one datagram: refused before parsing */
    }
    rc = or_v2_beacon_open(&fk, 1, token, toklen, &t, &o, &eb);
    if (size > OR_BEACON_PLAIN_MAX) {
        /* over the plaintext bound: refused as such, never parsed */
        if (rc != OR_ETOOBIG || eb.reason != OR_R_TOO_BIG || o.decrypted) {
            abort();
        }
        return 0;
    }
    if (!o.decrypted || o.plainlen != size
        || memcmp(o.plain, data, size) != 0)
    {
        abort();    /* what we sealed is what opens */
    }
    if (rc != or_v2_beacon_parse((const char *) data, size, &parsed, &eb)) {
        abort();
    }
    if (rc == OR_OK && !same(&o.beacon, &parsed)) {
        abort();
    }
    /* what we accept (with an endpoint, as ours) we send and read back */
    if (rc != OR_OK || parsed.port == 0) {
        return 0;
    }
    if (or_v2_beacon_build(&parsed, plain, sizeof(plain), &n, &eb) != OR_OK
        || or_v2_beacon_parse(plain, n, &again, &eb) != OR_OK
        || !same(&again, &parsed))
    {
        abort();
    }
    return 0;
}
