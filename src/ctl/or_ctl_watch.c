/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openredctl watch: follows the daemon's event ring by polling `watch`
 * with the last sequence number seen (the control socket answers one line
 * per request; see docs/ARCHITECTURE.md "Handshake"). connect uses the
 * same poll and printer to wait for its outcome.
 */
#include "or_ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

json_t *
or_ctl_watch_poll(or_ctl_t *ctl, json_int_t since, char *err, size_t errlen)
{
    json_t *req = since < 0 ? json_pack("{s:s}", "command", "watch")
                  : json_pack("{s:s, s:I}", "command", "watch", "since",
                              since);
    json_t *r = NULL;

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

void
or_ctl_event_print(or_ctl_t *ctl, json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t     *rest;
    char       *text, when[32];
    time_t      at;
    struct tm   tm;

    if (ctl->json) {
        json_dumpf(ev, stdout, JSON_COMPACT);
        putchar('\n');
        fflush(stdout);
        return;
    }
    rest = json_deep_copy(ev);
    json_object_del(rest, "type");
    json_object_del(rest, "seq");
    json_object_del(rest, "time");
    /* a person reads local time; --json keeps the epoch for programs */
    at = (time_t) json_integer_value(json_object_get(ev, "time"));
    if (json_is_integer(json_object_get(ev, "time"))
        && localtime_r(&at, &tm) != NULL
        && strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) > 0)
    {
        printf("%s ", when);
    }
    text = json_dumps(rest, JSON_COMPACT);
    /* jansson escapes C0 in the JSON, not DEL, C1 or bidi controls: a
     * peer's message text is printed through or_printable */
    or_ctl_put(stdout, type ? type : "?", type ? strlen(type) : 1);
    printf("%*s ", type && strlen(type) < 20 ? (int) (20 - strlen(type))
           : 0, "");
    or_ctl_put(stdout, text ? text : "", text ? strlen(text) : 0);
    putchar('\n');
    fflush(stdout);
    free(text);
    json_decref(rest);
}

int
or_ctl_watch_main(or_ctl_t *ctl, int argc, char **argv)
{
    json_t    *r, *ev;
    json_int_t since = -1;
    char       err[512];
    size_t     i;

    (void) argv;
    if (argc != 1) {
        fprintf(stderr, "Usage: openredctl watch [--json]\n");
        return OR_CTL_EXIT_USAGE;
    }
    for (;;) {
        r = or_ctl_watch_poll(ctl, since, err, sizeof(err));
        if (r == NULL) {
            fprintf(stderr, "openredctl: watch: %s\n", err);
            return OR_CTL_EXIT_FAILURE;
        }
        json_array_foreach(json_object_get(r, "events"), i, ev) {
            or_ctl_event_print(ctl, ev);
        }
        since = json_integer_value(json_object_get(r, "last"));
        json_decref(r);
        usleep(OR_CTL_WATCH_POLL_US);
    }
}
