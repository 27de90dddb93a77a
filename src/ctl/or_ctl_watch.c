/*
 * openredctl watch and connect: both follow the daemon's event ring by
 * polling `watch` with the last sequence number seen (the control socket
 * answers one line per request; see docs/ARCHITECTURE.md "Handshake").
 */
#include "or_ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WATCH_POLL_US   100000      /* 0.1 s between polls */
#define CONNECT_WAIT_S  30          /* longest handshake_timeout + margin */

static json_t *
watch_poll(or_ctl_t *ctl, json_int_t since, char *err, size_t errlen)
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

static void
print_event(or_ctl_t *ctl, json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t     *rest;
    char       *text;

    if (ctl->json) {
        json_dumpf(ev, stdout, JSON_COMPACT);
        putchar('\n');
        fflush(stdout);
        return;
    }
    rest = json_deep_copy(ev);
    json_object_del(rest, "type");
    json_object_del(rest, "seq");
    text = json_dumps(rest, JSON_COMPACT);
    printf("%-20s %s\n", type ? type : "?", text ? text : "");
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
        r = watch_poll(ctl, since, err, sizeof(err));
        if (r == NULL) {
            fprintf(stderr, "openredctl: watch: %s\n", err);
            return OR_CTL_EXIT_FAILURE;
        }
        json_array_foreach(json_object_get(r, "events"), i, ev) {
            print_event(ctl, ev);
        }
        since = json_integer_value(json_object_get(r, "last"));
        json_decref(r);
        usleep(WATCH_POLL_US);
    }
}

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
        r = watch_poll(ctl, since, err, sizeof(err));
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

                print_event(ctl, ev);
                json_decref(r);
                return ok ? OR_CTL_EXIT_OK : OR_CTL_EXIT_FAILURE;
            }
        }
        since = json_integer_value(json_object_get(r, "last"));
        json_decref(r);
        usleep(WATCH_POLL_US);
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

int
or_ctl_send_main(or_ctl_t *ctl, int argc, char **argv)
{
    json_t       *payload, *fields, *r = NULL;
    json_error_t  jerr;
    int           rc;

    if (argc != 3) {
        fprintf(stderr, "Usage: openredctl send FINGERPRINT JSON\n");
        return OR_CTL_EXIT_USAGE;
    }
    payload = json_loads(argv[2], JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(payload)) {
        fprintf(stderr, "openredctl: send: JSON: expected an object%s%s\n",
                payload ? "" : ": ", payload ? "" : jerr.text);
        json_decref(payload);
        return OR_CTL_EXIT_USAGE;
    }
    fields = json_pack("{s:s, s:o}", "peer", argv[1], "payload", payload);
    rc = or_ctl_call(ctl, "send", fields, &r);
    json_decref(fields);
    if (rc == OR_CTL_EXIT_OK && r != NULL) {
        printf("sent to %s (node %s, worker #%lld)\n",
               json_string_value(json_object_get(r, "peer")),
               json_string_value(json_object_get(r, "node")),
               (long long) json_integer_value(json_object_get(r, "worker")));
    }
    json_decref(r);
    return rc;
}
