/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Shared memory zones: named, mapped by the master before workers fork,
 * kept across a reload when the name and size are unchanged. Each zone has
 * a process-shared robust mutex, so a worker killed with the lock held
 * does not wedge the others (EOWNERDEAD is recovered in or_shm_lock()).
 */
#ifndef OR_SHM_H_INCLUDED
#define OR_SHM_H_INCLUDED

#include <stddef.h>

#include "or_err.h"

typedef struct or_cycle_s    or_cycle_t;
typedef struct or_shm_zone_s or_shm_zone_t;

#define OR_SHM_NAME_MAX  63     /* bytes of a zone name */

/* The zone's init callback runs in the master when the zone is mapped for
 * a cycle: reused = 0 for fresh (zeroed) memory, 1 for the memory a reload
 * kept from the old cycle (set up pointers, do not clear the data). A
 * failure fails the start or the reload. */
typedef or_err_t (*or_shm_init_pt)(or_shm_zone_t *zone, void *addr,
    size_t size, int reused);

/* Declares a zone for this cycle (call from postconf or init_master, in the
 * master). Returns a handle valid for the cycle's life, or NULL (out of
 * memory, name too long or already declared with another size). Declaring
 * the same name and size twice returns the same zone. */
or_shm_zone_t *or_shm_zone_add(or_cycle_t *cycle, const char *name,
    size_t size, or_shm_init_pt init);

/* What the zone's init callback needs beyond the memory (borrowed: it
 * must live as long as the cycle), and its reading; NULL unless set. */
void or_shm_zone_set_data(or_shm_zone_t *zone, void *data);
void *or_shm_zone_data(or_shm_zone_t *zone);

/* Finds a zone of the cycle by name (borrowed), or NULL. */
or_shm_zone_t *or_shm_zone_find(or_cycle_t *cycle, const char *name);

/* NULL until or_shm_map() ran for the zone's cycle. */
void *or_shm_addr(or_shm_zone_t *zone);
size_t or_shm_size(or_shm_zone_t *zone);
const char *or_shm_name(or_shm_zone_t *zone);

/* Process-shared lock of the zone; never fails for callers: a lock whose
 * holder died is made consistent and taken (the caller's data may then be
 * half-updated: zones keep their updates small and ordered). */
void or_shm_lock(or_shm_zone_t *zone);
void or_shm_unlock(or_shm_zone_t *zone);

/* For the process model. Maps every zone declared for cycle: a zone of old
 * with the same name and size is kept (its memory and lock move to cycle),
 * others are made fresh; then runs each init. On failure nothing of old
 * has moved. */
__attribute__((warn_unused_result))
or_err_t or_shm_map(or_cycle_t *cycle, or_cycle_t *old);

/* Unmaps the zones cycle still owns and frees its zone list; or_cycle_free()
 * calls it, and calling it again does nothing. */
void or_shm_cycle_free(or_cycle_t *cycle);

#endif /* OR_SHM_H_INCLUDED */
