/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_discovery_hear() (or_discovery_peers.c) on a real
 * peers zone: a beacon that would move a peer whose endpoint a handshake
 * confirmed changes nothing, is counted every time, and is logged at most
 * once per OR_DISCOVERY_LOG_GAP_S (one below the gap held, at the gap
 * logged with the number held); a beacon from the confirmed endpoint
 * refreshes the entry and is no conflict.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_discovery_peers.h"
#include "or_evring.h"
#include "or_log.h"
#include "or_peers.h"
#include "or_shm.h"

#define FP   "0123456789abcdef"
#define T0   1764000000
#define LINE "beacon refused: it would move confirmed peer " FP

typedef struct {
    char          dir[64];
    char          log[96];
    or_cycle_t   *cycle;
} dh_t;

static int
setup(void **state)
{
    dh_t                 *d = calloc(1, sizeof(*d));
    or_conf_report_t      r = { NULL, 0, 0, 0 };
    or_peers_node_conf_t  pc[1] = { { 0 } };

    assert_non_null(d);
    strcpy(d->dir, "/tmp/or-dh-XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    d->cycle = or_cycle_new(d->dir, "openred.conf", NULL);
    assert_non_null(d->cycle);
    if (or_conf_load_string(d->cycle, "openred.conf",
                            "nodes = ( { id = \"n0\"; sector = \"tech\"; "
                            "listen = \"127.0.0.1:9001\"; } );\n", &r)
        != OR_OK)
    {
        fail_msg("config: %s", r.text ? r.text : "?");
    }
    or_conf_report_free(&r);
    snprintf(d->log, sizeof(d->log), "%s/error.log", d->dir);
    assert_int_equal(or_log_open(d->cycle->log, d->log), OR_OK);
    or_log_set_level(d->cycle->log, OR_LOG_INFO);
    pc[0].max_peers = 16;
    pc[0].expire = 60;
    assert_int_equal(or_peers_zone_add(d->cycle, pc), OR_OK);
    assert_int_equal(or_evring_zone_add(d->cycle), OR_OK);
    assert_int_equal(or_shm_map(d->cycle, NULL), OR_OK);
    or_peers_zone_attach(d->cycle, pc);
    *state = d;
    return 0;
}

static int
teardown(void **state)
{
    dh_t *d = *state;
    char  cmd[96];

    or_shm_cycle_free(d->cycle);
    or_cycle_free(d->cycle);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", d->dir);
    assert_int_equal(system(cmd), 0);
    free(d);
    return 0;
}

/* times the log holds text */
static int
log_count(dh_t *d, const char *text)
{
    FILE  *in = fopen(d->log, "r");
    char   line[1024];
    int    n = 0;

    assert_non_null(in);
    while (fgets(line, sizeof(line), in) != NULL) {
        n += strstr(line, text) != NULL;
    }
    fclose(in);
    return n;
}

/* a beacon of FP from source ip, advertising port 9100 */
static int
hear(dh_t *d, const char *ip, int64_t now, or_discovery_gap_t *gap)
{
    or_v2_beacon_t  b;
    or_peer_t       p;

    memset(&b, 0, sizeof(b));
    snprintf(b.sector, sizeof(b.sector), "tech");
    memset(&p, 0, sizeof(p));
    snprintf(p.fingerprint, sizeof(p.fingerprint), FP);
    snprintf(p.sector, sizeof(p.sector), "tech");
    snprintf(p.adv_ip, sizeof(p.adv_ip), "127.0.0.1");
    snprintf(p.source, sizeof(p.source), "%s", ip);
    p.adv_port = 9100;
    return or_discovery_hear(d->cycle, 0, &b, &p, now, 16, gap);
}

static void
listed_at(dh_t *d, int64_t now, const char *ip)
{
    or_peer_t p;

    assert_int_equal(or_peers_find(d->cycle, 0, FP, now, &p), 1);
    assert_string_equal(p.source, ip);
}

static void
test_hear_conflict_with_confirmed_peer(void **state)
{
    dh_t                  *d = *state;
    or_discovery_gap_t     gap = { 0, 0 };
    or_peers_node_stats_t *ns = or_peers_node_stats(d->cycle, 0);

    assert_int_equal(hear(d, "10.0.0.1", T0, &gap), 1);
    assert_int_equal(ns->listed, 1);
    assert_int_equal(log_count(d, "peer discovered: " FP), 1);
    assert_int_equal(or_peers_confirm(d->cycle, 0, FP, "10.0.0.1", 9100, T0),
                     1);

    /* another source: refused, counted, logged */
    assert_int_equal(hear(d, "10.0.0.2", T0 + 1, &gap), 0);
    assert_int_equal(ns->conflicts, 1);
    assert_int_equal(log_count(d, LINE), 1);
    assert_int_equal(log_count(d, LINE " (0 other conflicts not logged in "
                                      "the last 10 s)"), 1);
    listed_at(d, T0 + 1, "10.0.0.1");

    /* inside the gap (to one second before its end): counted, held */
    assert_int_equal(hear(d, "10.0.0.2", T0 + 2, &gap), 0);
    assert_int_equal(hear(d, "10.0.0.3", T0 + 1 + OR_DISCOVERY_LOG_GAP_S - 1,
                          &gap), 0);
    assert_int_equal(ns->conflicts, 3);
    assert_int_equal(gap.held, 2);
    assert_int_equal(log_count(d, LINE), 1);

    /* at the gap's end: logged with the two held */
    assert_int_equal(hear(d, "10.0.0.2", T0 + 1 + OR_DISCOVERY_LOG_GAP_S,
                          &gap), 0);
    assert_int_equal(ns->conflicts, 4);
    assert_int_equal(gap.held, 0);
    assert_int_equal(log_count(d, LINE " (2 other conflicts not logged in "
                                      "the last 10 s)"), 1);
    assert_int_equal(log_count(d, LINE), 2);
    listed_at(d, T0 + 11, "10.0.0.1");

    /* the confirmed endpoint itself: refreshed, no conflict */
    assert_int_equal(hear(d, "10.0.0.1", T0 + 12, &gap), 0);
    assert_int_equal(ns->conflicts, 4);
    assert_int_equal(ns->listed, 1);
    listed_at(d, T0 + 12, "10.0.0.1");
}

/* unconfirmed, a new source moves the entry: no conflict */
static void
test_hear_unconfirmed_peer_moves(void **state)
{
    dh_t                  *d = *state;
    or_discovery_gap_t     gap = { 0, 0 };
    or_peers_node_stats_t *ns = or_peers_node_stats(d->cycle, 0);

    assert_int_equal(hear(d, "10.0.0.1", T0, &gap), 1);
    assert_int_equal(hear(d, "10.0.0.2", T0 + 1, &gap), 0);
    assert_int_equal(ns->conflicts, 0);
    listed_at(d, T0 + 1, "10.0.0.2");
    assert_int_equal(log_count(d, "beacon refused"), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_hear_conflict_with_confirmed_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hear_unconfirmed_peer_moves,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
