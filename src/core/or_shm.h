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

/* The zone's init callback runs once when the zone is created (not when a
 * reload keeps it); reused says whether the memory is a kept one. */
typedef or_err_t (*or_shm_init_pt)(or_shm_zone_t *zone, void *addr,
    size_t size, int reused);

/* Declares a zone for this cycle (call from postconf or init_master, in the
 * master). Returns a handle valid for the cycle's life, or NULL. */
or_shm_zone_t *or_shm_zone_add(or_cycle_t *cycle, const char *name,
    size_t size, or_shm_init_pt init);

/* Finds a zone of the cycle by name (borrowed), or NULL. */
or_shm_zone_t *or_shm_zone_find(or_cycle_t *cycle, const char *name);

void *or_shm_addr(or_shm_zone_t *zone);
size_t or_shm_size(or_shm_zone_t *zone);

/* Process-shared lock of the zone; never fails for callers: a lock whose
 * holder died is made consistent and taken (the caller's data may then be
 * half-updated: zones keep their updates small and ordered). */
void or_shm_lock(or_shm_zone_t *zone);
void or_shm_unlock(or_shm_zone_t *zone);

#endif /* OR_SHM_H_INCLUDED */
