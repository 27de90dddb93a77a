/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for the addresses a peer-table entry keeps (or_peers.c):
 * every address it was heard at, with its interface, at most
 * OR_PEER_ADDRS_MAX (the one heard longest ago makes room for a fifth);
 * the same beacon on another path adds its address only; a link-local
 * IPv6 source is dialled with its interface as scope, and not at all
 * without one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "or_peers.h"

static or_peer_t
peer_at(const char *ip, const char *ifname, uint32_t ifindex, int family)
{
    or_peer_t p;

    memset(&p, 0, sizeof(p));
    snprintf(p.fingerprint, sizeof(p.fingerprint), "00000000000000aa");
    snprintf(p.source, sizeof(p.source), "%s", ip);
    snprintf(p.source_if, sizeof(p.source_if), "%s", ifname);
    p.source_ifindex = ifindex;
    p.source_family = family;
    p.adv_port = 9002;
    return p;
}

static or_peer_table_t *
table_new(void)
{
    void *mem = calloc(1, or_peer_table_size(4));

    assert_non_null(mem);
    return or_peer_table_init(mem, 4, 60, "n1");
}

static void
test_or_peer_addrs_bound(void **state)
{
    or_peer_table_t *t = table_new();
    or_peer_t        p, out;
    char             ip[32];

    (void) state;
    /* OR_PEER_ADDRS_MAX distinct addresses, one a second: all kept */
    for (int i = 0; i < OR_PEER_ADDRS_MAX; i++) {
        snprintf(ip, sizeof(ip), "10.0.%d.2", i);
        p = peer_at(ip, "eth0", 2, 4);
        (void) or_peer_table_update(t, &p, 100 + i, NULL);
    }
    assert_true(or_peer_table_find(t, p.fingerprint, 110, &out));
    assert_int_equal(out.naddrs, OR_PEER_ADDRS_MAX);
    assert_string_equal(out.addrs[0].ip, "10.0.0.2");
    assert_string_equal(out.addrs[0].ifname, "eth0");
    assert_int_equal(out.addrs[0].family, 4);
    /* heard again at the first: refreshed, not added */
    p = peer_at("10.0.0.2", "eth0", 2, 4);
    (void) or_peer_table_update(t, &p, 104, NULL);
    assert_true(or_peer_table_find(t, p.fingerprint, 110, &out));
    assert_int_equal(out.naddrs, OR_PEER_ADDRS_MAX);
    assert_int_equal(out.addrs[0].last_seen, 104);
    /* the same address on another interface is another address: it
     * takes the place of the one heard longest ago (10.0.1.2, at 101) */
    p = peer_at("10.0.0.2", "eth1", 3, 4);
    (void) or_peer_table_update(t, &p, 105, NULL);
    assert_true(or_peer_table_find(t, p.fingerprint, 110, &out));
    assert_int_equal(out.naddrs, OR_PEER_ADDRS_MAX);
    assert_string_equal(out.addrs[1].ip, "10.0.0.2");
    assert_string_equal(out.addrs[1].ifname, "eth1");
    assert_int_equal(out.addrs[1].ifindex, 3);
    for (int i = 0; i < OR_PEER_ADDRS_MAX; i++) {
        assert_string_not_equal(out.addrs[i].ip, "10.0.1.2");
    }
    free(t);
}

static void
test_or_peer_addrs_also_at(void **state)
{
    or_peer_table_t *t = table_new();
    or_peer_t        p = peer_at("10.0.0.2", "eth0", 2, 4), q, out;

    (void) state;
    q = peer_at("fe80::2", "eth0", 2, 6);
    /* not listed: nothing to add to */
    assert_int_equal(or_peer_table_add_addr(t, &q, 100), 0);
    (void) or_peer_table_update(t, &p, 100, NULL);
    assert_int_equal(or_peer_table_add_addr(t, &q, 101), 1);
    assert_true(or_peer_table_find(t, p.fingerprint, 101, &out));
    assert_int_equal(out.naddrs, 2);
    assert_string_equal(out.addrs[1].ip, "fe80::2");
    assert_int_equal(out.addrs[1].family, 6);
    /* the dial address and the entry's age stay the first path's */
    assert_string_equal(out.source, "10.0.0.2");
    assert_int_equal(out.last_seen, 100);
    assert_int_equal(out.beacons, 1);
    free(t);
}

static void
test_or_peer_dial_link_local_scope(void **state)
{
    or_peer_t                 p = peer_at("fe80::2", "veth0", 7, 6);
    struct sockaddr_storage   sa;
    struct sockaddr_in6      *in6 = (struct sockaddr_in6 *) &sa;
    socklen_t                 len;

    (void) state;
    assert_int_equal(or_peer_dial_addr(&p, &sa, &len), OR_OK);
    assert_int_equal(sa.ss_family, AF_INET6);
    assert_int_equal(len, sizeof(*in6));
    assert_int_equal(in6->sin6_scope_id, 7);
    assert_int_equal(ntohs(in6->sin6_port), 9002);
    /* no interface: a link-local address cannot be dialled */
    p.source_ifindex = 0;
    assert_int_equal(or_peer_dial_addr(&p, &sa, &len), OR_EPROTO);
    /* a global one needs no scope */
    p = peer_at("2001:db8::2", "", 0, 6);
    assert_int_equal(or_peer_dial_addr(&p, &sa, &len), OR_OK);
    assert_int_equal(in6->sin6_scope_id, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_peer_addrs_bound),
        cmocka_unit_test(test_or_peer_addrs_also_at),
        cmocka_unit_test(test_or_peer_dial_link_local_scope),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
