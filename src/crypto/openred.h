/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libopenred: identity keys, RSA-PSS, the Fernet network key and the v2 wire
 * codecs (PROTOCOL-v2.md). Pure functions over bytes: no I/O except the key
 * file functions, no logging. Handles are opaque; no OpenSSL type leaks.
 */
#ifndef OPENRED_H_INCLUDED
#define OPENRED_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "or_err.h"
#include "or_wire_limits.h"

#define OR_WUR  __attribute__((warn_unused_result))

#define OR_FP_LEN           16      /* hex chars of a fingerprint */
#define OR_LINK_LEN         32      /* hex chars of a mutual link */
#define OR_NODE_HASH_LEN    64      /* hex chars of a beacon node_hash */
#define OR_FERNET_KEY_LEN   32      /* raw bytes: 16 HMAC + 16 AES */
#define OR_NO_LIMIT         (-1)    /* ttl / max_skew: do not check */

/*
 * Why something failed, finer than or_err_t, so that callers can count
 * refusals by reason and answer a peer. Names: or_reason_name().
 */
typedef enum {
    OR_R_NONE = 0,
    OR_R_NOMEM,             /* allocation failed */
    OR_R_CRYPTO,            /* OpenSSL itself failed */
    OR_R_IO,                /* reading or writing a file */
    OR_R_KEY_PERMS,         /* key file: symlink, other owner, or mode */
    OR_R_BAD_PEM,           /* not a PEM key we can parse */
    OR_R_KEY_TYPE,          /* not RSA */
    OR_R_KEY_EXPONENT,      /* e != 65537 */
    OR_R_KEY_SIZE,          /* outside OR_RSA_BITS_MIN..MAX */
    OR_R_KEY_NONCANONICAL,  /* re-encoding gives other bytes */
    OR_R_BAD_BASE64,
    OR_R_TOO_BIG,           /* over a named bound of or_limits.h */
    OR_R_BUF_SMALL,         /* caller's output buffer is too small */
    OR_R_TOKEN_LENGTH,      /* Fernet token of impossible length */
    OR_R_TOKEN_VERSION,     /* Fernet version byte is not 0x80 */
    OR_R_HMAC,              /* wrong key or HMAC mismatch */
    OR_R_PADDING,           /* bad PKCS#7 padding after a good HMAC */
    OR_R_EXPIRED,           /* token older than ttl */
    OR_R_FUTURE,            /* token further in the future than max_skew */
    OR_R_JSON_MALFORMED,
    OR_R_JSON_NONFINITE,    /* bare NaN / Infinity: not JSON */
    OR_R_JSON_DEPTH,        /* nesting over OR_JSON_DEPTH_MAX */
    OR_R_JSON_SHAPE,        /* valid JSON, wrong type or missing field */
    OR_R_BEACON_TYPE,       /* beacon_type is not the v2 one */
    OR_R_MSG_TYPE,          /* "type" is not the expected message */
    OR_R_BAD_FINGERPRINT,   /* not 16 lowercase hex */
    OR_R_TS_NOT_INTEGER,    /* handshake timestamp is not a JSON integer */
    OR_R_NOT_FOR_US,        /* target_fingerprint is not ours */
    OR_R_HS_EXPIRED,        /* |now - timestamp| over the window */
    OR_R_KEY_NOT_BOUND,     /* public key does not hash to the fingerprint */
    OR_R_BAD_SIGNATURE,
    OR_R_WRONG_PEER,        /* response source is not who we dialled */
    OR_R_LINK_MISMATCH,     /* mutual_link differs from ours */
    OR_R_PEER_ERROR,        /* the peer answered {"error": ...} */
    OR_R_SIG_LENGTH,        /* signature is not exactly the key's size */
    /* v3 (docs/PROTOCOL.md "Part v3") */
    OR_R_V3_MAGIC,          /* first bytes are not "\0OR3" */
    OR_R_V3_TRUNCATED,      /* a field runs past the frame */
    OR_R_V3_TRAILING,       /* bytes after the last field */
    OR_R_V3_VERSION,        /* no common version, or one not offered */
    OR_R_V3_SUITE,          /* no common suite, or one not offered */
    OR_R_V3_EPHEMERAL,      /* X25519 gives the all-zero secret */
    OR_R_V3_FINISHED,       /* fin_r / fin_i key confirmation differs */
    OR_R_V3_RECORD_LENGTH,  /* record frame under OR_V3_REC_LEN_MIN */
    OR_R_V3_RECORD_AUTH,    /* tag fails: tampered, skipped, repeated */
    OR_R_V3_RECORD_TYPE,    /* unknown record type */
    OR_R_V3_RECORD_BODY,    /* body outside its type's bounds */
    OR_R_V3_REKEY_OVERDUE,  /* not REKEY at the last counter of a key */
    OR_R_V3_CLOSED,         /* record after CLOSE or after a failure */
    OR_R_V3_STATE,          /* call out of handshake order */
    OR_R_V3_BEACON_FIELD,   /* beacon flags, ttl, port, ... out of rule */
    OR_R_V3_BEACON_SEAL,    /* beacon seal: wrong network or tampered */
    OR_R_V3_BEACON_SEQ,     /* same instance, seq not newer: replay */
    OR_R_V3_BEACON_STALE,   /* an older instance than the last one */
    OR_R_V3_BEACON_BUDGET,  /* over the receiver's RSA verify budget */
    OR_R_LAST
} or_reason_t;

