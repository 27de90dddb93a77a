/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libopenred v3 (docs/PROTOCOL.md "Part v3"): identity ids, the handshake
 * MSG1/MSG2/MSG3, the key schedule and the record layer, as pure functions
 * over bytes: no I/O, no logging, no clock (times are arguments). Handles
 * are opaque. Not thread-safe: one handle per connection.
 */
#ifndef OR_V3_H_INCLUDED
#define OR_V3_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "openred.h"

/* sizes (PROTOCOL.md v3 §9) */
#define OR_V3_MAGIC             "\0OR3"
#define OR_V3_MAGIC_LEN         4
#define OR_V3_ID_LEN            32      /* bytes, SHA-256 of PEM(key) */
#define OR_V3_ID_HEX_LEN        64
#define OR_V3_NONCE_LEN         32
#define OR_V3_X25519_LEN        32      /* public or private key */
#define OR_V3_KEY_LEN           32      /* traffic and finished keys */
#define OR_V3_HASH_LEN          32      /* h1, TH, fin */
#define OR_V3_SID_LEN           16      /* session_id */
#define OR_V3_TAG_LEN           16
#define OR_V3_DER_MAX           550     /* bytes, RSA-4096 SPKI */
#define OR_V3_COOKIE_MAX        64
#define OR_V3_FRAME_HDR         4       /* u32 len */
#define OR_V3_HS_LEN_MAX        2048    /* payload of a handshake frame */
#define OR_V3_MSG3_LEN          33      /* type + fin_i */
#define OR_V3_REC_LEN_MIN       17      /* rtype + tag */
#define OR_V3_REC_LEN_MAX       (1 + OR_MESSAGE_MAX + OR_V3_TAG_LEN)
#define OR_V3_PING_MAX          64
#define OR_V3_CLOSE_TEXT_MAX    128

/* times (ms) */
#define OR_V3_TS_WINDOW         120000  /* |now - ts| in MSG1 and MSG2 */
#define OR_V3_HS_TIMEOUT        5000
#define OR_V3_REKEY_MS          120000
#define OR_V3_PING_MS           15000
#define OR_V3_IDLE_MS           45000
#define OR_V3_REKEY_RECORDS     (UINT64_C(1) << 20)

/* bitmaps of MSG1, single bits in MSG2 */
#define OR_V3_VERSION_3_0       0x0001
#define OR_V3_SUITE_CHACHA      0x0001  /* mandatory */
#define OR_V3_SUITE_AESGCM      0x0002
#define OR_V3_SUITES_ALL        (OR_V3_SUITE_CHACHA | OR_V3_SUITE_AESGCM)

/* handshake frame types, record types, wire reason codes */
enum {
    OR_V3_HS_MSG1 = 1, OR_V3_HS_MSG2 = 2, OR_V3_HS_MSG3 = 3,
    OR_V3_HS_COOKIE = 4, OR_V3_HS_REFUSE = 5
};
enum {
    OR_V3_REC_MSG = 1, OR_V3_REC_PING = 2, OR_V3_REC_PONG = 3,
    OR_V3_REC_REKEY = 4, OR_V3_REC_CLOSE = 5
};
enum {
    OR_V3_CODE_NORMAL = 0, OR_V3_CODE_PROTOCOL = 1, OR_V3_CODE_AUTH = 2,
    OR_V3_CODE_POLICY = 3, OR_V3_CODE_TIMEOUT = 4, OR_V3_CODE_VERSION = 5,
    OR_V3_CODE_INTERNAL = 6
};

/* the wire class of a local refusal reason (PROTOCOL.md v3 §7.5) */
unsigned or_v3_reason_code(or_reason_t reason);

/* identity (§2): id = SHA-256(PEM(key)); its 16-hex prefix = v2 fp */
or_err_t or_v3_key_id(const or_key_t *key, unsigned char id[OR_V3_ID_LEN],
    or_errbuf_t *eb) OR_WUR;
or_err_t or_v3_pubkey_id(const or_pubkey_t *pk,
    unsigned char id[OR_V3_ID_LEN], or_errbuf_t *eb) OR_WUR;
/* our key as canonical DER SPKI */
or_err_t or_v3_key_der(const or_key_t *key, unsigned char *der, size_t cap,
    size_t *len, or_errbuf_t *eb) OR_WUR;
/* the binding check: parse, RSA policy, canonical DER; id may be NULL */
or_err_t or_v3_pubkey_import_der(const unsigned char *der, size_t len,
    or_pubkey_t **out, unsigned char id[OR_V3_ID_LEN], or_errbuf_t *eb)
    OR_WUR;
/* 64 lowercase hex + NUL */
void or_v3_id_hex(const unsigned char id[OR_V3_ID_LEN],
    char out[OR_V3_ID_HEX_LEN + 1]);

