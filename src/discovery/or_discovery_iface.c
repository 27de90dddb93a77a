/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The `interfaces` rules and the interface selection (or_discovery_iface.h).
 */
#include "or_discovery_iface.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>


or_err_t
or_disc_iface_rules_compile(const or_conf_record_t *r,
    or_disc_iface_rules_t *out, char *err, size_t errlen)
{
    or_disc_iface_rules_t  rs;

    memset(&rs, 0, sizeof(rs));
    for (size_t k = 0; k < r->n; k++) {
        int          code, allow;
        PCRE2_SIZE   offset;
        PCRE2_UCHAR  msg[256];
        pcre2_code  *re;

        if (strcmp(r->names[k], "allow") == 0) {
            allow = 1;
        } else if (strcmp(r->names[k], "deny") == 0) {
            allow = 0;
        } else {
            snprintf(err, errlen, "member \"%s\": expected allow or deny",
                     r->names[k]);
            goto fail;
        }
        re = pcre2_compile((PCRE2_SPTR) r->values[k], PCRE2_ZERO_TERMINATED,
                           0, &code, &offset, NULL);
        if (re == NULL) {
            pcre2_get_error_message(code, msg, sizeof(msg));
            snprintf(err, errlen, "%s \"%s\": bad pattern: %s at offset %zu",
                     r->names[k], r->values[k], (char *) msg,
                     (size_t) offset);
            goto fail;
        }
        rs.rule[rs.n].allow = allow;
        rs.rule[rs.n].re = re;
        rs.n++;
        rs.any_allow |= allow;
    }
    if (rs.n > 0) {
        rs.md = pcre2_match_data_create(1, NULL);
        if (rs.md == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    *out = rs;
    return OR_OK;

fail:
    or_disc_iface_rules_free(&rs);
    return OR_ECONF;
}

void
or_disc_iface_rules_free(or_disc_iface_rules_t *r)
{
    for (size_t k = 0; k < r->n; k++) {
        pcre2_code_free(r->rule[k].re);
    }
    pcre2_match_data_free(r->md);
    memset(r, 0, sizeof(*r));
}

int
or_disc_iface_wanted(const or_disc_iface_rules_t *r, const char *name,
    int loopback)
{
    for (size_t k = 0; k < r->n; k++) {
        if (pcre2_match(r->rule[k].re, (PCRE2_SPTR) name, strlen(name), 0, 0,
                        r->md, NULL) >= 0)
        {
            return r->rule[k].allow;
        }
    }
    return !loopback && !r->any_allow;
}

size_t
or_disc_iface_select(const or_disc_iface_rules_t *r,
    const or_disc_iface_t *have, size_t n, or_disc_iface_t *want,
    size_t *refused)
{
    size_t taken = 0;

    *refused = 0;
    for (size_t i = 0; i < n; i++) {
        if (!or_disc_iface_wanted(r, have[i].name, have[i].loopback)) {
            continue;
        }
        if (taken == OR_DISC_IFACES_MAX) {
            (*refused)++;
            continue;
        }
        want[taken++] = have[i];
    }
    return taken;
}

or_err_t
or_disc_iface_scan(or_disc_iface_t *out, size_t max, size_t *np)
{
    struct ifaddrs *ifa, *a;
    size_t          n = 0, i;

    if (getifaddrs(&ifa) != 0) {
        return OR_ERROR;
    }
    for (a = ifa; a != NULL; a = a->ifa_next) {
        unsigned idx;

        if (a->ifa_addr == NULL || !(a->ifa_flags & IFF_UP)
            || !(a->ifa_flags & (IFF_MULTICAST | IFF_LOOPBACK))
            || (a->ifa_addr->sa_family != AF_INET
                && a->ifa_addr->sa_family != AF_INET6)
            || strlen(a->ifa_name) >= OR_DISC_IFNAME_LEN)
        {
            continue;
        }
        idx = if_nametoindex(a->ifa_name);
        if (idx == 0) {
            continue;           /* gone since the dump */
        }
        for (i = 0; i < n && out[i].ifindex != idx; i++) {
        }
        if (i == n) {
            if (n == max) {
                continue;
            }
            memset(&out[n], 0, sizeof(out[n]));
            snprintf(out[n].name, sizeof(out[n].name), "%s", a->ifa_name);
            out[n].ifindex = idx;
            out[n].loopback = (a->ifa_flags & IFF_LOOPBACK) != 0;
            n++;
        }
        if (a->ifa_addr->sa_family == AF_INET) {
            out[i].v4 = 1;
        } else {
            out[i].v6 = 1;
        }
    }
    freeifaddrs(ifa);
    *np = n;
    return OR_OK;
}
