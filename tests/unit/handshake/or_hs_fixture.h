/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Shared fixture of the handshake engine suites: a worker's handshake
 * state (or_hs_t) built for real from a config written to a temp dir,
 * with the legacy-v2 vector keys, the shm zones the engine uses, its own
 * event loop and listening sockets on 127.0.0.1, a pinned wall clock
 * (time() is replaced), and helpers that play the peer over loopback TCP.
 * Compiled into each test of this folder (auto/rules.mk).
 */
#ifndef OR_HS_FIXTURE_H_INCLUDED
#define OR_HS_FIXTURE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "openred.h"
#include "or_cycle.h"
#include "or_event.h"
#include "or_evring.h"
#include "or_hs.h"
#include "or_peers.h"
#include "or_session.h"
#include "or_worker.h"

#define HSF_MAX_NODES  4
#define HSF_WAIT_MS    5000        /* bound on every wait for an outcome */

/* The vector identities (tests/vectors/legacy-v2): A, B and mallory. */
enum { HSF_A = 0, HSF_B, HSF_M, HSF_NKEYS };

extern or_key_t   *hsf_key[HSF_NKEYS];     /* loaded by hsf_keys_load() */
extern const char *hsf_fp[HSF_NKEYS];      /* their fingerprints */

/* The wall clock time() returns while non-zero (s); 0: the real one. */
extern int64_t     hsf_now;

typedef struct {
    char              dir[64];
    char              log[128];
    or_cycle_t       *cycle;
    or_event_loop_t  *loop;
    or_worker_t       worker;
    or_hs_t           hs;
    uint16_t          port[HSF_MAX_NODES];   /* each node's listener */
} hsf_t;

/* If set, called by hsf_new() to declare more zones before they are
 * mapped (a test's own: the takeover and workers zones). */
extern void (*hsf_zones_extra)(or_cycle_t *cycle);
/* The zones the hand-over needs (takeover, workers): for hsf_zones_extra */
void hsf_zones_takeover(or_cycle_t *cycle);

/* Loads the three vector keys (once per suite) / frees them. */
int hsf_keys_load(void);
void hsf_keys_free(void);

/* The same as cmocka group setup/teardown, and a test setup that gives
 * back the real clock (hsf_now = 0). */
int hsf_suite_setup(void **state);
int hsf_suite_teardown(void **state);
int hsf_test_setup(void **state);

/* 127.0.0.1:port */
struct sockaddr_in hsf_loopback(uint16_t port);

/* A worker serving nodes "n0".."n<n-1>" with the vector keys keys[i],
 * each listening on 127.0.0.1 (port[i]), max_sessions slots; defaults as
 * the config's (timeout 10 s, max_size 16384, max_inbound 256, 1024
 * pending). Change hs.nodes[i] / hs.max_pending before traffic. */
hsf_t *hsf_new(const int *keys, size_t n, size_t max_sessions);
void hsf_free(hsf_t *f);

/* Runs the loops of f and g (may be NULL) until done(arg) or the bound;
 * 1 if done. */
int hsf_run_until(hsf_t *f, hsf_t *g, int (*done)(void *), void *arg);
/* Runs the loops for about ms (for "nothing more happens" checks). */
void hsf_run_for(hsf_t *f, hsf_t *g, int ms);

/* A client socket connected to 127.0.0.1:port, non-blocking. */
int hsf_connect(uint16_t port);
/* The same from source address src ("127.0.0.2": any of 127/8). */
int hsf_connect_from(uint16_t port, const char *src);
/* A listening socket on 127.0.0.1, its port in *port. */
int hsf_listen(uint16_t *port);
/* Accepts on lfd while running f's loop; -1 if none came. */
int hsf_accept(hsf_t *f, int lfd);
/* Writes all of buf (blocking poll). */
void hsf_send(int fd, const void *buf, size_t len);
/* Reads what fd gets, running f (and g) meanwhile, until the peer closes
 * (returns 1) or one complete JSON object is in (returns 0) or the bound
 * (-1). buf is NUL-terminated, *len its bytes. */
int hsf_read(hsf_t *f, hsf_t *g, int fd, char *buf, size_t cap,
    size_t *len);
/* Reads until the engine closes fd; 1 if it did, buf as hsf_read. */
int hsf_read_to_eof(hsf_t *f, int fd, char *buf, size_t cap, size_t *len);

/* A genuine request from key k to target at ts. */
size_t hsf_request(int k, const char *target, int64_t ts, char *out,
    size_t cap);
/* The response of key k to request req, checked as addressed to us
 * (link into link[33], may be NULL). */
size_t hsf_response(int k, const char *us, const char *req, size_t reqlen,
    int64_t ts, char *out, size_t cap, char *link);

/* Plays key's node dialling node 0 of f: sends req (NULL: a genuine one
 * at ts), checks the response; returns the socket, kept open (the
 * session lives while it is); the mutual link into link[33] if given. */
int hsf_handshake_in(hsf_t *f, int key, int64_t ts, const char *req,
    size_t len, char *link);

/* Refusals of node by reason (the shm counter), accepted handshakes. */
uint64_t hsf_refused(hsf_t *f, size_t node, int reason);
uint64_t hsf_accepted(hsf_t *f, size_t node);
/* Sessions of node in the table (dir -1: both). */
size_t hsf_sessions(hsf_t *f, size_t node, int dir);
/* The slot of node's session with peer, copied into *s; -1 if none. */
int hsf_session(hsf_t *f, size_t node, const char *peer, or_session_t *s);
/* A session held by another worker (pid), as if it had made it. */
uint64_t hsf_session_add(hsf_t *f, size_t node, const char *peer, int dir,
    pid_t pid);
/* The same, held by a worker whose hand-off socket is handoff (0: none) */
uint64_t hsf_session_add_at(hsf_t *f, size_t node, const char *peer,
    int dir, pid_t pid, uint64_t handoff);

/* 1 if the log holds text (a whole line's part). */
int hsf_log_has(hsf_t *f, const char *text);
/* A log line holds head and, after it, ctx (the context the log handler
 * appends: ", node: N, peer: ADDR"). */
int hsf_log_line_has(hsf_t *f, const char *head, const char *ctx);
/* How many times the log holds text. */
int hsf_log_count(hsf_t *f, const char *text);
/* The newest event of type, into *ev; 0 if none. */
int hsf_event(hsf_t *f, int type, or_evt_t *ev);
/* Events of type published so far. */
int hsf_event_count(hsf_t *f, int type);
/* ... whose detail is detail (a message's direction: "in", "out") */
int hsf_event_count_detail(hsf_t *f, int type, const char *detail);

/* Lists peer (fingerprint) as discovered by node, at 127.0.0.1:port,
 * with the one service "storage". */
void hsf_peer_add(hsf_t *f, size_t node, const char *fp, const char *sector,
    uint16_t port);

/* Connections of f in state (or_hs_state_t), -1: all. */
size_t hsf_conns(hsf_t *f, int state);

#endif /* OR_HS_FIXTURE_H_INCLUDED */
