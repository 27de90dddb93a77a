/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Shared memory zones: anonymous MAP_SHARED mappings made by the master, so
 * every worker forked afterwards sees the same pages. The zone list is
 * cycle->shm_zones; a reload hands unchanged zones to the new cycle.
 */
#include "or_shm.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "or_cycle.h"

/* Lives at the start of each mapping; the user area follows, aligned. */
typedef struct {
    pthread_mutex_t  mutex;
} shm_header_t;

#define SHM_HEADER_SIZE  ((sizeof(shm_header_t) + 63) & ~(size_t) 63)

struct or_shm_zone_s {
    or_shm_zone_t   *next;
    char             name[OR_SHM_NAME_MAX + 1];
    size_t           size;         /* bytes the module asked for */
    or_shm_init_pt   init;
    void            *data;         /* for init: or_shm_zone_set_data() */
    shm_header_t    *hdr;          /* the mapping; NULL until mapped */
    size_t           map_size;     /* header + size, page rounded by mmap */
    int              owned;        /* unmap at cycle free */
};

static or_err_t map_fresh(or_shm_zone_t *zone);

or_shm_zone_t *
or_shm_zone_add(or_cycle_t *cycle, const char *name, size_t size,
    or_shm_init_pt init)
{
    or_shm_zone_t *zone = or_shm_zone_find(cycle, name);

    if (zone != NULL) {
        return zone->size == size ? zone : NULL;
    }
    if (strlen(name) > OR_SHM_NAME_MAX || size == 0
        || size > SIZE_MAX - SHM_HEADER_SIZE)
    {
        return NULL;
    }
    zone = calloc(1, sizeof(*zone));
    if (zone == NULL) {
        return NULL;
    }
    strcpy(zone->name, name);
    zone->size = size;
    zone->init = init;
    zone->next = cycle->shm_zones;
    cycle->shm_zones = zone;
    return zone;
}

void
or_shm_zone_set_data(or_shm_zone_t *zone, void *data)
{
    zone->data = data;
}

void *
or_shm_zone_data(or_shm_zone_t *zone)
{
    return zone->data;
}

or_shm_zone_t *
or_shm_zone_find(or_cycle_t *cycle, const char *name)
{
    if (cycle == NULL) {
        return NULL;
    }
    for (or_shm_zone_t *z = cycle->shm_zones; z != NULL; z = z->next) {
        if (strcmp(z->name, name) == 0) {
            return z;
        }
    }
    return NULL;
}

void *
or_shm_addr(or_shm_zone_t *zone)
{
    return zone->hdr ? (char *) zone->hdr + SHM_HEADER_SIZE : NULL;
}

size_t
or_shm_size(or_shm_zone_t *zone)
{
    return zone->size;
}

const char *
or_shm_name(or_shm_zone_t *zone)
{
    return zone->name;
}

void
or_shm_lock(or_shm_zone_t *zone)
{
    int rc = pthread_mutex_lock(&zone->hdr->mutex);

    /* The holder died inside its critical section: take the lock over. */
    if (rc == EOWNERDEAD) {
        pthread_mutex_consistent(&zone->hdr->mutex);
    }
}

void
or_shm_unlock(or_shm_zone_t *zone)
{
    pthread_mutex_unlock(&zone->hdr->mutex);
}

static or_err_t
map_fresh(or_shm_zone_t *zone)
{
    pthread_mutexattr_t  attr;
    void                *p;
    int                  rc;

    zone->map_size = SHM_HEADER_SIZE + zone->size;
    p = mmap(NULL, zone->map_size, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        return OR_ERROR;
    }
    rc = pthread_mutexattr_init(&attr);
    if (rc == 0) {
        rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    }
    if (rc == 0) {
        rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    }
    if (rc == 0) {
        rc = pthread_mutex_init(&((shm_header_t *) p)->mutex, &attr);
    }
    pthread_mutexattr_destroy(&attr);
    if (rc != 0) {
        munmap(p, zone->map_size);
        errno = rc;
        return OR_ERROR;
    }
    zone->hdr = p;
    zone->owned = 1;
    return OR_OK;
}

static void
unmap_new(or_cycle_t *cycle, or_cycle_t *old)
{
    for (or_shm_zone_t *z = cycle->shm_zones; z != NULL; z = z->next) {
        or_shm_zone_t *o = old ? or_shm_zone_find(old, z->name) : NULL;

        if (z->hdr != NULL && (o == NULL || o->hdr != z->hdr)) {
            munmap(z->hdr, z->map_size);
        }
        z->hdr = NULL;
        z->owned = 0;
    }
}

or_err_t
or_shm_map(or_cycle_t *cycle, or_cycle_t *old)
{
    or_shm_zone_t *z, *o;
    or_err_t       rc;
    int            saved;

    for (z = cycle->shm_zones; z != NULL; z = z->next) {
        o = old ? or_shm_zone_find(old, z->name) : NULL;
        if (o != NULL && o->hdr != NULL && o->size == z->size) {
            z->hdr = o->hdr;
            z->map_size = o->map_size;
            rc = z->init ? z->init(z, or_shm_addr(z), z->size, 1) : OR_OK;
        } else {
            rc = map_fresh(z);
            if (rc == OR_OK && z->init != NULL) {
                rc = z->init(z, or_shm_addr(z), z->size, 0);
            }
        }
        if (rc != OR_OK) {
            saved = errno;
            unmap_new(cycle, old);
            errno = saved;
            return rc;
        }
    }
    /* Only now does a kept zone change hands: a failed map left old whole. */
    for (z = cycle->shm_zones; z != NULL; z = z->next) {
        o = old ? or_shm_zone_find(old, z->name) : NULL;
        if (o != NULL && o->hdr == z->hdr) {
            o->owned = 0;
        }
        z->owned = 1;
    }
    return OR_OK;
}

void
or_shm_cycle_free(or_cycle_t *cycle)
{
    or_shm_zone_t *z, *next;

    for (z = cycle->shm_zones; z != NULL; z = next) {
        next = z->next;
        if (z->owned && z->hdr != NULL) {
            munmap(z->hdr, z->map_size);
        }
        free(z);
    }
    cycle->shm_zones = NULL;
}
