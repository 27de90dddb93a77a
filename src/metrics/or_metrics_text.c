/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Prometheus text from the control commands' replies. Each family gets
 * its HELP and TYPE lines once, before its samples, as the format asks;
 * counters end in _total. Label values are escaped (\\, \", \n).
 */
#include "or_metrics_text.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* out is an open_memstream(); a write error shows at fclose(). */

static void
family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
label(FILE *out, const char *name, const char *value, int first)
{
    fprintf(out, "%s%s=\"", first ? "{" : ",", name);
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '\\' || *p == '"') {
            fprintf(out, "\\%c", *p);
        } else if (*p == '\n') {
            fputs("\\n", out);
        } else {
            fputc(*p, out);
        }
    }
    fputc('"', out);
}

/* name{l1="v1"[,l2="v2"]} value; l2 may be NULL */
static void
sample(FILE *out, const char *name, const char *l1, const char *v1,
    const char *l2, const char *v2, json_int_t value)
{
    fputs(name, out);
    if (l1 != NULL) {
        label(out, l1, v1, 1);
        if (l2 != NULL) {
            label(out, l2, v2, 0);
        }
        fputc('}', out);
    }
    fprintf(out, " %lld\n", (long long) value);
}

static json_int_t
num(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static const char *
str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

static void
status_families(FILE *out, json_t *st)
{
    json_t     *w;
    size_t      i;
    json_int_t  running = 0;

    family(out, "openred_build_info", "gauge",
           "The version of the openred daemon, always 1.");
    sample(out, "openred_build_info", "version", str(st, "version"),
           NULL, NULL, 1);
    json_array_foreach(json_object_get(st, "workers"), i, w) {
        running += strcmp(str(w, "state"), "running") == 0;
    }
    family(out, "openred_workers", "gauge",
           "Worker processes running (draining ones not counted).");
    sample(out, "openred_workers", NULL, NULL, NULL, NULL, running);
    family(out, "openred_reloads_total", "counter",
           "Configuration reloads that succeeded.");
    sample(out, "openred_reloads_total", NULL, NULL, NULL, NULL,
           num(st, "reloads"));
    family(out, "openred_uptime_seconds", "gauge",
           "Seconds since the master started.");
    sample(out, "openred_uptime_seconds", NULL, NULL, NULL, NULL,
           num(st, "uptime"));
}

/* One family of a per-node counter of the peers reply. */
static void
node_counter(FILE *out, json_t *nodes, const char *name, const char *key,
    const char *type, const char *help)
{
    json_t *n;
    size_t  i;

    family(out, name, type, help);
    json_array_foreach(nodes, i, n) {
        sample(out, name, "node", str(n, "node"), NULL, NULL, num(n, key));
    }
}

static void
peers_families(FILE *out, json_t *peers)
{
    json_t     *nodes = json_object_get(peers, "nodes"), *s, *v;
    const char *reason;
    size_t      i;
    char        sock[24];

    node_counter(out, nodes, "openred_peers", "peers", "gauge",
                 "Peers a node lists now (discovered, not expired).");
    node_counter(out, nodes, "openred_beacons_sent_total", "sent", "counter",
                 "Beacons a node sent.");
    node_counter(out, nodes, "openred_beacon_send_failures_total",
                 "send_failed", "counter", "Beacons a node failed to send.");
    node_counter(out, nodes, "openred_beacons_filtered_total", "filtered",
                 "counter", "Beacons of peers the node's filter refused.");
    node_counter(out, nodes, "openred_peers_listed_total", "listed",
                 "counter", "Peers a node newly listed.");
    node_counter(out, nodes, "openred_peers_lost_total", "lost", "counter",
                 "Peers a node dropped after expire seconds of silence.");
    node_counter(out, nodes, "openred_peers_evicted_total", "evicted",
                 "counter", "Peers dropped to make room (max_peers).");

    /* Beacons arrive on discovery sockets (one per group, port and
     * interface), shared by the nodes on them: labelled by socket. */
    family(out, "openred_beacons_received_total", "counter",
           "Datagrams read on a discovery socket.");
    json_array_foreach(json_object_get(peers, "sockets"), i, s) {
        snprintf(sock, sizeof(sock), "%zu", i);
        sample(out, "openred_beacons_received_total", "socket", sock,
               NULL, NULL, num(s, "received"));
    }
    family(out, "openred_beacons_total", "counter",
           "Beacons read, by result: opened (own ones included) or the "
           "reason they were refused.");
    json_array_foreach(json_object_get(peers, "sockets"), i, s) {
        snprintf(sock, sizeof(sock), "%zu", i);
        sample(out, "openred_beacons_total", "socket", sock, "result",
               "opened", num(s, "opened"));
        json_object_foreach(json_object_get(s, "refused"), reason, v) {
            sample(out, "openred_beacons_total", "socket", sock, "result",
                   reason, json_integer_value(v));
        }
    }
}

static void
sessions_families(FILE *out, json_t *status)
{
    json_t     *node, *v, *counts = json_object_get(status, "sessions");
    const char *id, *result;
    size_t      i;

    family(out, "openred_handshakes_total", "counter",
           "Handshakes a node answered, by result: accepted or the reason "
           "it refused.");
    json_object_foreach(json_object_get(status, "handshakes"), id, node) {
        json_object_foreach(node, result, v) {
            sample(out, "openred_handshakes_total", "node", id, "result",
                   result, json_integer_value(v));
        }
    }
    /* every node of the config, so that a node without sessions is 0 */
    family(out, "openred_sessions", "gauge",
           "Established sessions, by node and direction (in: the peer "
           "dialled).");
    json_array_foreach(json_object_get(status, "nodes"), i, node) {
        json_t *c = json_object_get(counts, str(node, "id"));

        id = str(node, "id");
        sample(out, "openred_sessions", "node", id, "direction", "in",
               json_integer_value(json_object_get(c, "inbound")));
        sample(out, "openred_sessions", "node", id, "direction", "out",
               json_integer_value(json_object_get(c, "outbound")));
    }
}

or_err_t
or_metrics_text(json_t *status, json_t *peers, char **text, size_t *len)
{
    char   *buf = NULL;
    size_t  n = 0;
    FILE   *out = open_memstream(&buf, &n);

    if (out == NULL) {
        return OR_ENOMEM;
    }
    if (status != NULL) {
        status_families(out, status);
    }
    if (peers != NULL) {
        peers_families(out, peers);
    }
    /* the session counts of `status` (the handshake module's), never a
     * copy of the session table: a scrape costs the same at 100k */
    if (json_object_get(status, "sessions") != NULL) {
        sessions_families(out, status);
    }
    if (ferror(out) | fclose(out)) {
        free(buf);
        return OR_ENOMEM;
    }
    *text = buf;
    *len = n;
    return OR_OK;
}
