/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* openredctl peers: the peers discovery lists, per node; --stats adds the
 * beacon counters (sent, received, opened, refused by reason). */
#include "or_ctl.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "openred.h"

/* services escaped and joined: room for all of them, whole */
#define SERVICES_MAX  (OR_V2_SERVICES_MAX \
                       * OR_PRINTABLE_MAX(OR_V2_SERVICE_LEN_MAX))

/* "ip:port", "[ip]:port", or "[fe80::1%eth0]:port" for a link-local
 * address heard on an interface (the scope it is dialled with). */
static void
peer_addr(char *buf, size_t len, json_t *v, const char *ip, long long port)
{
    or_ctl_text_t  t;
    const char    *ifname = or_ctl_str(v, "interface", &t);

    if (strchr(ip, ':') == NULL) {
        snprintf(buf, len, "%s:%lld", ip, port);
    } else if (strncmp(ip, "fe80:", 5) == 0 && ifname[0] != '\0') {
        snprintf(buf, len, "[%s%%%s]:%lld", ip, ifname, port);
    } else {
        snprintf(buf, len, "[%s]:%lld", ip, port);
    }
}

/* HEARD ON: the interface; with the family when a per-interface socket
 * (`interfaces`) heard it ("eth0/v6"), alone for a shared socket's. */
static void
heard_on(char *buf, size_t len, json_t *v)
{
    or_ctl_text_t  t;
    json_t        *as = json_object_get(v, "addresses");
    json_t        *a0 = json_array_get(as, 0);
    const char    *own = json_string_value(json_object_get(a0, "interface"));
    long long      family = or_ctl_int(v, "family");

    if (own != NULL && own[0] != '\0' && family != 0) {
        snprintf(buf, len, "%s/v%lld", or_ctl_str(v, "interface", &t),
                 family);
    } else {
        snprintf(buf, len, "%s", or_ctl_str(v, "interface", &t));
    }
}

/* A peer heard at more than one address: every one, on a line below. */
static void
print_addresses(json_t *v)
{
    json_t        *as = json_object_get(v, "addresses"), *a;
    size_t         k;
    or_ctl_text_t  t[2];

    if (json_array_size(as) < 2) {
        return;
    }
    printf("%-12s addresses:", "");
    json_array_foreach(as, k, a) {
        const char *ifname = or_ctl_str(a, "interface", &t[1]);

        printf(" %s%s%s (v%lld, %llds)", or_ctl_str(a, "address", &t[0]),
               ifname[0] ? "%" : "", ifname, or_ctl_int(a, "family"),
               or_ctl_int(a, "age"));
    }
    printf("\n");
}

static void
print_peers(json_t *a)
{
    json_t         *v, *s;
    size_t          i, k;
    char            addr[2 * OR_CTL_TEXT_MAX + 16], services[SERVICES_MAX];
    char            heard[OR_CTL_TEXT_MAX + 8];
    or_ctl_text_t   t[4];

    printf("%-12s %-16s %-12s %-21s %5s %-9s %-8s %s\n", "NODE",
           "FINGERPRINT", "SECTOR", "ADDRESS", "AGE", "LEARNED", "HEARD ON",
           "SERVICES");
    json_array_foreach(a, i, v) {
        size_t used = 0;

        services[0] = '\0';
        json_array_foreach(json_object_get(v, "services"), k, s) {
            if (!json_is_string(s) || used + 2 >= sizeof(services)) {
                continue;
            }
            if (k > 0) {
                services[used++] = ',';
            }
            used += strlen(or_printable(json_string_value(s),
                                        json_string_length(s),
                                        services + used,
                                        sizeof(services) - used, 0));
        }
        peer_addr(addr, sizeof(addr), v, or_ctl_str(v, "address", &t[0]),
                  or_ctl_int(v, "port"));
        heard_on(heard, sizeof(heard), v);
        /* a sibling is a node of this same daemon, not another host */
        printf("%-12s %-16s %-12s %-21s %4llds %-9s %-8s %s%s\n",
               or_ctl_str(v, "node", &t[1]),
               or_ctl_str(v, "fingerprint", &t[2]),
               or_ctl_str(v, "sector", &t[3]), addr, or_ctl_int(v, "age"),
               "discovery", heard, services,
               json_is_true(json_object_get(v, "sibling"))
               ? (services[0] ? " (sibling)" : "(sibling)") : "");
        print_addresses(v);
    }
}

/* An empty table says why it may be empty, as the daemon's notices do. */
static void
print_hints(json_t *r)
{
    json_t         *v;
    size_t          i;
    or_ctl_text_t   t[2];

    json_array_foreach(json_object_get(r, "hints"), i, v) {
        printf("%s: %s\n", or_ctl_str(v, "node", &t[0]),
               or_ctl_str(v, "hint", &t[1]));
    }
}

/* The peers learned otherwise, from status: the static peers of each
 * node (handshake module), the records the DHT found (dht module) and
 * the peers exchange named (handshake module, "pex"). */