/* the key schedule (§5.5) as one pure function, for tests and tools */
typedef struct {
    unsigned char   i2r[OR_V3_KEY_LEN];
    unsigned char   r2i[OR_V3_KEY_LEN];
    unsigned char   fin_i[OR_V3_KEY_LEN];
    unsigned char   fin_r[OR_V3_KEY_LEN];
    unsigned char   sid[OR_V3_SID_LEN];
} or_v3_keys_t;

or_err_t or_v3_key_schedule(const unsigned char dh[OR_V3_X25519_LEN],
    const unsigned char nonce_i[OR_V3_NONCE_LEN],
    const unsigned char nonce_r[OR_V3_NONCE_LEN],
    const unsigned char th[OR_V3_HASH_LEN], or_v3_keys_t *out,
    or_errbuf_t *eb) OR_WUR;
/* wipes *k */
void or_v3_keys_wipe(or_v3_keys_t *k);

/*
 * A frame on a stream: OR_AGAIN until the 4 length bytes (after the magic
 * if magic != 0) are in; then *total = the whole frame's size, checked
 * against min..max payload bytes before anything is read. With magic, a
 * wrong magic is refused on its first wrong byte (OR_R_V3_MAGIC).
 */
or_err_t or_v3_frame_need(const unsigned char *buf, size_t n, int magic,
    size_t min, size_t max, size_t *total, or_errbuf_t *eb) OR_WUR;

/*
 * Randomness a test may fix. NULL everywhere means: draw the ephemeral
 * and the nonce from RAND_bytes and sign (PSS draws a random salt). A
 * given sig must verify under our key over what we sign, else OR_EAUTH:
 * this hook cannot emit a forged message.
 */
typedef struct {
    unsigned char         eph[OR_V3_X25519_LEN];     /* X25519 private */
    unsigned char         nonce[OR_V3_NONCE_LEN];
    const unsigned char  *sig;                       /* NULL: sign */
    size_t                siglen;
} or_v3_fixed_t;

typedef struct or_v3_hs_s  or_v3_hs_t;

/* what a finished handshake gives (or_v3_hs_result) */
typedef struct {
    int             initiator;
    uint16_t        version;
    uint16_t        suite;
    unsigned char   peer_id[OR_V3_ID_LEN];
    unsigned char   th[OR_V3_HASH_LEN];
    unsigned char   sid[OR_V3_SID_LEN];
    int64_t         peer_ts;                        /* ms */
} or_v3_result_t;

/* initiator: dial the node whose id is peer_id, offering suites */
or_err_t or_v3_init_new(const or_key_t *key,
    const unsigned char peer_id[OR_V3_ID_LEN], uint16_t suites,
    or_v3_hs_t **out, or_errbuf_t *eb) OR_WUR;
/* magic + MSG1 frame */
or_err_t or_v3_init_msg1(or_v3_hs_t *hs, int64_t now_ms,
    const or_v3_fixed_t *fixed, unsigned char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb) OR_WUR;
/* checks the MSG2 frame (§5.6) and writes the MSG3 frame: established */
or_err_t or_v3_init_msg2(or_v3_hs_t *hs, const unsigned char *frame,
    size_t len, int64_t now_ms, unsigned char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb) OR_WUR;

/* responder: suites allowed, and the one chosen when both offer it */
or_err_t or_v3_resp_new(const or_key_t *key, uint16_t suites,
    uint16_t prefer, or_v3_hs_t **out, or_errbuf_t *eb) OR_WUR;
/*
 * magic + MSG1 frame: checks 1..5 of §5.3, no signature verified yet, so
 * the caller can apply policy, buckets and the replay cache to
 * or_v3_hs_peer_id() and or_v3_hs_msg1_sig_hash() first.
 */
or_err_t or_v3_resp_msg1(or_v3_hs_t *hs, const unsigned char *buf,
    size_t len, int64_t now_ms, or_errbuf_t *eb) OR_WUR;
/*
 * Verifies sig_i (§5.3 step 7), so that the caller can remember only
 * verified MSG1s in its replay cache before anything is signed.
 */
or_err_t or_v3_resp_verify(or_v3_hs_t *hs, or_errbuf_t *eb) OR_WUR;
/* verifies sig_i unless done, then draws e_r, signs, derives: MSG2 frame */
or_err_t or_v3_resp_msg2(or_v3_hs_t *hs, int64_t now_ms,
    const or_v3_fixed_t *fixed, unsigned char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb) OR_WUR;
/* checks the MSG3 frame: established */
or_err_t or_v3_resp_msg3(or_v3_hs_t *hs, const unsigned char *frame,
    size_t len, or_errbuf_t *eb) OR_WUR;

