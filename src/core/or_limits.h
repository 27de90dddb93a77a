/*
 * Named bounds on everything openred reads from the network or disk.
 * Tests cite these names; change a bound here and nowhere else.
 */
#ifndef OR_LIMITS_H_INCLUDED
#define OR_LIMITS_H_INCLUDED

/* JSON on the wire (DESIGN.md "Handshake and sessions": bounded JSON) */
#define OR_HANDSHAKE_MAX        16384   /* bytes, one request or response */
#define OR_MESSAGE_MAX          65536   /* bytes, one post-handshake object */
#define OR_JSON_DEPTH_MAX       16      /* nested objects/arrays */

/* discovery (PROTOCOL-v2.md "Discovery beacons": receivers read 4096) */
#define OR_BEACON_MAX           4096    /* bytes, one Fernet token */
#define OR_BEACON_PLAIN_MAX     3000    /* bytes, its plaintext */
#define OR_V2_SERVICES_MAX      16      /* entries in "services" */
#define OR_V2_SERVICE_LEN_MAX   64      /* bytes, one service name */
#define OR_V2_SECTOR_LEN_MAX    64      /* bytes, "sector" */
#define OR_V2_ZONE_LEN_MAX      64      /* bytes, "zone_hash" */
#define OR_V2_IP_LEN_MAX        45      /* bytes, "p2p_endpoint.ip" */

/* identity keys */
#define OR_KEY_FILE_MAX         16384   /* bytes, a private key PEM file */
#define OR_PUBKEY_PEM_MAX       1024    /* bytes, a peer's public PEM */
#define OR_RSA_BITS             2048    /* bits, keys we generate */
#define OR_RSA_BITS_MIN         2048    /* bits, peer keys we accept */
#define OR_RSA_BITS_MAX         4096
#define OR_SIG_MAX              512     /* bytes, RSA-4096 signature */

/* handshake (PROTOCOL-v2.md "Handshake over TCP") */
#define OR_HANDSHAKE_WINDOW     300     /* s, |now - timestamp| */
#define OR_PEER_ERROR_MAX       128     /* bytes of a peer's "error" kept */

/* sessions (or_session.h, or_replay.h, or_evring.h, or_conn.h) */
#define OR_SESSIONS_LIMIT       1000000 /* max_sessions at most (shm slots) */
#define OR_SESSION_PROBE        64      /* index buckets looked at per key */
#define OR_REPLAY_SLOTS         65536   /* accepted signatures remembered */
#define OR_REPLAY_PROBE         32      /* slots looked at per signature */
#define OR_EVENTS_MAX           512     /* watch events kept in the ring */
#define OR_EVENT_TEXT_MAX       4096    /* bytes of a message kept per event */
#define OR_CONN_OUT_MAX         262144  /* bytes queued to a slow peer */
#define OR_SEND_DGRAM_MAX       (OR_MESSAGE_MAX + 256) /* worker hand-off */

/* Fernet (PROTOCOL-v2.md): PBKDF2 cost of the original */
#define OR_PBKDF2_ITERATIONS    100000
#define OR_PASSPHRASE_MAX       1024    /* bytes */

/* control socket (or_control_module.c, openredctl) */
#define OR_CONTROL_LINE_MAX     4096    /* bytes, one request line */
/* bytes, one reply line: `sessions` lists every session (~300 B each), and
 * the bench holds 10,000 of them; 1 MiB cut that reply off */
#define OR_CONTROL_REPLY_MAX    (16 * 1048576)
#define OR_CONTROL_CLIENTS_MAX  64      /* clients at once */
#define OR_CONTROL_TIMEOUT      10      /* s, idle deadline per client */

#endif /* OR_LIMITS_H_INCLUDED */
