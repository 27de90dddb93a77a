/*
 * The session table in shared memory: linear scans over OR_SESSIONS_MAX
 * slots (a few thousand, read by control commands and at establish time,
 * never per message byte).
 */
#include "or_session.h"

#include <string.h>

#include "or_shm.h"

const char *
or_session_reason_name(int reason)
{
    static const char *const ours[] = {
        "replay", "timeout", "limit", "filtered", "self", "closed_early",
        "duplicate"
    };

    if (reason >= OR_R_LAST && reason < OR_SR_LAST) {
        return ours[reason - OR_R_LAST];
    }
    return or_reason_name((or_reason_t) reason);
}

int
or_session_find(const or_session_table_t *t, const char *node,
    const char *peer)
{
    for (int i = 0; i < OR_SESSIONS_MAX; i++) {
        const or_session_t *s = &t->slots[i];

        if (s->id != 0 && strcmp(s->peer, peer) == 0
            && strcmp(s->node, node) == 0)
        {
            return i;
        }
    }
    return -1;
}

int
or_session_add(or_session_table_t *t, const or_session_t *s, uint64_t *id)
{
    for (int i = 0; i < OR_SESSIONS_MAX; i++) {
        if (t->slots[i].id == 0) {
            t->slots[i] = *s;
            t->slots[i].id = ++t->next_id;
            *id = t->slots[i].id;
            return i;
        }
    }
    return -1;
}

void
or_session_remove(or_session_table_t *t, int idx, uint64_t id)
{
    if (idx >= 0 && idx < OR_SESSIONS_MAX && t->slots[idx].id == id) {
        memset(&t->slots[idx], 0, sizeof(t->slots[idx]));
    }
}

size_t
or_session_count(const or_session_table_t *t, const char *node, int dir)
{
    size_t n = 0;

    for (int i = 0; i < OR_SESSIONS_MAX; i++) {
        const or_session_t *s = &t->slots[i];

        if (s->id != 0 && strcmp(s->node, node) == 0
            && (dir < 0 || s->direction == dir))
        {
            n++;
        }
    }
    return n;
}

void
or_session_purge_pid(or_session_table_t *t, pid_t pid)
{
    for (int i = 0; i < OR_SESSIONS_MAX; i++) {
        if (t->slots[i].id != 0 && t->slots[i].pid == pid) {
            memset(&t->slots[i], 0, sizeof(t->slots[i]));
        }
    }
}

or_err_t
or_session_zone_add(or_cycle_t *cycle)
{
    return or_shm_zone_add(cycle, OR_SESSION_ZONE,
                           sizeof(or_session_table_t), NULL)
           ? OR_OK : OR_ENOMEM;
}

or_shm_zone_t *
or_session_zone(or_cycle_t *cycle)
{
    return or_shm_zone_find(cycle, OR_SESSION_ZONE);
}