/* What went wrong: filled on failure by every function taking one. */
typedef struct {
    or_reason_t reason;
    char        msg[256];
} or_errbuf_t;

/* "hmac", "bad_signature", ...: stable, for counters and logs */
const char *or_reason_name(or_reason_t reason);

/*
 * Peer text made safe to print or log: bytes 0x00..0x1f and 0x7f, the C1
 * controls U+0080..U+009F, the bidirectional controls (U+061C, U+200E,
 * U+200F, U+202A..U+202E, U+2066..U+2069) and each byte that is not valid
 * UTF-8 become "\xHH" (one per byte); valid UTF-8 is kept. With
 * OR_PRINTABLE_QUOTED, '"' and a backslash become \" and \\, so the text
 * can stand between quotes. len bytes of in are read (a NUL is a byte like
 * any other). out gets a NUL-terminated string of at most cap - 1 bytes:
 * OR_PRINTABLE_MAX(len) always suffice; else it ends "..." after the last
 * whole character or escape that fits. Returns out (for printf).
 */
#define OR_PRINTABLE_QUOTED     1u
#define OR_PRINTABLE_MAX(len)   (4 * (len) + 1)
const char *or_printable(const char *in, size_t len, char *out, size_t cap,
    unsigned flags);

/* identity: our RSA key pair, with its public PEM and fingerprint cached */
typedef struct or_key_s     or_key_t;
/* a peer's public key, accepted by or_pubkey_import() */
typedef struct or_pubkey_s  or_pubkey_t;

or_err_t or_key_generate(or_key_t **out, or_errbuf_t *eb) OR_WUR;
/* PKCS#8 PEM, mode 0600, temp file + rename in the same directory */
or_err_t or_key_save(const or_key_t *key, const char *path,
    or_errbuf_t *eb) OR_WUR;
/*
 * Refuses (OR_R_KEY_PERMS) a symlink, a file owned by neither the
 * effective uid nor root, and one group or others can access.
 */
or_err_t or_key_load(const char *path, or_key_t **out, or_errbuf_t *eb)
    OR_WUR;
/*
 * check_mode 0 skips the permission check: only for tools that read a key
 * without using it as an identity (openredctl key fingerprint FILE).
 */
or_err_t or_key_load_any_mode(const char *path, int check_mode,
    or_key_t **out, or_errbuf_t *eb) OR_WUR;
/* loads path, or generates and saves a new key if it does not exist */
or_err_t or_key_load_or_create(const char *path, or_key_t **out,
    int *created, or_errbuf_t *eb) OR_WUR;
