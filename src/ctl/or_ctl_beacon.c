/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openredctl beacon: open a captured discovery token with a passphrase and
 * print its JSON, or say why it does not open; seal JSON into a token.
 * Local: no daemon, only libopenred (PROTOCOL-v2.md "Discovery beacons").
 */
#include "or_ctl.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "openred.h"

#define BEACON_USAGE \
    "Usage: openredctl beacon open PASS [--ttl SECONDS] [FILE|-]\n" \
    "       openredctl beacon seal PASS [FILE|-]\n" \
    "PASS is --passphrase P, --passphrase-file F (first line), or else\n" \
    "the environment variable OPENRED_PASSPHRASE; the last two keep the\n" \
    "passphrase out of ps. open reads one token (FILE, or stdin) and\n" \
    "prints its JSON. Without --ttl it does not check the token's age,\n" \
    "like the original, so an old captured token still opens. seal reads\n" \
    "JSON and prints a token; it warns if that is not a v2 beacon.\n"

#define TTL_MAX    INT_MAX  /* s */
#define SKEW_S     60       /* s, a token from the future, as the daemon */

typedef struct {
    const char  *input;         /* FILE, "-" or NULL (stdin); borrowed */
    int64_t      ttl;           /* s, or OR_NO_LIMIT */
    int          raw;           /* --json: the plaintext as it opened */
    char         pass[OR_PASSPHRASE_MAX + 2];
    size_t       passlen;
} beacon_args_t;

static void
trim(const char *buf, size_t *n)
{
    while (*n > 0 && strchr(" \t\r\n", buf[*n - 1]) != NULL) {
        (*n)--;
    }
}

/* Exactly one source; a file's trailing newline is not part of it. */
static int
get_passphrase(beacon_args_t *a, const char *opt, const char *file)
{
    const char  *env = getenv("OPENRED_PASSPHRASE");
    char         err[512];
    size_t       n = 0;

    if (opt != NULL && file != NULL) {
        fprintf(stderr, "openredctl: beacon: --passphrase and "
                "--passphrase-file exclude each other\n");
        return OR_CTL_EXIT_USAGE;
    }
    if (file != NULL) {
        if (or_ctl_file_read(file, a->pass, OR_PASSPHRASE_MAX + 1, &n, err,
                             sizeof(err)) != OR_OK)
        {
            fprintf(stderr, "openredctl: beacon: passphrase file: %s\n", err);
            return OR_CTL_EXIT_FAILURE;
        }
        while (n > 0 && (a->pass[n - 1] == '\n' || a->pass[n - 1] == '\r')) {
            n--;
        }
    } else if (opt != NULL || env != NULL) {
        n = strlen(opt ? opt : env);
        memcpy(a->pass, opt ? opt : env,
               n <= OR_PASSPHRASE_MAX ? n : OR_PASSPHRASE_MAX + 1);
    } else {
        fprintf(stderr, "openredctl: beacon: no passphrase: give "
                "--passphrase, --passphrase-file or OPENRED_PASSPHRASE\n");
        return OR_CTL_EXIT_USAGE;
    }
    if (n < 1 || n > OR_PASSPHRASE_MAX) {
        fprintf(stderr, "openredctl: beacon: the passphrase has %zu bytes, "
                "expected 1..%d\n", n, OR_PASSPHRASE_MAX);
        return OR_CTL_EXIT_USAGE;
    }
    a->passlen = n;
    return OR_CTL_EXIT_OK;
}

static int
parse_ttl(const char *s, int64_t *ttl)
{
    char       *end;
    long long   v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > TTL_MAX) {
        fprintf(stderr, "openredctl: beacon: --ttl \"%s\": expected "
                "seconds, 0..%d\n", s, TTL_MAX);
        return OR_CTL_EXIT_USAGE;
    }
    *ttl = v;
    return OR_CTL_EXIT_OK;
}

