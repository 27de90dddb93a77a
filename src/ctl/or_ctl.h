/*
 * openredctl's shared pieces: the options every command sees, the exit
 * codes, and one request/reply round trip on the control socket. A new
 * command is one row in openredctl.c's table plus one or_ctl_<name>.c.
 */
#ifndef OR_CTL_H_INCLUDED
#define OR_CTL_H_INCLUDED

#include <jansson.h>

#include "or_err.h"

#define OR_CTL_EXIT_OK       0
#define OR_CTL_EXIT_FAILURE  1
#define OR_CTL_EXIT_USAGE    2

typedef struct {
    const char *socket;     /* control socket path; borrowed */
    int         json;       /* --json: print replies raw */
} or_ctl_t;

/* A command: argv[0] is its name; returns an OR_CTL_EXIT_* code. */
typedef int (*or_ctl_main_pt)(or_ctl_t *ctl, int argc, char **argv);

/* Sends request (borrowed) as one line and reads one reply line (bounded
 * by OR_CONTROL_REPLY_MAX, within OR_CONTROL_TIMEOUT). *reply is a new
 * object on OR_OK; on failure err says why (connection, daemon error). */
__attribute__((warn_unused_result))
or_err_t or_ctl_request(const or_ctl_t *ctl, json_t *request,
    json_t **reply, char *err, size_t errlen);

/* The common path: {"command": name} plus fields (may be NULL, borrowed),
 * errors printed as "openredctl: NAME: why"; with --json prints the reply.
 * *reply (owned by the caller) is set on OR_CTL_EXIT_OK when not --json. */
int or_ctl_call(const or_ctl_t *ctl, const char *name, json_t *fields,
    json_t **reply);

/* Reading a reply: a member's string ("-" when absent or not a string)
 * and integer (0 when absent), as the tables print them. */
const char *or_ctl_str(const json_t *obj, const char *name);
long long or_ctl_int(const json_t *obj, const char *name);

/* Reads path (NULL or "-": stdin) into buf, at most cap bytes: more is
 * OR_ETOOBIG. On failure err says why, naming the file; *n is untouched. */
__attribute__((warn_unused_result))
or_err_t or_ctl_file_read(const char *path, char *buf, size_t cap,
    size_t *n, char *err, size_t errlen);

/* The event ring, followed by watch and connect: one `watch` request for
 * the events after since (-1: from the oldest kept), polled every
 * OR_CTL_WATCH_POLL_US. Returns a new reply or NULL with err set. */
#define OR_CTL_WATCH_POLL_US  100000    /* us: 0.1 s between polls */
json_t *or_ctl_watch_poll(or_ctl_t *ctl, json_int_t since, char *err,
    size_t errlen);
/* Prints one event: type then its other fields, or raw with --json. */
void or_ctl_event_print(or_ctl_t *ctl, json_t *ev);

int or_ctl_status_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_sessions_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_connect_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_send_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_watch_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_peers_main(or_ctl_t *ctl, int argc, char **argv);
/* local: ctl is unused, no daemon is needed */
int or_ctl_key_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_beacon_main(or_ctl_t *ctl, int argc, char **argv);

#endif /* OR_CTL_H_INCLUDED */
