/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* The "workers" status zone: slots the master writes, status reads. */
#include "or_status.h"

#include <stdio.h>
#include <string.h>

#include "or_shm.h"

or_err_t
or_status_zone_add(or_cycle_t *cycle)
{
    return or_shm_zone_add(cycle, OR_STATUS_ZONE, sizeof(or_status_t), NULL)
           ? OR_OK : OR_ENOMEM;
}

static or_status_t *
status_lock(or_cycle_t *cycle, or_shm_zone_t **zone)
{
    *zone = or_shm_zone_find(cycle, OR_STATUS_ZONE);
    if (*zone == NULL || or_shm_addr(*zone) == NULL) {
        return NULL;
    }
    or_shm_lock(*zone);
    return or_shm_addr(*zone);
}

or_err_t
or_status_worker_add(or_cycle_t *cycle, pid_t pid, unsigned index,
    unsigned generation)
{
    or_shm_zone_t *zone;
    or_status_t   *st = status_lock(cycle, &zone);
    or_err_t       rc = OR_ERROR;

    if (st == NULL) {
        return OR_ERROR;
    }
    for (size_t i = 0; i < OR_STATUS_SLOTS; i++) {
        if (st->slots[i].state == OR_WORKER_FREE) {
            st->slots[i].pid = pid;
            st->slots[i].index = index;
            st->slots[i].generation = generation;
            st->slots[i].state = OR_WORKER_RUNNING;
            rc = OR_OK;
            break;
        }
    }
    or_shm_unlock(zone);
    return rc;
}

void
or_status_worker_set(or_cycle_t *cycle, pid_t pid, or_worker_state_t state)
{
    or_shm_zone_t *zone;
    or_status_t   *st = status_lock(cycle, &zone);

    if (st == NULL) {
        return;
    }
    for (size_t i = 0; i < OR_STATUS_SLOTS; i++) {
        if (st->slots[i].state != OR_WORKER_FREE && st->slots[i].pid == pid) {
            if (state == OR_WORKER_FREE) {
                memset(&st->slots[i], 0, sizeof(st->slots[i]));
            } else {
                st->slots[i].state = state;
            }
            break;
        }
    }
    or_shm_unlock(zone);
}

void
or_status_master_set(or_cycle_t *cycle, pid_t pid, time_t started,
    unsigned reloads, unsigned generation)
{
    or_shm_zone_t *zone;
    or_status_t   *st = status_lock(cycle, &zone);

    if (st == NULL) {
        return;
    }
    st->master = pid;
    st->started = started;
    st->reloads = reloads;
    st->generation = generation;
    or_shm_unlock(zone);
}

void
or_status_reload_set(or_cycle_t *cycle, unsigned seq, int ok,
    const char *text)
{
    or_shm_zone_t *zone;
    or_status_t   *st = status_lock(cycle, &zone);

    if (st == NULL) {
        return;
    }
    st->reload_seq = seq;
    st->reload_ok = ok;
    st->reload_at = time(NULL);
    if (snprintf(st->reload_error, sizeof(st->reload_error), "%s",
                 text ? text : "") >= (int) sizeof(st->reload_error))
    {
        /* cut where a character starts: JSON wants whole UTF-8 */
        size_t n = sizeof(st->reload_error) - 1;

        while (n > 0 && ((unsigned char) st->reload_error[n] & 0xc0) == 0x80) {
            n--;
        }
        st->reload_error[n] = '\0';
    }
    or_shm_unlock(zone);
}

or_err_t
or_status_read(or_cycle_t *cycle, or_status_t *out)
{
    or_shm_zone_t *zone;
    or_status_t   *st = status_lock(cycle, &zone);

    if (st == NULL) {
        return OR_ERROR;
    }
    memcpy(out, st, sizeof(*out));
    or_shm_unlock(zone);
    return OR_OK;
}

const char *
or_status_state_name(int state)
{
    switch (state) {
    case OR_WORKER_RUNNING:  return "running";
    case OR_WORKER_QUITTING: return "quitting";
    case OR_WORKER_EXITING:  return "exiting";
    default:                 return "free";
    }
}
