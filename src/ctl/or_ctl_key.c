/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openredctl key: generate an identity key file, print a key file's
 * fingerprint. Local: no daemon, only libopenred.
 */
#include "or_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "openred.h"

#define KEY_USAGE  "Usage: openredctl key generate [--force] FILE\n" \
                   "       openredctl key fingerprint FILE\n"

/*
 * Without --force the name is taken first with O_EXCL, so that two runs
 * (or a file appearing meanwhile) cannot be overwritten; or_key_save then
 * renames the new key over our empty placeholder.
 */
static int
key_generate(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "force", no_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 }
    };
    or_key_t    *key = NULL;
    or_errbuf_t  eb;
    const char  *path;
    int          c, force = 0, fd = -1, rc = OR_CTL_EXIT_FAILURE;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c != 'f') {
            fputs(KEY_USAGE, stderr);
            return OR_CTL_EXIT_USAGE;
        }
        force = 1;
    }
    if (optind != argc - 1) {
        fputs(KEY_USAGE, stderr);
        return OR_CTL_EXIT_USAGE;
    }
    path = argv[optind];
    if (!force) {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            fprintf(stderr, "openredctl: key: %s \"%s\": %s\n",
                    errno == EEXIST ? "will not overwrite" : "create", path,
                    errno == EEXIST ? "it exists (use --force to replace "
                    "it)" : strerror(errno));
            return OR_CTL_EXIT_FAILURE;
        }
        close(fd);
    }
    if (or_key_generate(&key, &eb) != OR_OK
        || or_key_save(key, path, &eb) != OR_OK)
    {
        fprintf(stderr, "openredctl: key: %s\n", eb.msg);
        goto done;
    }
    printf("%s\n", or_key_fingerprint(key));
    rc = OR_CTL_EXIT_OK;

done:
    if (rc != OR_CTL_EXIT_OK && !force) {
        unlink(path);       /* our placeholder, or the failed save's */
    }
    or_key_free(key);
    return rc;
}

/* A public key PEM (a peer's *.pub.pem) is checked as a received key. */
static int
pubkey_fingerprint(const char *path, const or_errbuf_t *private_eb)
{
    or_pubkey_t  *pk = NULL;
    or_errbuf_t   eb;
    char          pem[OR_PUBKEY_PEM_MAX], err[512];
    size_t        n = 0;

    if (or_ctl_file_read(path, pem, sizeof(pem), &n, err, sizeof(err))
        != OR_OK || memmem(pem, n, "-----BEGIN PUBLIC KEY-----", 26) == NULL)
    {
        fprintf(stderr, "openredctl: key: %s\n", private_eb->msg);
        return OR_CTL_EXIT_FAILURE;
    }
    if (or_pubkey_import(pem, n, &pk, &eb) != OR_OK) {
        fprintf(stderr, "openredctl: key: \"%s\": %s\n", path, eb.msg);
        return OR_CTL_EXIT_FAILURE;
    }
    printf("%s\n", or_pubkey_fingerprint(pk));
    or_pubkey_free(pk);
    return OR_CTL_EXIT_OK;
}

/* Mode is not checked: printing a fingerprint uses no secret. */
static int
key_fingerprint(int argc, char **argv)
{
    or_key_t    *key = NULL;
    or_errbuf_t  eb;

    if (argc != 2 || argv[1][0] == '-') {
        fputs(KEY_USAGE, stderr);
        return OR_CTL_EXIT_USAGE;
    }
    if (or_key_load_any_mode(argv[1], 0, &key, &eb) != OR_OK) {
        if (eb.reason == OR_R_BAD_PEM) {
            return pubkey_fingerprint(argv[1], &eb);
        }
        fprintf(stderr, "openredctl: key: %s\n", eb.msg);
        return OR_CTL_EXIT_FAILURE;
    }
    printf("%s\n", or_key_fingerprint(key));
    or_key_free(key);
    return OR_CTL_EXIT_OK;
}

int
or_ctl_key_main(or_ctl_t *ctl, int argc, char **argv)
{
    (void) ctl;
    if (argc >= 2 && strcmp(argv[1], "generate") == 0) {
        return key_generate(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "fingerprint") == 0) {
        return key_fingerprint(argc - 1, argv + 1);
    }
    fputs(KEY_USAGE, stderr);
    return OR_CTL_EXIT_USAGE;
}
