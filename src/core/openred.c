/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * main(): flags, -t/-T/-v/-V/-s, the first cycle, then the master. Reads as
 * the table of contents of the daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "or_auto_config.h"
#include "or_conf.h"
#include "or_cycle.h"
#include "or_module.h"
#include "or_process.h"
#include "or_proctitle.h"

typedef struct {
    const char *conf_file;
    const char *prefix;
    const char *directives;
    const char *signal;      /* -s NAME */
    int         test;        /* -t */
    int         dump;        /* -T */
    int         quiet;       /* -q: only errors from -t */
} or_options_t;

static void
usage(FILE *out)
{
    fprintf(out,
        "Usage: openred [-hvVtTq] [-s signal] [-c file] [-p prefix] "
        "[-g directives]\n\n"
        "Options:\n"
        "  -h            this help\n"
        "  -v            show version and exit\n"
        "  -V            show version, compiler, configure arguments and "
        "modules\n"
        "  -t            test the configuration and exit\n"
        "  -T            test the configuration, print it and exit\n"
        "  -q            suppress non-error messages while testing\n"
        "  -s signal     send a signal to the master: stop, quit, reopen, "
        "reload\n"
        "  -p prefix     set the prefix path (default: %s)\n"
        "  -c file       set the configuration file (default: %s)\n"
        "  -g directives extra settings in config syntax, e.g. "
        "'daemon = false;'\n",
        OR_PREFIX, OR_CONF_PATH);
}

static void
show_version(int full)
{
    printf("openred version: openred/%s\n", OR_VERSION);
    if (!full) {
        return;
    }
    printf("built by %s\n", OR_CC_VERSION);
    printf("configure arguments: %s\n", OR_CONFIGURE_ARGS);
    printf("modules: %s\n", OR_MODULE_NAMES);
}

static int
parse_options(int argc, char **argv, or_options_t *o)
{
    int c;

    while ((c = getopt(argc, argv, "hvVtTqs:c:p:g:")) != -1) {
        switch (c) {
        case 'h': usage(stdout); exit(0);
        case 'v': show_version(0); exit(0);
        case 'V': show_version(1); exit(0);
        case 't': o->test = 1; break;
        case 'T': o->test = 1; o->dump = 1; break;
        case 'q': o->quiet = 1; break;
        case 's': o->signal = optarg; break;
        case 'c': o->conf_file = optarg; break;
        case 'p': o->prefix = optarg; break;
        case 'g': o->directives = optarg; break;
        default:  usage(stderr); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "openred: unexpected argument \"%s\"\n",
                argv[optind]);
        usage(stderr);
        return -1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    or_options_t      o = { NULL, OR_PREFIX, NULL, NULL, 0, 0, 0 };
    or_conf_report_t  report = { NULL, 0, 0, 0 };
    or_cycle_t       *cycle;
    char             *conf;
    int               rc;

    /* before getopt: optarg points into argv, which a title overwrites
     * (every value read from it is copied before the first title) */
    if (or_proctitle_init(argc, argv) != OR_OK) {
        fprintf(stderr, "openred: out of memory\n");
        return 1;
    }
    if (parse_options(argc, argv, &o) != 0) {
        return 2;
    }
    cycle = or_cycle_new(o.prefix, OR_CONF_PATH, o.directives);
    if (cycle == NULL) {
        fprintf(stderr, "openred: out of memory\n");
        return 1;
    }
    /* -c is relative to the working directory, the default to prefix. */
    conf = o.conf_file ? strdup(o.conf_file)
                       : or_cycle_path(cycle, OR_CONF_PATH);
    if (conf == NULL) {
        or_cycle_free(cycle);
        return 1;
    }
    free(cycle->conf_file);
    cycle->conf_file = conf;

    if (or_conf_load(cycle, conf, o.directives, &report) != OR_OK) {
        fprintf(stderr, "%s", report.text ? report.text : "");
        fprintf(stderr, "openred: configuration file %s test failed\n",
                conf);
        or_conf_report_free(&report);
        or_cycle_free(cycle);
        return 1;
    }
    or_conf_report_free(&report);

    if (o.signal != NULL) {
        rc = or_process_signal(cycle, o.signal);
        or_cycle_free(cycle);
        return rc == OR_OK ? 0 : 1;
    }
    if (o.test) {
        rc = or_process_check(cycle);
        if (rc == OR_OK && o.dump) {
            fflush(stdout);
            or_conf_dump(cycle, STDOUT_FILENO);
        }
        if (rc == OR_OK && !o.quiet) {
            fprintf(stderr, "openred: configuration file %s test is "
                    "successful\n", conf);
        } else if (rc != OR_OK) {
            fprintf(stderr, "openred: configuration file %s test failed\n",
                    conf);
        }
        or_cycle_free(cycle);
        return rc == OR_OK ? 0 : 1;
    }

    or_cycle = cycle;
    rc = or_process_master(cycle);
    return rc == OR_OK ? 0 : 1;
}
