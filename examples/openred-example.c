/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openred-example: libopenred from a program of one's own, built with
 * pkg-config (see Makefile beside). It makes or loads an identity key,
 * prints its fingerprint, builds a signed v2 handshake request to itself
 * and checks it as the receiving node would, then, if given a captured
 * beacon token and the network's passphrase, opens the beacon.
 *
 *   openred-example [KEY.pem [TOKEN-FILE PASSPHRASE]]
 *
 * Without KEY.pem a new RSA key is generated (and not saved).
 * Exit codes: 0 ok, 1 failure, 2 usage.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openred/openred.h>

static int fail(const char *what, or_err_t rc, const or_errbuf_t *eb);
static int open_beacon(const char *path, const char *passphrase);

int
main(int argc, char **argv)
{
    or_key_t         *key = NULL;
    or_errbuf_t       eb;
    or_err_t          rc;
    or_v2_request_t   req;
    char              buf[OR_HANDSHAKE_MAX];
    size_t            len;
    int64_t           now = (int64_t) time(NULL);
    const char       *fp;

    if (argc != 1 && argc != 2 && argc != 4) {
        fprintf(stderr,
            "usage: %s [KEY.pem [TOKEN-FILE PASSPHRASE]]\n", argv[0]);
        return 2;
    }

    /* mode 0: a test key may be readable by others; a daemon would check */
    rc = argc > 1 ? or_key_load_any_mode(argv[1], 0, &key, &eb)
                  : or_key_generate(&key, &eb);
    if (rc != OR_OK) {
        return fail(argc > 1 ? argv[1] : "key generation", rc, &eb);
    }

    fp = or_key_fingerprint(key);
    printf("fingerprint %s\n", fp);

    rc = or_v2_request_build(key, fp, now, buf, sizeof(buf), &len, &eb);
    if (rc != OR_OK) {
        or_key_free(key);
        return fail("handshake request", rc, &eb);
    }

    rc = or_v2_request_check(buf, len, fp, now, 300, &req, &eb);
    if (rc != OR_OK) {
        or_key_free(key);
        return fail("handshake request check", rc, &eb);
    }
    printf("request %zu bytes from %s to %s, signature good\n",
        len, req.source, req.target);
    or_v2_request_clear(&req);
    or_key_free(key);

    if (argc == 4) {
        return open_beacon(argv[2], argv[3]);
    }
    return 0;
}

static int
open_beacon(const char *path, const char *passphrase)
{
    FILE             *f;
    char              token[OR_BEACON_MAX + 1];
    size_t            len;
    or_fernet_t      *fk = NULL;
    or_fernet_time_t  t = { 0, OR_NO_LIMIT, OR_NO_LIMIT };
    or_v2_opened_t    o;        /* several keys may be tried: one here */
    char              sector[OR_PRINTABLE_MAX(OR_V2_SECTOR_LEN_MAX)];
    char              ip[OR_PRINTABLE_MAX(OR_V2_IP_LEN_MAX)];
    or_errbuf_t       eb;
    or_err_t          rc;

    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    len = fread(token, 1, sizeof(token), f);
    fclose(f);
    if (len == sizeof(token)) {
        fprintf(stderr, "%s: over %d bytes, not a beacon\n", path,
            OR_BEACON_MAX);
        return 1;
    }
    while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r')) {
        len--;
    }

    /* PBKDF2, 100000 iterations: a daemon derives once per config load */
    rc = or_fernet_derive(passphrase, strlen(passphrase), &fk, &eb);
    if (rc != OR_OK) {
        return fail("passphrase", rc, &eb);
    }

    t.now = (int64_t) time(NULL);
    rc = or_v2_beacon_open(&fk, 1, token, len, &t, &o, &eb);
    or_fernet_free(fk);
    if (rc != OR_OK) {
        return fail(path, rc, &eb);
    }

    /* peer text: a beacon may carry terminal control bytes */
    printf("beacon from %s sector %s at %s:%u\n", o.beacon.fingerprint,
        or_printable(o.beacon.sector, strlen(o.beacon.sector), sector,
            sizeof(sector), 0),
        o.beacon.ip[0] ? or_printable(o.beacon.ip, strlen(o.beacon.ip), ip,
            sizeof(ip), 0) : "-",
        (unsigned) o.beacon.port);
    return 0;
}

static int
fail(const char *what, or_err_t rc, const or_errbuf_t *eb)
{
    fprintf(stderr, "openred-example: %s: %s (%s): %s\n", what,
        or_strerror(rc), or_reason_name(eb->reason), eb->msg);
    return 1;
}
