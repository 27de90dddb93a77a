/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Sector filter: per node PCRE2 patterns on a peer's sector and services,
 * compiled once per cycle (JIT where available). Deny wins over accept; no
 * pattern accepts all. Discovery and the handshake ask through node->filter.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_module.h"

typedef struct {
    char        *accept_sectors;
    char        *deny_sectors;
    char        *accept_services;
    char        *deny_services;
    pcre2_code  *re[4];       /* same order as the four patterns */
    /* One match data block per node, made in postconf and reused for
     * every match: a beacon costs no allocation. Each process (worker) has
     * its own copy after fork, and matching is single-threaded. */
    pcre2_match_data    *md;
    pcre2_match_context *mctx;     /* bounds the work per match */
} or_sector_conf_t;

static or_err_t check_pattern(const or_setting_t *s, void *field, char *err,
    size_t errlen);
static or_err_t sector_postconf(or_cycle_t *cycle, or_conf_report_t *rep);
static void sector_free_conf(or_cycle_t *cycle);
static int sector_filter(const or_node_t *node, const char *sector,
    const char *const *services, size_t nservices);

#define F(f)  offsetof(or_sector_conf_t, f)

static const or_setting_t sector_settings[] = {
    { "filter", "accept_sectors", OR_CONF_T_STR, OR_SCOPE_NODE,
      NULL, F(accept_sectors), 1, 1024, 0, check_pattern },
    { "filter", "deny_sectors", OR_CONF_T_STR, OR_SCOPE_NODE,
      NULL, F(deny_sectors), 1, 1024, 0, check_pattern },
    { "filter", "accept_services", OR_CONF_T_STR, OR_SCOPE_NODE,
      NULL, F(accept_services), 1, 1024, 0, check_pattern },
    { "filter", "deny_services", OR_CONF_T_STR, OR_SCOPE_NODE,
      NULL, F(deny_services), 1, 1024, 0, check_pattern },
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }
};

or_module_t or_sector_module = {
    .name = "sector",
    .settings = sector_settings,
    .main_conf_size = 1,
    .node_conf_size = sizeof(or_sector_conf_t),
    .postconf = sector_postconf,
    .free_conf = sector_free_conf,
};

enum { ACCEPT_SECTORS, DENY_SECTORS, ACCEPT_SERVICES, DENY_SERVICES };

/* Matching work per subject (PCRE2 match limit): a sector or a service is
 * at most 64 bytes, so a sane pattern never comes near; a pathological one
 * fails the match, which refuses the peer (fail closed). */
#define SECTOR_MATCH_LIMIT  100000

static pcre2_code *
compile(const char *pattern, char *err, size_t errlen)
{
    int          code;
    PCRE2_SIZE   offset;
    pcre2_code  *re;
    PCRE2_UCHAR  msg[256];

    re = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED,
                       PCRE2_UTF, &code, &offset, NULL);
    if (re == NULL) {
        pcre2_get_error_message(code, msg, sizeof(msg));
        snprintf(err, errlen, "bad pattern \"%s\": %s at offset %zu",
                 pattern, (char *) msg, (size_t) offset);
        return NULL;
    }
    /* JIT is an optimisation: without it matching still works. */
    (void) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

static or_err_t
check_pattern(const or_setting_t *s, void *field, char *err, size_t errlen)
{
    pcre2_code *re = compile(*(char **) field, err, errlen);

    if (re == NULL) {
        return OR_ECONF;
    }
    pcre2_code_free(re);
    return OR_OK;
}

static or_err_t
sector_postconf(or_cycle_t *cycle, or_conf_report_t *rep)
{
    char err[512];

    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_node_t        *node = &cycle->nodes[i];
        or_sector_conf_t *sc = or_node_conf(node, or_sector_module);
        char             *pat[4] = { sc->accept_sectors, sc->deny_sectors,
                                     sc->accept_services, sc->deny_services };
        int               any = 0;

        /* The filter is asked only about peers discovery listed (beacons,
         * and handshake requesters found in the peer table): without
         * discovery it would silently filter nothing. */
        if ((pat[0] || pat[1] || pat[2] || pat[3])
            && or_conf_needs_module(rep, node, "filter", NULL, "filter",
                                    "discovery"))
        {
            continue;
        }
        for (int k = 0; k < 4; k++) {
            if (pat[k] == NULL) {
                continue;
            }
            /* checked by check_pattern(): a failure here is memory */
            sc->re[k] = compile(pat[k], err, sizeof(err));
            if (sc->re[k] == NULL) {
                or_conf_error(rep, node->file, node->line, "filter", "%s",
                              err);
                continue;
            }
            any = 1;
        }
        if (!any) {
            continue;
        }
        /* the ovector is not read: one pair is enough for any pattern */
        sc->md = pcre2_match_data_create(1, NULL);
        sc->mctx = pcre2_match_context_create(NULL);
        if (sc->md == NULL || sc->mctx == NULL) {
            or_conf_error(rep, node->file, node->line, "filter",
                          "out of memory for the match data");
            continue;
        }
        pcre2_set_match_limit(sc->mctx, SECTOR_MATCH_LIMIT);
        node->filter = sector_filter;
    }
    return OR_OK;
}

static void
sector_free_conf(or_cycle_t *cycle)
{
    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_sector_conf_t *sc = or_node_conf(&cycle->nodes[i],
                                            or_sector_module);

        for (int k = 0; sc != NULL && k < 4; k++) {
            pcre2_code_free(sc->re[k]);
            sc->re[k] = NULL;
        }
        if (sc != NULL) {
            pcre2_match_data_free(sc->md);
            pcre2_match_context_free(sc->mctx);
            sc->md = NULL;
            sc->mctx = NULL;
        }
    }
}

/* 1 match, 0 no match, -1 error (limit hit, bad UTF-8 from a peer). */
static int
match(const or_sector_conf_t *sc, pcre2_code *re, const char *s)
{
    int rc = pcre2_match(re, (PCRE2_SPTR) s, strlen(s), 0, 0, sc->md,
                         sc->mctx);

    /* A match whose ovector was too small for the pattern's groups still
     * matched: PCRE2 returns 0 then. */
    return rc >= 0 ? 1 : (rc == PCRE2_ERROR_NOMATCH ? 0 : -1);
}

/* A service list passes accept_services if any service matches, and fails
 * deny_services if any service matches. Match errors (e.g. resource limits
 * hit by hostile input) refuse: fail closed. */
static int
any_match(const or_sector_conf_t *sc, pcre2_code *re, const char *const *v,
    size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int m = match(sc, re, v[i]);

        if (m != 0) {
            return m;
        }
    }
    return 0;
}

static int
sector_filter(const or_node_t *node, const char *sector,
    const char *const *services, size_t nservices)
{
    or_sector_conf_t *sc = or_node_conf(node, or_sector_module);

    if (sc->re[DENY_SECTORS] && match(sc, sc->re[DENY_SECTORS], sector) != 0) {
        return 0;
    }
    if (sc->re[DENY_SERVICES]
        && any_match(sc, sc->re[DENY_SERVICES], services, nservices) != 0)
    {
        return 0;
    }
    if (sc->re[ACCEPT_SECTORS]
        && match(sc, sc->re[ACCEPT_SECTORS], sector) != 1)
    {
        return 0;
    }
    if (sc->re[ACCEPT_SERVICES]
        && any_match(sc, sc->re[ACCEPT_SERVICES], services, nservices) != 1)
    {
        return 0;
    }
    return 1;
}