void or_key_free(or_key_t *key);
/* borrowed; valid until or_key_free: 16 hex + NUL */
const char *or_key_fingerprint(const or_key_t *key);
/* borrowed; valid until or_key_free: PEM bytes, not NUL-counted in *len */
const char *or_key_public_pem(const or_key_t *key, size_t *len);
/* RSA-PSS SHA-256, MGF1 SHA-256, maximal salt (PROTOCOL-v2.md) */
or_err_t or_sign(const or_key_t *key, const void *data, size_t len,
    unsigned char *sig, size_t sigcap, size_t *siglen, or_errbuf_t *eb)
    OR_WUR;

/* RSA, e = 65537, 2048..4096 bits, canonical PEM; else OR_EAUTH */
or_err_t or_pubkey_import(const char *pem, size_t len, or_pubkey_t **out,
    or_errbuf_t *eb) OR_WUR;
/* one more owner of pk (each or_pubkey_free drops one); returns pk */
or_pubkey_t *or_pubkey_ref(or_pubkey_t *pk);
void or_pubkey_free(or_pubkey_t *pk);
const char *or_pubkey_fingerprint(const or_pubkey_t *pk);
const char *or_pubkey_pem(const or_pubkey_t *pk, size_t *len);
/*
 * OR_OK, or OR_EAUTH with OR_R_BAD_SIGNATURE, or with OR_R_SIG_LENGTH for
 * a signature that is not exactly the key's size (OpenSSL would verify one
 * with its leading zero bytes removed: another encoding of the same one).
 */
or_err_t or_verify(const or_pubkey_t *pk, const void *data, size_t len,
    const unsigned char *sig, size_t siglen, or_errbuf_t *eb) OR_WUR;

/* fingerprint of any PEM bytes: first 16 hex of SHA-256; out[17] */
or_err_t or_fingerprint(const void *pem, size_t len, char *out,
    or_errbuf_t *eb) OR_WUR;

/*
 * The network key and reusable contexts. Not thread-safe: one per worker.
 * PBKDF2 runs 100000 iterations: derive once per cycle, not per beacon.
 */
typedef struct or_fernet_s  or_fernet_t;

typedef struct {
    int64_t     now;        /* s, wall clock (injectable for tests) */
    int64_t     ttl;        /* s, or OR_NO_LIMIT (the original's choice) */
    int64_t     max_skew;   /* s a token may be in the future, or no limit */
} or_fernet_time_t;

or_err_t or_fernet_derive(const char *passphrase, size_t len,
    or_fernet_t **out, or_errbuf_t *eb) OR_WUR;
or_err_t or_fernet_new(const unsigned char raw[OR_FERNET_KEY_LEN],
    or_fernet_t **out, or_errbuf_t *eb) OR_WUR;
void or_fernet_free(or_fernet_t *fk);
/* the raw key, e.g. to compare with the original's base64url form */
void or_fernet_export(const or_fernet_t *fk,
    unsigned char raw[OR_FERNET_KEY_LEN]);
/* token = ASCII base64url with padding; random IV; timestamp = now */
or_err_t or_fernet_seal(or_fernet_t *fk, const void *plain, size_t len,
    int64_t now, char *token, size_t tokcap, size_t *toklen,
    or_errbuf_t *eb) OR_WUR;
/*
 * Junk is refused before any crypto; the HMAC is checked in constant time
 * before decrypting; then ttl and skew. *ts gets the token's timestamp.
 */
or_err_t or_fernet_open(or_fernet_t *fk, const char *token, size_t len,
    const or_fernet_time_t *t, unsigned char *plain, size_t cap,
    size_t *plainlen, int64_t *ts, or_errbuf_t *eb) OR_WUR;

/* finds where one top-level JSON object ends in a stream of them */
typedef struct or_json_reader_s  or_json_reader_t;