static void
print_learned(or_ctl_t *ctl, const char *node)
{
    json_t         *req = json_pack("{s:s}", "command", "status"), *r = NULL;
    json_t         *list, *v, *a;
    const char     *id;
    size_t          i;
    char            err[256];
    or_ctl_text_t   t[3];

    if (req == NULL || or_ctl_request(ctl, req, &r, err, sizeof(err))
                       != OR_OK)
    {
        json_decref(req);
        return;
    }
    json_decref(req);
    json_object_foreach(json_object_get(r, "static_peers"), id, list) {
        if (node != NULL && strcmp(node, id) != 0) {
            continue;
        }
        json_array_foreach(list, i, v) {
            const char *res = or_ctl_str(v, "resolved", &t[0]);

            printf("%-12s %-16s %-12s %-21s %5s %-9s\n",
                   or_printable(id, strlen(id), t[1].s, sizeof(t[1].s), 0),
                   or_ctl_str(v, "fingerprint", &t[2]), "-", res[0] ? res
                   : or_ctl_str(v, "address", &t[0]), "-", "static");
        }
    }
    json_array_foreach(json_object_get(json_object_get(r, "dht"), "found"),
                       i, v)
    {
        if (node != NULL && strcmp(node, or_ctl_str(v, "node", &t[0])) != 0)
        {
            continue;
        }
        a = json_array_get(json_object_get(v, "addresses"), 0);
        printf("%-12s %-16s %-12s %-21s %4llds %-9s\n",
               or_ctl_str(v, "node", &t[0]),
               or_ctl_str(v, "fingerprint", &t[1]), "-",
               json_is_string(a) ? or_printable(json_string_value(a),
                   json_string_length(a), t[2].s, sizeof(t[2].s), 0) : "",
               or_ctl_int(v, "age"), "dht");
    }
    /* the peers a v3 session peer's exchange named, verified (or_pex.c) */
    json_array_foreach(json_object_get(json_object_get(r, "pex"),
                                       "learned"), i, v)
    {
        if (node != NULL && strcmp(node, or_ctl_str(v, "node", &t[0])) != 0)
        {
            continue;
        }
        a = json_array_get(json_object_get(v, "addresses"), 0);
        printf("%-12s %-16s %-12s %-21s %4llds %-9s\n",
               or_ctl_str(v, "node", &t[0]),
               or_ctl_str(v, "fingerprint", &t[1]), "-",
               json_is_string(a) ? or_printable(json_string_value(a),
                   json_string_length(a), t[2].s, sizeof(t[2].s), 0) : "",
               or_ctl_int(v, "age"), "exchange");
    }
    json_decref(r);
}

static void
print_stats(json_t *r)
{
    json_t         *v, *val;
    size_t          i;
    const char     *reason;
    or_ctl_text_t   t;
    char            r_esc[OR_PRINTABLE_MAX(32)];

    printf("\n%-12s %6s %8s %6s %6s %8s\n", "NODE", "PEERS", "SENT",
           "LISTED", "LOST", "FILTERED");
    json_array_foreach(json_object_get(r, "nodes"), i, v) {
        printf("%-12s %6lld %8lld %6lld %6lld %8lld\n",
               or_ctl_str(v, "node", &t), or_ctl_int(v, "peers"),
               or_ctl_int(v, "sent"), or_ctl_int(v, "listed"),
               or_ctl_int(v, "lost"), or_ctl_int(v, "filtered"));
    }
    json_array_foreach(json_object_get(r, "sockets"), i, v) {
        printf("\nsocket #%zu: received %lld, opened %lld, own %lld, "
               "early %lld\n", i, or_ctl_int(v, "received"),
               or_ctl_int(v, "opened"), or_ctl_int(v, "own"),
               or_ctl_int(v, "early"));
        json_object_foreach(json_object_get(v, "refused"), reason, val) {
            printf("  refused %-16s %lld\n",
                   or_printable(reason, strlen(reason), r_esc, sizeof(r_esc),
                                0),
                   (long long) json_integer_value(val));
        }
    }
}

int
or_ctl_peers_main(or_ctl_t *ctl, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "node", required_argument, NULL, 'n' },
        { "stats", no_argument, NULL, 's' },
        { NULL, 0, NULL, 0 }
    };
    json_t     *req, *r = NULL;
    const char *node = NULL;
    char        err[512];
    int         c, stats = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': node = optarg; break;
        case 's': stats = 1; break;
        default:  optind = -1; break;
        }
        if (optind == -1) {
            break;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "Usage: openredctl peers [--node ID] [--stats] "
                "[--json]\n");
        return OR_CTL_EXIT_USAGE;
    }
    req = node ? json_pack("{s:s, s:s}", "command", "peers", "node", node)
               : json_pack("{s:s}", "command", "peers");
    if (req == NULL || or_ctl_request(ctl, req, &r, err, sizeof(err))
                       != OR_OK)
    {
        fprintf(stderr, "openredctl: peers: %s\n", req ? err
                : "out of memory");
        json_decref(req);
        return OR_CTL_EXIT_FAILURE;
    }
    json_decref(req);
    if (ctl->json) {
        /* --json: the array of peers; with --stats the whole reply. */
        json_dumpf(stats ? r : json_object_get(r, "peers"), stdout,
                   JSON_COMPACT);
        putchar('\n');
    } else {
        print_peers(json_object_get(r, "peers"));
        print_learned(ctl, node);
        if (json_array_size(json_object_get(r, "peers")) == 0) {
            printf("no peers\n");
            print_hints(r);
        }
        if (json_is_true(json_object_get(r, "truncated"))) {
            printf("(more peers than one reply holds: use --node)\n");
        }
        if (stats) {
            print_stats(r);
        }
    }
    json_decref(r);
    return OR_CTL_EXIT_OK;
}
