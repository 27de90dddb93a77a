/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for or_conf_load_string (-t from a string): no crash or
 * leak, errors start with FILE:LINE, and what loads dumps (-T) to a text
 * that loads and dumps the same. Run with -detect_leaks=0 and LSAN_OPTIONS=
 * leak_check_at_exit=0: it checks leaks itself, see below.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libconfig.h>
#include <sanitizer/allocator_interface.h>
#include <sanitizer/lsan_interface.h>

#include "or_conf.h"
#include "or_cycle.h"

#define NAME  "fuzz.conf"

static char  dump1[65536], dump2[65536];    /* -T's text */

static or_err_t
load(const char *text, char *dump)
{
    or_cycle_t        *cycle = or_cycle_new("/tmp/fuzz-prefix", NAME, NULL);
    or_conf_report_t   report = { NULL, 0, 0, 0 };
    or_err_t           rc = or_conf_load_string(cycle, NAME, text, &report);
    int                fd = memfd_create("dump", 0);
    ssize_t            n;

    if (rc == OR_OK) {
        or_conf_dump(cycle, fd);
    }
    n = pread(fd, dump, sizeof(dump1) - 1, 0);
    close(fd);
    if ((rc == OR_OK) != (report.nerrors == 0) || n < 0
        || (rc != OR_OK && strncmp(report.text, NAME ":", sizeof(NAME)))
        || (rc == OR_OK && (n == 0 || (size_t) n == sizeof(dump1) - 1)))
    {
        abort();
    }
    dump[n] = '\0';
    or_conf_report_free(&report);
    or_cycle_free(cycle);
    return rc;
}

/* libconfig < 1.7.3 leaks a token on a syntax error (hyperrealm/libconfig
 * #142): only input it parses is leak-checked, if blocks were left over */
static long  live, counting;

static void
on_malloc(const volatile void *p, size_t n)
{
    live += counting;
}

static void
on_free(const volatile void *p)
{
    live -= counting;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char      *text = strndup((const char *) data, size);
    config_t   cf;

    /* @include reads files (/dev/zero never ends): not the parser's input */
    if (text != NULL && strcasestr(text, "@include") == NULL) {
        config_init(&cf);
        counting = config_read_string(&cf, text) == CONFIG_TRUE;
        config_destroy(&cf);
        live = 0;
        /* -T loads and dumps the same */
        if ((load(text, dump1) == OR_OK
             && (load(dump1, dump2) != OR_OK || strcmp(dump1, dump2) != 0))
            || (counting && live > 0 && __lsan_do_recoverable_leak_check()))
        {
            abort();
        }
    }
    free(text);
    return 0;
}