static int
parse_args(int argc, char **argv, int opening, beacon_args_t *a)
{
    static const struct option longopts[] = {
        { "passphrase", required_argument, NULL, 'p' },
        { "passphrase-file", required_argument, NULL, 'f' },
        { "ttl", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 }
    };
    const char  *opt = NULL, *file = NULL;
    int          c, rc = OR_CTL_EXIT_OK;

    a->ttl = OR_NO_LIMIT;
    optind = 1;
    while (rc == OR_CTL_EXIT_OK
           && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
    {
        switch (c) {
        case 'p': opt = optarg; break;
        case 'f': file = optarg; break;
        case 't':
            rc = opening ? parse_ttl(optarg, &a->ttl) : OR_CTL_EXIT_USAGE;
            break;
        default:  rc = OR_CTL_EXIT_USAGE; break;
        }
    }
    if (rc == OR_CTL_EXIT_OK && optind < argc - 1) {
        rc = OR_CTL_EXIT_USAGE;
    }
    if (rc != OR_CTL_EXIT_OK) {
        fputs(BEACON_USAGE, stderr);
        return rc;
    }
    a->input = optind < argc ? argv[optind] : NULL;
    return get_passphrase(a, opt, file);
}

/* PBKDF2, 100000 iterations: a fraction of a second, once per run. */
static int
derive(beacon_args_t *a, or_fernet_t **fk)
{
    or_errbuf_t  eb;
    or_err_t     rc;

    rc = or_fernet_derive(a->pass, a->passlen, fk, &eb);
    explicit_bzero(a->pass, sizeof(a->pass));
    if (rc != OR_OK) {
        fprintf(stderr, "openredctl: beacon: %s\n", eb.msg);
        return OR_CTL_EXIT_FAILURE;
    }
    return OR_CTL_EXIT_OK;
}

static void
check_v2(const char *json, size_t len, const char *what)
{
    or_v2_beacon_t  b;
    or_errbuf_t     eb;

    if (or_v2_beacon_parse(json, len, &b, &eb) != OR_OK) {
        fprintf(stderr, "openredctl: beacon: warning: %s is not a v2 "
                "beacon: %s\n", what, eb.msg);
    }
}

/* Opened as the daemon opens a datagram (or_v2_beacon_open), with the one
 * key; a plaintext that is not a v2 beacon is still shown, with why. */
static int
beacon_open(beacon_args_t *a)
{
    or_fernet_time_t  t = { time(NULL), a->ttl, OR_NO_LIMIT };
    or_fernet_t      *fk = NULL;
    or_v2_opened_t    o;
    or_errbuf_t       eb;
    char              token[OR_BEACON_MAX + 64], err[512];
    size_t            n = 0;
    or_err_t          orc;
    int               rc;

    /* the daemon's skew limit goes with a ttl; without one, none */
    t.max_skew = a->ttl == OR_NO_LIMIT ? OR_NO_LIMIT : SKEW_S;
    if (or_ctl_file_read(a->input, token, sizeof(token), &n, err,
                         sizeof(err)) != OR_OK)
    {
        fprintf(stderr, "openredctl: beacon: %s\n", err);
        return OR_CTL_EXIT_FAILURE;
    }
    trim(token, &n);
    if (n > OR_BEACON_MAX) {
        fprintf(stderr, "openredctl: beacon: token of %zu bytes, bound %d\n",
                n, OR_BEACON_MAX);
        return OR_CTL_EXIT_FAILURE;
    }
    rc = derive(a, &fk);
    if (rc != OR_CTL_EXIT_OK) {
        return rc;
    }
    orc = or_v2_beacon_open(&fk, 1, token, n, &t, &o, &eb);
    or_fernet_free(fk);
    if (orc != OR_OK && !o.decrypted) {
        fprintf(stderr, "openredctl: beacon: %s\n", eb.msg);
        return OR_CTL_EXIT_FAILURE;
    }
    /* a captured token is anyone's: its control bytes are escaped
     * (or_printable) unless the bytes themselves are asked for */
    if (a->raw) {
        fwrite(o.plain, 1, o.plainlen, stdout);
    } else {
        or_ctl_put(stdout, (const char *) o.plain, o.plainlen
                   - (o.plainlen > 0 && o.plain[o.plainlen - 1] == '\n'));
    }
    if (o.plainlen == 0 || o.plain[o.plainlen - 1] != '\n' || !a->raw) {
        putchar('\n');
    }
    if (orc != OR_OK) {
        fprintf(stderr, "openredctl: beacon: warning: the plaintext is not "
                "a v2 beacon: %s\n", eb.msg);
    }
    return fflush(stdout) == 0 ? OR_CTL_EXIT_OK : OR_CTL_EXIT_FAILURE;
}

static int
beacon_seal(beacon_args_t *a)
{
    or_fernet_t  *fk = NULL;
    or_errbuf_t   eb;
    char          plain[OR_BEACON_PLAIN_MAX], token[OR_BEACON_MAX + 1];
    char          err[512];
    size_t        n = 0, toklen = 0;
    int           rc;

    if (or_ctl_file_read(a->input, plain, sizeof(plain), &n, err,
                         sizeof(err)) != OR_OK)
    {
        fprintf(stderr, "openredctl: beacon: %s\n", err);
        return OR_CTL_EXIT_FAILURE;
    }
    trim(plain, &n);
    check_v2(plain, n, "the input");
    rc = derive(a, &fk);
    if (rc != OR_CTL_EXIT_OK) {
        return rc;
    }
    if (or_fernet_seal(fk, plain, n, time(NULL), token, sizeof(token),
                       &toklen, &eb) != OR_OK)
    {
        fprintf(stderr, "openredctl: beacon: %s\n", eb.msg);
        or_fernet_free(fk);
        return OR_CTL_EXIT_FAILURE;
    }
    or_fernet_free(fk);
    printf("%.*s\n", (int) toklen, token);
    return fflush(stdout) == 0 ? OR_CTL_EXIT_OK : OR_CTL_EXIT_FAILURE;
}

int
or_ctl_beacon_main(or_ctl_t *ctl, int argc, char **argv)
{
    beacon_args_t  a;
    int            opening, rc;

    if (argc < 2 || (strcmp(argv[1], "open") != 0
                     && strcmp(argv[1], "seal") != 0))
    {
        fputs(BEACON_USAGE, stderr);
        return OR_CTL_EXIT_USAGE;
    }
    memset(&a, 0, sizeof(a));
    a.raw = ctl->json;
    opening = strcmp(argv[1], "open") == 0;
    rc = parse_args(argc - 1, argv + 1, opening, &a);
    if (rc != OR_CTL_EXIT_OK) {
        explicit_bzero(a.pass, sizeof(a.pass));
        return rc;
    }
    return opening ? beacon_open(&a) : beacon_seal(&a);
}