or_err_t or_json_reader_new(size_t max, or_json_reader_t **out) OR_WUR;
void or_json_reader_free(or_json_reader_t *r);
/*
 * Scans buf (the bytes after those already consumed). OR_OK: one object
 * ends at buf[*used - 1], the reader is reset for the next one. OR_AGAIN:
 * all of buf scanned, *used = len. OR_EPROTO / OR_ETOOBIG: give up.
 */
or_err_t or_json_reader_feed(or_json_reader_t *r, const char *buf,
    size_t len, size_t *used, or_errbuf_t *eb) OR_WUR;

/* v2 discovery beacon (PROTOCOL-v2.md "Discovery beacons") */
typedef struct {
    char        fingerprint[OR_FP_LEN + 1];
    char        node_hash[OR_NODE_HASH_LEN + 1];
    char        sector[OR_V2_SECTOR_LEN_MAX + 1];
    char        services[OR_V2_SERVICES_MAX][OR_V2_SERVICE_LEN_MAX + 1];
    size_t      nservices;
    int64_t     activity_level;
    char        zone_hash[OR_V2_ZONE_LEN_MAX + 1];
    char        ip[OR_V2_IP_LEN_MAX + 1];   /* advertised; "" if absent */
    uint16_t    port;                       /* advertised; 0 if absent */
    double      timestamp;                  /* s, sender's wall clock */
} or_v2_beacon_t;

/* plaintext JSON in the original's layout */
or_err_t or_v2_beacon_build(const or_v2_beacon_t *b, char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb) OR_WUR;
or_err_t or_v2_beacon_parse(const char *json, size_t len,
    or_v2_beacon_t *out, or_errbuf_t *eb) OR_WUR;
or_err_t or_v2_beacon_seal(or_fernet_t *fk, const or_v2_beacon_t *b,
    int64_t now, char *token, size_t cap, size_t *toklen,
    or_errbuf_t *eb) OR_WUR;

/* What or_v2_beacon_open found in a token. */
typedef struct {
    or_v2_beacon_t  beacon;     /* the parsed beacon; on OR_OK only */
    size_t          key;        /* index in keys[] of the key that fitted */
    int64_t         timestamp;  /* s, the Fernet token's own */
    int             decrypted;  /* 1: a key fitted, key..plain are set */
    size_t          plainlen;
    unsigned char   plain[OR_BEACON_PLAIN_MAX];     /* the JSON as sent */
} or_v2_opened_t;

/*
 * The one way a received beacon is opened: the daemon, openredctl, the
 * fuzzer and the bench all call it. The token is tried with each of nkeys
 * keys in turn (a node may hear several networks): a wrong key fails on
 * the HMAC before any decryption, so junk and foreign networks cost
 * little. t applies to the token's timestamp. OR_OK: all of *out is set.
 * Else eb->reason says why: OR_R_HMAC if no key fitted (or nkeys is 0);
 * the token's shape (bad_base64, ...) before any key; expired, future or
 * padding after a good HMAC; OR_R_TOO_BIG for a plaintext over
 * OR_BEACON_PLAIN_MAX; or the JSON's refusal, and in that case only
 * out->decrypted is 1 and key, timestamp and plain hold what opened, so a
 * tool can show it. eb may be NULL.
 */
or_err_t or_v2_beacon_open(or_fernet_t *const *keys, size_t nkeys,
    const char *token, size_t len, const or_fernet_time_t *t,
    or_v2_opened_t *out, or_errbuf_t *eb) OR_WUR;

/* v2 handshake (PROTOCOL-v2.md "Handshake over TCP") */
typedef struct {
    char            source[OR_FP_LEN + 1];
    char            target[OR_FP_LEN + 1];
    int64_t         timestamp;              /* s */
    or_pubkey_t    *peer_key;               /* owned; or_v2_request_clear */
    unsigned char   signature[OR_SIG_MAX];  /* for the replay cache */
    size_t          siglen;
} or_v2_request_t;

