/*
 * The replay cache: open addressing over OR_REPLAY_SLOTS, a probe of
 * OR_REPLAY_PROBE slots per signature; an expired slot counts as free.
 * When the probe finds no free slot the oldest request is forgotten and the
 * floor rises to its timestamp, so forgetting never lets a replay through.
 */
#include "or_replay.h"

#include <string.h>

/* FNV-1a over the whole signature: the slot, not a secret. */
static uint64_t
replay_hash(const unsigned char *sig, size_t len)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= sig[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void
replay_key(const unsigned char *sig, size_t len,
    unsigned char key[OR_REPLAY_KEY_LEN])
{
    memset(key, 0, OR_REPLAY_KEY_LEN);
    memcpy(key, sig, len < OR_REPLAY_KEY_LEN ? len : OR_REPLAY_KEY_LEN);
}

or_err_t
or_replay_check_add(or_replay_t *rc, const unsigned char *sig, size_t siglen,
    int64_t ts, int64_t now, int64_t window)
{
    unsigned char     key[OR_REPLAY_KEY_LEN];
    uint64_t          h = replay_hash(sig, siglen);
    or_replay_slot_t *free_slot = NULL, *oldest = NULL, *s;

    if (ts <= rc->floor) {
        return OR_EAUTH;
    }
    replay_key(sig, siglen, key);
    for (size_t i = 0; i < OR_REPLAY_PROBE; i++) {
        s = &rc->slots[(h + i) % OR_REPLAY_SLOTS];
        if (s->expires <= now) {
            if (free_slot == NULL) {
                free_slot = s;
            }
            continue;
        }
        if (memcmp(s->key, key, OR_REPLAY_KEY_LEN) == 0) {
            return OR_EAUTH;
        }
        if (oldest == NULL || s->ts < oldest->ts) {
            oldest = s;
        }
    }
    if (free_slot == NULL) {
        free_slot = oldest;
        if (oldest->ts > rc->floor) {
            rc->floor = oldest->ts;
        }
        rc->evicted++;
        if (ts <= rc->floor) {
            return OR_EAUTH;
        }
    }
    free_slot->expires = ts + window + 1 > now ? ts + window + 1 : now + 1;
    free_slot->ts = ts;
    memcpy(free_slot->key, key, OR_REPLAY_KEY_LEN);
    return OR_OK;
}
