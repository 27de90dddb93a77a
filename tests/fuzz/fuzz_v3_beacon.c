/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for or_v3_beacon_open and or_v3_beacon_verify
 * (docs/PROTOCOL.md v3 §11). The first byte picks: even, open the rest
 * sealed under the vectors' network key; odd, open it as a clear beacon.
 * What opens must have its borrowed fields inside the datagram; it is
 * then verified (check 6 and 7) and compared with the last one (check 5).
 * No crash, no leak, a reason on refusal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_v3_common.h"

static unsigned char  net_key[32];
static int64_t        now;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    json_error_t  err;
    json_t       *v;

    v = json_load_file("tests/vectors/v3/beacons.json", 0, &err);
    if (v == NULL) {
        fprintf(stderr, "fuzz_v3_beacon: run from the tree's root\n");
        abort();
    }
    fuzz_v3_hex(v, "net_key", net_key, sizeof(net_key), NULL);
    now = (int64_t) json_integer_value(json_object_get(v, "now"));
    json_decref(v);
    return 0;
}

static int
inside(const unsigned char *p, size_t n, const unsigned char *buf,
    size_t len)
{
    return p >= buf && p + n <= buf + len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static or_v3_beacon_last_t  last;
    unsigned char              *buf;
    or_v3_beacon_t              b;
    or_errbuf_t                 eb;
    size_t                      len;

    if (size < 1) {
        return 0;
    }
    len = size - 1;
    buf = malloc(len ? len : 1);
    if (buf == NULL) {
        return 0;
    }
    memcpy(buf, data + 1, len);
    memset(&eb, 0, sizeof(eb));
    if (or_v3_beacon_open(data[0] & 1 ? NULL : net_key, buf, len, now, &b,
                          &eb) != OR_OK)
    {
        fuzz_v3_check_refusal(&eb);
        free(buf);
        return 0;
    }
    if (!inside(b.key, b.keylen, buf, len) || !inside(b.sig, b.siglen, buf,
                                                      len)
        || !inside(b.body, b.bodylen, buf, len)
        || strlen(b.sector) > OR_V3_BEACON_SECTOR_MAX)
    {
        abort();
    }
    memset(&eb, 0, sizeof(eb));
    if (or_v3_beacon_newer(&last, &b, &eb) != OR_OK) {
        fuzz_v3_check_refusal(&eb);
    }
    memset(&eb, 0, sizeof(eb));
    if (or_v3_beacon_verify(&b, &eb) != OR_OK) {
        fuzz_v3_check_refusal(&eb);
    } else {
        last = (or_v3_beacon_last_t) { b.instance, b.seq, b.ts };
    }
    free(buf);
    return 0;
}
