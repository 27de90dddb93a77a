/*
 * libFuzzer harness for a received discovery datagram: or_v2_beacon_open
 * (base64url, Fernet shape, HMAC, time, decrypt) then the beacon parser,
 * with the public network key. A mutated token rarely passes the HMAC:
 * fuzz_beacon_plain seals the input to reach the parser behind it.
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
#define NOW         1764000002

static or_fernet_t  *fk;

/* PBKDF2 runs 100000 iterations: once here, never per input */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    or_errbuf_t  eb;

    if (or_fernet_derive(PASSPHRASE, strlen(PASSPHRASE), &fk, &eb)
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
    or_v2_beacon_t  b;
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
        rc = or_v2_beacon_open(fk, token, size, &times[i], &b, &eb);
        if (rc == OR_OK) {
            if (!or_json_is_fp(b.fingerprint, strlen(b.fingerprint))) {
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