typedef struct {
    char            source[OR_FP_LEN + 1];  /* the peer, = who we dialled */
    int64_t         timestamp;              /* s, tsB */
    char            mutual_link[OR_LINK_LEN + 1];
    or_pubkey_t    *peer_key;               /* owned; or_v2_response_clear */
} or_v2_response_t;

/* what an initiator remembers of the request it sent */
typedef struct {
    char            ours[OR_FP_LEN + 1];      /* fpA */
    char            dialled[OR_FP_LEN + 1];   /* fpB */
    int64_t         timestamp;                /* tsA */
} or_v2_sent_t;

or_err_t or_v2_request_build(const or_key_t *key, const char *target_fp,
    int64_t now, char *out, size_t cap, size_t *outlen, or_errbuf_t *eb)
    OR_WUR;
or_err_t or_v2_request_check(const char *json, size_t len,
    const char *our_fp, int64_t now, int64_t window, or_v2_request_t *out,
    or_errbuf_t *eb) OR_WUR;
void or_v2_request_clear(or_v2_request_t *req);
/*
 * Keys a responder has imported, by the SHA-256 of the PEM bytes a request
 * carried: a request whose PEM hashes to a cached key skips the import and
 * its canonical check (the same bytes passed them). find returns a
 * reference of its own (or_pubkey_ref) or NULL; add is offered each key
 * imported and takes its own reference if it keeps it.
 */
typedef struct {
    or_pubkey_t  *(*find)(void *data, const unsigned char *sha256);
    void          (*add)(void *data, const unsigned char *sha256,
                         or_pubkey_t *pk);
    void          *data;
} or_pubkey_cache_t;
/* or_v2_request_check with cache (NULL: none) */
or_err_t or_v2_request_check_cached(const char *json, size_t len,
    const char *our_fp, int64_t now, int64_t window,
    const or_pubkey_cache_t *cache, or_v2_request_t *out, or_errbuf_t *eb)
    OR_WUR;
/* link_out[OR_LINK_LEN + 1] may be NULL */
or_err_t or_v2_response_build(const or_key_t *key, const or_v2_request_t *req,
    int64_t now, char *out, size_t cap, size_t *outlen, char *link_out,
    or_errbuf_t *eb) OR_WUR;
or_err_t or_v2_response_check(const char *json, size_t len,
    const or_v2_sent_t *sent, int64_t now, int64_t window,
    or_v2_response_t *out, or_errbuf_t *eb) OR_WUR;
void or_v2_response_clear(or_v2_response_t *resp);
/* first 32 hex of SHA-256("fpA:fpB:tsA:tsB"); out[OR_LINK_LEN + 1] */
or_err_t or_v2_mutual_link(const char *fp_a, const char *fp_b, int64_t ts_a,
    int64_t ts_b, char *out, or_errbuf_t *eb) OR_WUR;
/* the {"error": "..."} bytes the original answers for a refusal reason */
or_err_t or_v2_error_reply(or_reason_t reason, char *out, size_t cap,
    size_t *outlen) OR_WUR;

/* v2 post-handshake message (PROTOCOL-v2.md "After the handshake") */
typedef struct {
    char        source[OR_FP_LEN + 1];
    char        target[OR_FP_LEN + 1];
    double      timestamp;                  /* s */
    int         has_link;                   /* 0: "mutual_link": null */
    char        mutual_link[OR_LINK_LEN + 1];
    char       *payload;    /* owned; the object, Python layout, NUL-ended */
    size_t      payload_len;
} or_v2_message_t;

/* payload: one JSON object (bytes); link NULL sends null like the original */
or_err_t or_v2_message_build(const char *source, const char *target,
    double ts, const char *link, const char *payload, size_t payload_len,
    char *out, size_t cap, size_t *outlen, or_errbuf_t *eb) OR_WUR;
or_err_t or_v2_message_parse(const char *json, size_t len,
    or_v2_message_t *out, or_errbuf_t *eb) OR_WUR;
void or_v2_message_clear(or_v2_message_t *msg);

#endif /* OPENRED_H_INCLUDED */
