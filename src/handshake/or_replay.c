/*
 * The replay cache: open addressing over OR_REPLAY_SLOTS, a probe of
 * OR_REPLAY_PROBE slots per signature; an expired slot counts as free.
 * When the probe finds no free slot the oldest request is forgotten and the
 * floor rises to its timestamp, so forgetting never lets a replay through.
 */
#include "or_replay.h"

#include <string.h>

#include <openssl/evp.h>

#include "openred.h"

/*
 * The key is SHA-256 of the signature as an integer: left-padded with
 * zeros to OR_SIG_MAX, so that no re-encoding of one signature (leading
 * zeros removed or added) is a different key (issue 16).
 */
static int
replay_key(const unsigned char *sig, size_t len,
    unsigned char key[OR_REPLAY_KEY_LEN])
{
    unsigned char  padded[OR_SIG_MAX];

    if (len > OR_SIG_MAX) {
        return 0;
    }
    memset(padded, 0, OR_SIG_MAX - len);
    memcpy(padded + OR_SIG_MAX - len, sig, len);
    return EVP_Digest(padded, sizeof(padded), key, NULL, EVP_sha256(), NULL);
}

/* the first slot looked at: from the key, so it is canonical too */
static uint64_t
replay_hash(const unsigned char key[OR_REPLAY_KEY_LEN])
{
    uint64_t  h;

    memcpy(&h, key, sizeof(h));
    return h;
}

or_err_t
or_replay_check_add(or_replay_t *rc, const unsigned char *sig, size_t siglen,
    int64_t ts, int64_t now, int64_t window)
{
    unsigned char     key[OR_REPLAY_KEY_LEN];
    uint64_t          h;
    or_replay_slot_t *free_slot = NULL, *oldest = NULL, *s;

    if (ts <= rc->floor || !replay_key(sig, siglen, key)) {
        return OR_EAUTH;
    }
    h = replay_hash(key);
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