/* after MSG1 was read (R) or MSG2 checked (I); borrowed until hs_free */
const unsigned char *or_v3_hs_peer_id(const or_v3_hs_t *hs);
const or_pubkey_t *or_v3_hs_peer_key(const or_v3_hs_t *hs);
/* SHA-256(sig_i), the replay cache key; after MSG1 was read */
or_err_t or_v3_hs_msg1_sig_hash(const or_v3_hs_t *hs,
    unsigned char out[OR_V3_HASH_LEN], or_errbuf_t *eb) OR_WUR;
/* h1, once MSG1 was built (I) or read (R): for tests and vectors */
or_err_t or_v3_hs_h1(const or_v3_hs_t *hs, unsigned char out[OR_V3_HASH_LEN],
    or_errbuf_t *eb) OR_WUR;
/* OR_EPROTO (OR_R_V3_STATE) until established, i.e. MSG3 done */
or_err_t or_v3_hs_result(const or_v3_hs_t *hs, or_v3_result_t *out,
    or_errbuf_t *eb) OR_WUR;
/* once established: the record layer, owned by the caller; once only */
typedef struct or_v3_rec_s  or_v3_rec_t;
or_err_t or_v3_hs_take_records(or_v3_hs_t *hs, int64_t now_ms,
    or_v3_rec_t **out, or_errbuf_t *eb) OR_WUR;
/* wipes every secret */
void or_v3_hs_free(or_v3_hs_t *hs);

/* REFUSE frame (§5.7); *code from one read */
or_err_t or_v3_refuse_build(unsigned code, unsigned char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb) OR_WUR;
or_err_t or_v3_refuse_parse(const unsigned char *frame, size_t len,
    unsigned *code, or_errbuf_t *eb) OR_WUR;

/* the record layer (§7) */
typedef struct {
    unsigned                type;   /* OR_V3_REC_* */
    const unsigned char    *body;   /* borrowed: inside the opened frame */
    size_t                  len;
    unsigned                code;   /* CLOSE only */
} or_v3_rec_in_t;

/* keys are copied; send and recv are this side's directions */
or_err_t or_v3_rec_new(uint16_t suite,
    const unsigned char send_key[OR_V3_KEY_LEN],
    const unsigned char recv_key[OR_V3_KEY_LEN], int64_t now_ms,
    or_v3_rec_t **out, or_errbuf_t *eb) OR_WUR;
void or_v3_rec_free(or_v3_rec_t *rec);
/*
 * One record frame into out. When the send key is due (§7.3: the next
 * counter is OR_V3_REKEY_RECORDS - 1, or OR_V3_REKEY_MS since it was
 * installed), a REKEY frame is written first, in the same out. cap of
 * len + 1 + 2 * (4 + 16) + 1 always suffices.
 */
or_err_t or_v3_rec_seal(or_v3_rec_t *rec, int64_t now_ms, unsigned type,
    const void *body, size_t len, unsigned char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb) OR_WUR;
/* CLOSE with code and text: the last record this side sends */
or_err_t or_v3_rec_seal_close(or_v3_rec_t *rec, int64_t now_ms,
    unsigned code, const char *text, unsigned char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb) OR_WUR;
/*
 * One whole frame (or_v3_frame_need), decrypted in place; in->body points
 * into frame. REKEY is applied here and returned, so callers may ignore
 * it. Any failure leaves the layer closed: every later call fails.
 */
or_err_t or_v3_rec_open(or_v3_rec_t *rec, unsigned char *frame, size_t len,
    int64_t now_ms, or_v3_rec_in_t *in, or_errbuf_t *eb) OR_WUR;
/* counters under the current keys and rekeys done, for status */
void or_v3_rec_counters(const or_v3_rec_t *rec, uint64_t *sent,
    uint64_t *received, uint64_t *rekeys_sent, uint64_t *rekeys_received);

/*
 * The whole state of a record layer, for handing an established session
 * to another process (a reload): keys, counters, rekeys, the send key's
 * age and whether each direction is closed. Holds secrets: the caller
 * wipes it (OPENSSL_cleanse) once it is written out or imported.
 */
typedef struct {
    uint16_t       suite;
    unsigned char  tx_key[OR_V3_KEY_LEN];
    unsigned char  rx_key[OR_V3_KEY_LEN];
    uint64_t       tx_ctr, rx_ctr;
    uint64_t       tx_rekeys, rx_rekeys;
    int64_t        tx_since;            /* ms, the clock of now_ms */
    int            tx_closed, rx_closed;
} or_v3_rec_state_t;

void or_v3_rec_export(const or_v3_rec_t *rec, or_v3_rec_state_t *out);
/* a layer that continues st exactly; OR_ECONF for an unknown suite,
 * OR_EPROTO for a counter past its key's limit */
