/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The seen-v3 set (docs/PROTOCOL.md v3 §6.2): the ids that ever completed
 * a v3 handshake or sent a verified v3 beacon, so that a node never
 * accepts nor dials v2 with them (a v2 fingerprint is the first 16 hex of
 * an id). A contract of the core between modules: the handshake module
 * declares the "seen_v3" zone and persists it; discovery and the
 * handshake add to it; all of it is a no-op without the zone. Bounded
 * (OR_SEEN_V3_MAX ids, the one seen longest ago goes), kept across
 * reloads, saved to a file atomically (temp file, fsync, rename).
 */
#ifndef OR_SEEN_V3_H_INCLUDED
#define OR_SEEN_V3_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "or_err.h"

typedef struct or_cycle_s  or_cycle_t;

#define OR_SEEN_V3_ZONE  "seen_v3"
#define OR_SEEN_V3_MAX   4096
#define OR_SEEN_V3_ID    32

typedef struct {
    unsigned char  id[OR_SEEN_V3_ID];
    int64_t        seen;                /* s, wall clock, last time */
} or_seen_v3_entry_t;

typedef struct {
    uint32_t            count;
    uint32_t            loaded;         /* the file was read into it */
    uint64_t            changes;        /* bumped by every new id */
    uint64_t            saved;          /* the changes the file holds */
    int32_t             load_err;       /* the master's read: its errno */
    uint32_t            load_bad;       /* and the lines it skipped */
    or_seen_v3_entry_t  e[OR_SEEN_V3_MAX];
} or_seen_v3_t;

/* pure, for tests: 1 if id was new (a full set forgets the oldest) */
int or_seen_v3_table_add(or_seen_v3_t *t, const unsigned char *id,
    int64_t now);
/* 1 and the full id (may be NULL) if an id starts with the 16-hex fp */
int or_seen_v3_table_find_fp(const or_seen_v3_t *t, const char *fp,
    unsigned char *id);

/* master, init_master: declares the zone (its size is fixed: a reload
 * keeps it). With a path, the master reads the file into the zone when
 * it is first mapped, with its own rights (the workers' user may not read
 * it); the first load() in a worker reports that read's outcome. */
__attribute__((warn_unused_result))
or_err_t or_seen_v3_zone_add(or_cycle_t *cycle, const char *path);
/* any worker; no-op without the zone */
void or_seen_v3_add(or_cycle_t *cycle, const unsigned char *id);
int or_seen_v3_find_fp(or_cycle_t *cycle, const char *fp,
    unsigned char *id);

/*
 * The file: one "<64 hex> <s>" line per id. load() reads it into the zone
 * once per zone (a missing file is an empty set); lines that do not parse
 * are skipped and counted in *bad. save() writes the set, atomically,
 * unless the file already holds every change (saved by worker 0 or the
 * master, whichever came last); *saved: the changes the file now holds.
 * errno on OR_ERROR.
 */
__attribute__((warn_unused_result))
or_err_t or_seen_v3_load(or_cycle_t *cycle, const char *path, size_t *bad);
__attribute__((warn_unused_result))
or_err_t or_seen_v3_save(or_cycle_t *cycle, const char *path,
    uint64_t *saved);

#endif /* OR_SEEN_V3_H_INCLUDED */
