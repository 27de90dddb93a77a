/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* openredctl sessions: every established session of every worker. */
#include "or_ctl.h"

#include <stdio.h>
#include <time.h>

/* pages asked at most: 100,000 sessions a page would be 10^11 */
#define CTL_SESSIONS_PAGES  100000

json_t *
or_ctl_sessions_all(or_ctl_t *ctl, char *err, size_t errlen)
{
    json_t      *all = json_array(), *req, *r, *page;
    json_int_t   total;
    size_t       got;

    for (size_t n = 0; all != NULL && n < CTL_SESSIONS_PAGES; n++) {
        r = NULL;
        req = json_pack("{s:s, s:I}", "command", "sessions", "offset",
                        (json_int_t) json_array_size(all));
        if (req == NULL || or_ctl_request(ctl, req, &r, err, errlen)
                           != OR_OK)
        {
            if (req == NULL) {
                snprintf(err, errlen, "out of memory");
            }
            json_decref(req);
            json_decref(all);
            return NULL;
        }
        json_decref(req);
        page = json_object_get(r, "sessions");
        total = json_integer_value(json_object_get(r, "total"));
        if (!json_is_array(page) || json_array_extend(all, page) != 0) {
            snprintf(err, errlen, "a reply without sessions");
            json_decref(r);
            json_decref(all);
            return NULL;
        }
        got = json_array_size(page);
        json_decref(r);                 /* page with it */
        if (got == 0 || (json_int_t) json_array_size(all) >= total) {
            return all;
        }
    }
    return all;
}

int
or_ctl_sessions_main(or_ctl_t *ctl, int argc, char **argv)
{
    json_t         *a, *v;
    char            err[512], since[32], msgs[48], bytes[48], last[32];
    time_t          now;
    size_t          i;
    or_ctl_text_t   txt[6];

    (void) argv;
    if (argc != 1) {
        fprintf(stderr, "Usage: openredctl sessions [--json]\n");
        return OR_CTL_EXIT_USAGE;
    }
    a = or_ctl_sessions_all(ctl, err, sizeof(err));
    if (a == NULL) {
        fprintf(stderr, "openredctl: sessions: %s\n", err);
        return OR_CTL_EXIT_FAILURE;
    }
    if (ctl->json) {
        json_dumpf(a, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(a);
        return OR_CTL_EXIT_OK;
    }
    /* SESSION: a v3 session's id, or a v2 session's mutual link */
    printf("%-12s %-16s %-3s %-21s %-3s %-17s %-32s %-19s %13s %17s %-8s "
           "%s\n", "NODE", "PEER", "DIR", "ADDRESS", "VER", "SUITE",
           "SESSION", "SINCE", "MSGS IN/OUT", "BYTES IN/OUT", "IDLE",
           "WORKER");
    now = time(NULL);
    json_array_foreach(a, i, v) {
        time_t    t = (time_t) or_ctl_int(v, "since");
        long long idle = (long long) (now - or_ctl_int(v, "last_activity"));
        struct tm tm;

        strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S",
                 localtime_r(&t, &tm));
        int v3 = or_ctl_int(v, "version") == 3;

        snprintf(msgs, sizeof(msgs), "%lld/%lld", or_ctl_int(v, "messages_in"),
                 or_ctl_int(v, "messages_out"));
        snprintf(bytes, sizeof(bytes), "%lld/%lld", or_ctl_int(v, "bytes_in"),
                 or_ctl_int(v, "bytes_out"));
        /* idle: since the last message either way (or since it began) */
        snprintf(last, sizeof(last), "%llds", idle < 0 ? 0 : idle);
        printf("%-12s %-16s %-3s %-21s v%-2lld %-17s %-32s %-19s %13s %17s "
               "%-8s #%lld\n",
               or_ctl_str(v, "node", &txt[0]), or_ctl_str(v, "peer", &txt[1]),
               or_ctl_str(v, "direction", &txt[2]),
               or_ctl_str(v, "address", &txt[3]), or_ctl_int(v, "version"),
               v3 ? or_ctl_str(v, "suite", &txt[4]) : "-",
               or_ctl_str(v, v3 ? "session_id" : "mutual_link", &txt[5]),
               since, msgs, bytes, last,
               or_ctl_int(v, "worker"));
    }
    json_decref(a);
    return OR_CTL_EXIT_OK;
}
