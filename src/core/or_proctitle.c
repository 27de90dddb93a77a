/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Process titles (nginx's ngx_setproctitle.c does the argv rewrite by
 * hand; libbsd does the same and keeps it in one maintained place).
 */
#include "or_proctitle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/unistd.h>

#define OR_PROCTITLE_MAX  1024

extern char **environ;

/* The command line joined with spaces: setproctitle overwrites argv. */
static char *argv_text;
static int   ready;

or_err_t
or_proctitle_init(int argc, char **argv)
{
    size_t len = 1;

    for (int i = 0; i < argc; i++) {
        len += strlen(argv[i]) + 1;
    }
    argv_text = calloc(1, len);
    if (argv_text == NULL) {
        return OR_ENOMEM;
    }
    for (int i = 0; i < argc; i++) {
        if (i > 0) {
            strcat(argv_text, " ");
        }
        strcat(argv_text, argv[i]);
    }
    setproctitle_init(argc, argv, environ);
    ready = 1;
    return OR_OK;
}

void
or_proctitle_set(const char *fmt, ...)
{
    char    buf[OR_PROCTITLE_MAX];
    va_list ap;

    if (!ready) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    /* "-": no "progname: " of libbsd's own, ours is fixed */
    setproctitle("-openred: %s", buf);
}

const char *
or_proctitle_argv(void)
{
    return argv_text ? argv_text : "";
}