or_err_t or_v3_rec_import(const or_v3_rec_state_t *st, or_v3_rec_t **out,
    or_errbuf_t *eb) OR_WUR;

/*
 * Beacons (§11): ANNOUNCE, QUERY, GOODBYE on the discovery group, signed
 * by the node, sealed under the network key. open() runs checks 1..4 of
 * §11.3 (no RSA); the caller applies or_v3_beacon_newer() (5) before it
 * pays for or_v3_beacon_verify() (6, 7).
 */
#define OR_V3_BEACON_MAGIC       "ORB3"
#define OR_V3_BEACON_MAGIC_LEN   4
#define OR_V3_BEACON_HDR         6      /* magic, type, flags */
#define OR_V3_BEACON_MAX         1472   /* bytes: Ethernet MTU - 28 */
#define OR_V3_BEACON_NONCE_LEN   12
#define OR_V3_BEACON_SECTOR_MAX  64
#define OR_V3_BEACON_SERVICES    16     /* names in services */
#define OR_V3_BEACON_SERVICE_MAX 64     /* bytes of one name */
#define OR_V3_BEACON_SERVICES_MAX 240   /* bytes of the whole list */
#define OR_V3_BEACON_SEALED      0x01   /* flags */

enum {
    OR_V3_BEACON_ANNOUNCE = 1, OR_V3_BEACON_QUERY = 2,
    OR_V3_BEACON_GOODBYE = 3
};

typedef struct {
    unsigned              type;         /* OR_V3_BEACON_* */
    unsigned              flags;
    unsigned char         id[OR_V3_ID_LEN];
    uint64_t              instance;
    uint64_t              seq;
    int64_t               ts;           /* ms */
    unsigned              ttl;          /* s; 0 in GOODBYE */
    unsigned              port;
    unsigned              versions;
    char                  sector[OR_V3_BEACON_SECTOR_MAX + 1];
    char                  services[OR_V3_BEACON_SERVICES]
                                  [OR_V3_BEACON_SERVICE_MAX + 1];
    size_t                nservices;
    /* open() only, borrowed from the datagram it opened in place */
    const unsigned char  *key;          /* DER */
    size_t                keylen;
    const unsigned char  *sig;
    size_t                siglen;
    const unsigned char  *body;         /* id .. end of key: signed */
    size_t                bodylen;
} or_v3_beacon_t;

/* what a receiver remembers of an id's last verified beacon (§11.3 step 5) */
typedef struct {
    uint64_t  instance;
    uint64_t  seq;
    int64_t   ts;                        /* ms */
} or_v3_beacon_last_t;

/* K_net (§11.1) from the raw v2 network key (or_fernet_export) */
or_err_t or_v3_beacon_net_key(const unsigned char nk[OR_FERNET_KEY_LEN],
    unsigned char out[OR_V3_KEY_LEN], or_errbuf_t *eb) OR_WUR;
/*
 * The datagram of b's type, instance, seq, ts, ttl, port, versions,
 * sector and services (id and key are key's), sealed when net_key is not NULL. nonce
 * and sig are for tests (NULL: random, sign); a given sig must verify
 * under key, else OR_EAUTH. cap of OR_V3_BEACON_MAX always suffices.
 */
or_err_t or_v3_beacon_build(const or_key_t *key, const or_v3_beacon_t *b,
    const unsigned char *net_key, const unsigned char *nonce,
    const unsigned char *sig, size_t siglen, unsigned char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb) OR_WUR;
/* checks 1..4; unseals in place, so *b borrows buf; net_key may be NULL */
or_err_t or_v3_beacon_open(const unsigned char *net_key, unsigned char *buf,
    size_t len, int64_t now_ms, or_v3_beacon_t *b, or_errbuf_t *eb) OR_WUR;
/* check 5 against the id's last verified beacon (NULL: none) */
or_err_t or_v3_beacon_newer(const or_v3_beacon_last_t *last,
    const or_v3_beacon_t *b, or_errbuf_t *eb) OR_WUR;
/* checks 6 and 7: the key is b->id's and signed the beacon */
or_err_t or_v3_beacon_verify(const or_v3_beacon_t *b, or_errbuf_t *eb)
    OR_WUR;
/*
 * Check 7 alone, with the key pk that an earlier or_v3_beacon_verify()
 * bound to b->id from the same DER bytes (the caller compares them): a
 * receiver that keeps the parsed key per id skips the import.
 */
or_err_t or_v3_beacon_verify_key(const or_v3_beacon_t *b,
    const or_pubkey_t *pk, or_errbuf_t *eb) OR_WUR;

#endif /* OR_V3_H_INCLUDED */
