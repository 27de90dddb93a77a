/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openredctl connect: asks the daemon to dial a peer, then follows the
 * event ring until that peer's handshake succeeds or fails.
 */
#include "or_ctl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CONNECT_WAIT_S  30          /* longest handshake_timeout + margin */

/* Waits for the outcome of the dial to peer: 0 established, 1 failed. */
static int
connect_wait(or_ctl_t *ctl, const char *peer, json_int_t since)
{
    time_t      end = time(NULL) + CONNECT_WAIT_S;
    json_t     *r, *ev;
    const char *type, *p;
    char        err[512];
    size_t      i;

    while (time(NULL) < end) {
        r = or_ctl_watch_poll(ctl, since, err, sizeof(err));
        if (r == NULL) {
            fprintf(stderr, "openredctl: connect: %s\n", err);
            return OR_CTL_EXIT_FAILURE;
        }
        json_array_foreach(json_object_get(r, "events"), i, ev) {
            type = json_string_value(json_object_get(ev, "type"));
            p = json_string_value(json_object_get(ev, "peer"));
            /* events name the 16-hex fingerprint; a v3 dial may give the
             * 64-hex id it starts */
            if (type == NULL || p == NULL || p[0] == '\0'
                || strncmp(p, peer, strlen(p)) != 0)
            {
                continue;
            }
            if (strcmp(type, "session_established") == 0
                || strcmp(type, "handshake_failed") == 0)
            {
                int ok = type[0] == 's';

                or_ctl_event_print(ctl, ev);
                json_decref(r);
                return ok ? OR_CTL_EXIT_OK : OR_CTL_EXIT_FAILURE;
            }
        }
        since = json_integer_value(json_object_get(r, "last"));
        json_decref(r);
        usleep(OR_CTL_WATCH_POLL_US);
    }
    fprintf(stderr, "openredctl: connect: no outcome within %d s\n",
            CONNECT_WAIT_S);
    return OR_CTL_EXIT_FAILURE;
}

int
or_ctl_connect_main(or_ctl_t *ctl, int argc, char **argv)
{
    json_t *req, *r = NULL;
    char    err[512];
    int     rc;

    if (argc != 4) {
        fprintf(stderr, "Usage: openredctl connect NODE_ID HOST:PORT "
                "FINGERPRINT\n");
        return OR_CTL_EXIT_USAGE;
    }
    req = json_pack("{s:s, s:s, s:s, s:s}", "command", "connect", "node",
                    argv[1], "address", argv[2], "peer", argv[3]);
    if (req == NULL || or_ctl_request(ctl, req, &r, err, sizeof(err))
                       != OR_OK)
    {
        fprintf(stderr, "openredctl: connect: %s\n", req ? err
                : "out of memory");
        json_decref(req);
        return OR_CTL_EXIT_FAILURE;
    }
    json_decref(req);
    rc = connect_wait(ctl, argv[3],
                      json_integer_value(json_object_get(r, "since")));
    json_decref(r);
    return rc;
}

