/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openredctl status: the master, its workers and the nodes, as a table,
 * with each node's handshakes accepted and refused by reason (the
 * handshake module's section of the status reply, when it is built).
 */
#include "or_ctl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "openred.h"

static void
print_uptime(json_int_t s)
{
    printf("uptime    %lldd %02lld:%02lld:%02lld\n", (long long) s / 86400,
           (long long) s % 86400 / 3600, (long long) s % 3600 / 60,
           (long long) s % 60);
}

static void
print_handshakes(json_t *h)
{
    const char *node, *reason;
    json_t     *counts, *v;
    const char *sep;
    char        n_esc[OR_CTL_TEXT_MAX], r_esc[OR_PRINTABLE_MAX(32)];

    printf("\n%-20s %-9s %s\n", "NODE", "ACCEPTED", "REFUSED");
    json_object_foreach(h, node, counts) {
        printf("%-20s %-9lld ", or_printable(node, strlen(node), n_esc,
                                             sizeof(n_esc), 0),
               (long long) or_ctl_int(counts, "accepted"));
        sep = "";
        json_object_foreach(counts, reason, v) {
            if (strcmp(reason, "accepted") != 0) {
                printf("%s%s %lld", sep, or_printable(reason, strlen(reason),
                                                      r_esc, sizeof(r_esc),
                                                      0),
                       (long long) json_integer_value(v));
                sep = ", ";
            }
        }
        printf("%s\n", sep[0] ? "" : "-");
    }
}

/* "last reload  2026-12-02 01:00:00 failed: FIRST LINE" (local time) */
static void
print_last_reload(json_t *lr)
{
    time_t         at = (time_t) or_ctl_int(lr, "at");
    struct tm      tm;
    char           when[32] = "-";
    or_ctl_text_t  t;
    char          *nl;

    if (!json_is_object(lr)) {
        return;
    }
    if (localtime_r(&at, &tm) != NULL) {
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    }
    if (json_is_true(json_object_get(lr, "ok"))) {
        printf("last reload %s ok\n", when);
        return;
    }
    or_ctl_str(lr, "error", &t);
    /* escaped: its newlines read "\n"; the first line says enough */
    nl = strstr(t.s, "\\n");
    if (nl != NULL) {
        *nl = '\0';
    }
    printf("last reload %s failed: %s\n", when, t.s);
}

/* Each discovery socket: group and port, the interface the kernel sends
 * on and the beacons' source address. */
static void
print_discovery(json_t *socks)
{
    json_t        *v;
    size_t         i;
    or_ctl_text_t  t[3];

    if (json_array_size(socks) > 0) {
        printf("\n%-7s %-21s %-12s %s\n", "SOCKET", "GROUP", "INTERFACE",
               "ADDRESS");
    }
    json_array_foreach(socks, i, v) {
        char group[OR_CTL_TEXT_MAX + 8];

        snprintf(group, sizeof(group), "%s:%lld",
                 or_ctl_str(v, "group", &t[0]), or_ctl_int(v, "port"));
        printf("#%-6zu %-21s %-12s %s\n", i, group,
               or_ctl_str(v, "interface", &t[1]),
               or_ctl_str(v, "address", &t[2]));
    }
}

/* the dht module's section: the runner, bootstrap, records per node */
static void
print_dht(json_t *d)
{
    json_t         *v;
    const char     *node;
    size_t          i;
    or_ctl_text_t   t;
    char            n_esc[OR_CTL_TEXT_MAX];

    printf("\ndht       %s, UDP port %lld, %zu peer(s) found\n",
           json_is_true(json_object_get(d, "running")) ? "running"
           : "not running", (long long) or_ctl_int(d, "port"),
           json_array_size(json_object_get(d, "found")));
    json_array_foreach(json_object_get(d, "bootstrap"), i, v) {
        printf("bootstrap %s %s\n", or_ctl_str(v, "address", &t),
               json_is_true(json_object_get(v, "reached")) ? "reached"
               : "not reached (yet)");
    }
    printf("%-20s %9s %6s %6s %7s %8s\n", "NODE", "ANNOUNCED", "STORED",
           "FOUND", "REFUSED", "DIALLED");
    json_object_foreach(json_object_get(d, "nodes"), node, v) {
        printf("%-20s %9lld %6lld %6lld %7lld %8lld\n",
               or_printable(node, strlen(node), n_esc, sizeof(n_esc), 0),
               (long long) or_ctl_int(v, "announced"),
               (long long) or_ctl_int(v, "put_ok"),
               (long long) or_ctl_int(v, "found"),
               (long long) or_ctl_int(v, "refused"),
               (long long) or_ctl_int(v, "dialled"));
    }
}

int
or_ctl_status_main(or_ctl_t *ctl, int argc, char **argv)
{
    or_ctl_t        quiet = *ctl;
    json_t         *r = NULL, *v, *h;
    size_t          i;
    int             rc;
    or_ctl_text_t   t[3];

    if (argc != 1) {
        fprintf(stderr, "Usage: openredctl status [--json]\n");
        return OR_CTL_EXIT_USAGE;
    }
    quiet.json = 0;
    rc = or_ctl_call(&quiet, "status", NULL, &r);
    if (rc != OR_CTL_EXIT_OK || r == NULL) {
        return rc;
    }
    h = json_object_get(r, "handshakes");      /* borrowed; may be NULL */
    if (ctl->json) {
        json_dumpf(r, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(r);
        return OR_CTL_EXIT_OK;
    }
    printf("openred   %s\n", or_ctl_str(r, "version", &t[0]));
    printf("master    %lld\n", (long long) or_ctl_int(r, "pid"));
    print_uptime(or_ctl_int(r, "uptime"));
    printf("config    %s\n", or_ctl_str(r, "config", &t[0]));
    printf("reloads   %lld\n", (long long) or_ctl_int(r, "reloads"));
    print_last_reload(json_object_get(r, "last_reload"));
    printf("\n");

    printf("%-8s %-6s %-10s %s\n", "PID", "WORKER", "STATE", "GENERATION");
    json_array_foreach(json_object_get(r, "workers"), i, v) {
        printf("%-8lld #%-5lld %-10s %lld\n", (long long) or_ctl_int(v, "pid"),
               (long long) or_ctl_int(v, "index"),
               or_ctl_str(v, "state", &t[0]),
               (long long) or_ctl_int(v, "generation"));
    }
    printf("\n%-20s %-12s %s\n", "NODE", "SECTOR", "LISTEN");
    json_array_foreach(json_object_get(r, "nodes"), i, v) {
        printf("%-20s %-12s %s\n", or_ctl_str(v, "id", &t[0]),
               or_ctl_str(v, "sector", &t[1]), or_ctl_str(v, "listen", &t[2]));
    }
    if (h != NULL) {
        print_handshakes(h);
    }
    print_discovery(json_object_get(json_object_get(r, "discovery"),
                                    "sockets"));
    if (json_is_object(json_object_get(r, "dht"))) {
        print_dht(json_object_get(r, "dht"));
    }
    json_decref(r);
    return OR_CTL_EXIT_OK;
}
