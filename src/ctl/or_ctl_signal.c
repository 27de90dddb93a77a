/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openredctl reload | stop | quit | reopen: what `openred -s` does, for a
 * daemon found through its control socket (-S, OPENRED_SOCKET or the
 * config), so the operator needs no -p/-c of the start. The master's pid
 * comes from `status`; the signal is sent from here (the workers behind
 * the socket have dropped the privileges to signal the master). reload
 * then waits for the master's outcome in status ("last_reload").
 */
#include "or_ctl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define OR_CTL_RELOAD_WAIT_S  60    /* s, as openred -s reload */

static const struct {
    const char *name;
    int         signo;
    const char *signame;
} signals[] = {
    { "reload", SIGHUP,  "SIGHUP" },
    { "stop",   SIGTERM, "SIGTERM" },
    { "quit",   SIGQUIT, "SIGQUIT" },
    { "reopen", SIGUSR1, "SIGUSR1" },
};

static json_t *
status(or_ctl_t *ctl, char *err, size_t errlen)
{
    json_t *req = json_pack("{s:s}", "command", "status"), *r = NULL;

    if (req == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (or_ctl_request(ctl, req, &r, err, errlen) != OR_OK) {
        r = NULL;
    }
    json_decref(req);
    return r;
}

static long long
reload_seq(json_t *st)
{
    return or_ctl_int(json_object_get(st, "last_reload"), "seq");
}

/* The daemon's reason, line by line, each escaped (it quotes the config) */
static void
print_lines(const char *text)
{
    const char *nl;

    while (text != NULL && *text != '\0') {
        nl = strchr(text, '\n');
        or_ctl_put(stderr, text, nl ? (size_t) (nl - text) : strlen(text));
        fputc('\n', stderr);
        text = nl ? nl + 1 : NULL;
    }
}

/* Polls status until the master has handled a reload after before. A
 * request may fail meanwhile (worker 0 is being replaced): retried. */
static int
reload_wait(or_ctl_t *ctl, long long before)
{
    char             err[512] = "";
    json_t          *st, *lr;
    struct timespec  now, end;

    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += OR_CTL_RELOAD_WAIT_S;
    for (;;) {
        st = status(ctl, err, sizeof(err));
        if (st != NULL && reload_seq(st) > before) {
            lr = json_object_get(st, "last_reload");
            if (ctl->json) {
                json_dumpf(lr, stdout, JSON_COMPACT);
                fputc('\n', stdout);
            }
            if (json_is_true(json_object_get(lr, "ok"))) {
                json_decref(st);
                return OR_CTL_EXIT_OK;
            }
            if (!ctl->json) {
                print_lines(json_string_value(json_object_get(lr, "error")));
                fprintf(stderr, "openredctl: reload: failed, the daemon "
                        "keeps the running configuration\n");
            }
            json_decref(st);
            return OR_CTL_EXIT_FAILURE;
        }
        json_decref(st);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec >= end.tv_sec) {
            fprintf(stderr, "openredctl: reload: signal sent, no outcome in "
                    "%d s%s%s: see the daemon's log\n", OR_CTL_RELOAD_WAIT_S,
                    err[0] ? ", last error: " : "", err);
            return OR_CTL_EXIT_FAILURE;
        }
        usleep(100000);
    }
}

int
or_ctl_signal_main(or_ctl_t *ctl, int argc, char **argv)
{
    char       err[512];
    json_t    *st;
    long long  pid, before;
    size_t     i;

    for (i = 0; i < sizeof(signals) / sizeof(signals[0])
                && strcmp(signals[i].name, argv[0]) != 0; i++) {
    }
    if (argc != 1 || i == sizeof(signals) / sizeof(signals[0])) {
        fprintf(stderr, "Usage: openredctl %s [--json]\n", argv[0]);
        return OR_CTL_EXIT_USAGE;
    }
    st = status(ctl, err, sizeof(err));
    if (st == NULL) {
        fprintf(stderr, "openredctl: %s: %s\n", argv[0], err);
        return OR_CTL_EXIT_FAILURE;
    }
    pid = or_ctl_int(st, "pid");
    before = reload_seq(st);
    json_decref(st);
    if (pid <= 1) {
        fprintf(stderr, "openredctl: %s: the daemon's status gives no "
                "master pid\n", argv[0]);
        return OR_CTL_EXIT_FAILURE;
    }
    if (kill((pid_t) pid, signals[i].signo) == -1) {
        fprintf(stderr, "openredctl: %s: kill(%lld, %s) failed: %s%s\n",
                argv[0], pid, signals[i].signame, strerror(errno),
                errno == EPERM ? " (run as root or as the master's user)"
                               : "");
        return OR_CTL_EXIT_FAILURE;
    }
    if (signals[i].signo == SIGHUP) {
        return reload_wait(ctl, before);
    }
    if (ctl->json) {
        printf("{\"pid\":%lld,\"signal\":\"%s\"}\n", pid, signals[i].signame);
    }
    return OR_CTL_EXIT_OK;
}
