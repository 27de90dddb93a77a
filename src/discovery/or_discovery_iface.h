/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Which interfaces a node's discovery uses: the `interfaces` rules
 * (allow / deny PCRE2 patterns, declaration order, first match decides)
 * and the selection of a host's interfaces they make, bounded at
 * OR_DISC_IFACES_MAX per node. Pure: the unit tests feed it lists; the
 * worker feeds it getifaddrs() (or_discovery_iface_scan).
 */
#ifndef OR_DISCOVERY_IFACE_H_INCLUDED
#define OR_DISCOVERY_IFACE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "or_conf.h"
#include "or_err.h"

#define OR_DISC_IFACES_MAX      32      /* interfaces per node */
#define OR_DISC_IFACE_SCAN_MAX  1024    /* host interfaces looked at */
#define OR_DISC_IFNAME_LEN      16      /* IF_NAMESIZE */

typedef struct {
    int          allow;                 /* 1 allow, 0 deny */
    pcre2_code  *re;
} or_disc_iface_rule_t;

/* n == 0: no rules (the setting was not given). */
typedef struct {
    or_disc_iface_rule_t  rule[2];      /* allow and deny, as declared */
    size_t                n;
    int                   any_allow;
    pcre2_match_data     *md;
} or_disc_iface_rules_t;

/* One interface of the host. */
typedef struct {
    char      name[OR_DISC_IFNAME_LEN];
    uint32_t  ifindex;
    int       loopback;
    int       v4;                       /* has an IPv4 address */
    int       v6;                       /* has an IPv6 address */
} or_disc_iface_t;

/* Compiles the `interfaces` group (its members in order: "allow" and
 * "deny", each one pattern). err says why (a member's name, the PCRE2
 * message and offset) on OR_ECONF. */
__attribute__((warn_unused_result))
or_err_t or_disc_iface_rules_compile(const or_conf_record_t *r,
    or_disc_iface_rules_t *out, char *err, size_t errlen);
void or_disc_iface_rules_free(or_disc_iface_rules_t *r);

/*
 * Does the node use interface name? The first rule whose pattern matches
 * decides; with none matching, no if any allow rule exists, else yes. A
 * loopback interface only when an allow rule matches it (a default that
 * takes "everything but docker" does not multicast on lo).
 */
int or_disc_iface_wanted(const or_disc_iface_rules_t *r, const char *name,
    int loopback);

/*
 * The interfaces of have[0..n) the rules take, in order, into want (at
 * most OR_DISC_IFACES_MAX); *refused gets how many more matched past the
 * bound. Returns how many were taken.
 */
size_t or_disc_iface_select(const or_disc_iface_rules_t *r,
    const or_disc_iface_t *have, size_t n, or_disc_iface_t *want,
    size_t *refused);

/* The host's interfaces that are up and can multicast (or are loopback),
 * with the families they have an address of: at most max into out.
 * OR_ERROR (errno) if getifaddrs() fails. */
__attribute__((warn_unused_result))
or_err_t or_disc_iface_scan(or_disc_iface_t *out, size_t max, size_t *n);

#endif /* OR_DISCOVERY_IFACE_H_INCLUDED */
