/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* One request/reply round trip on the control socket, bounded in size and
 * time; the common call path of every openredctl command. */
#include "or_ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "openred.h"

/* Failing, it says why the path is the default if the config was no
 * help, since that is then the likely cause. */
static int
ctl_connect(const char *path, const char *why, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    int                fd;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "socket path \"%s\" is too long", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == -1) {
        int e = errno;

        if (why != NULL && why[0] != '\0') {
            snprintf(err, errlen, "connect() to \"%s\" (the compiled-in "
                     "default) failed: %s; %s; pass -S or set "
                     "OPENRED_SOCKET", path, strerror(e), why);
        } else {
            snprintf(err, errlen, "connect() to \"%s\" failed: %s%s", path,
                     strerror(e), e == ENOENT || e == ECONNREFUSED
                     ? " (is openred running?)" : "");
        }
        if (fd != -1) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* Reads up to the first newline; the whole exchange shares one deadline. */
static char *
read_line(int fd, char *err, size_t errlen)
{
    struct pollfd pfd = { fd, POLLIN, 0 };
    time_t        end = time(NULL) + OR_CTL_TIMEOUT;
    size_t        len = 0, cap = 4096;
    char         *buf = malloc(cap), *nb;
    ssize_t       n;

    while (buf != NULL) {
        if (poll(&pfd, 1, 1000) == 0) {
            if (time(NULL) < end) {
                continue;
            }
            snprintf(err, errlen, "no reply within %d s", OR_CTL_TIMEOUT);
            break;
        }
        n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            snprintf(err, errlen, "%s", n == 0 ? "connection closed by the "
                     "daemon" : strerror(errno));
            break;
        }
        len += (size_t) n;
        buf[len] = '\0';
        if (memchr(buf + len - (size_t) n, '\n', (size_t) n) != NULL) {
            return buf;
        }
        if (len + 1 == cap) {
            /* a line of OR_CTL_REPLY_MAX bytes, its newline included,
             * fits (as the daemon may send it), and its NUL */
            size_t ncap = cap * 2 < OR_CTL_REPLY_MAX + 1 ? cap * 2
                          : OR_CTL_REPLY_MAX + 1;

            nb = len < OR_CTL_REPLY_MAX ? realloc(buf, ncap) : NULL;
            if (nb == NULL) {
                snprintf(err, errlen, "reply longer than %d bytes",
                         OR_CTL_REPLY_MAX);
                break;
            }
            buf = nb;
            cap = ncap;
        }
    }
    free(buf);
    return NULL;
}

or_err_t
or_ctl_request(const or_ctl_t *ctl, json_t *request, json_t **reply,
    char *err, size_t errlen)
{
    char         *text = NULL, *line = NULL;
    json_t       *r = NULL;
    json_error_t  jerr;
    size_t        len;
    int           fd;
    or_err_t      rc = OR_ERROR;

    text = json_dumps(request, JSON_COMPACT);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return OR_ERROR;
    }
    len = strlen(text);
    if (len + 1 > OR_CTL_LINE_MAX) {
        snprintf(err, errlen, "request of %zu bytes, bound %d", len + 1,
                 OR_CTL_LINE_MAX);
        free(text);
        return OR_ETOOBIG;
    }
    fd = ctl_connect(ctl->socket, ctl->why, err, errlen);
    if (fd == -1) {
        free(text);
        return OR_ERROR;
    }
    text[len] = '\n';     /* json_dumps left room: the NUL */
    /* MSG_NOSIGNAL: a daemon that closes first (a worker 0 that exits
     * on reload) is an error to report, not a SIGPIPE that kills us */
    if (send(fd, text, len + 1, MSG_NOSIGNAL) != (ssize_t) (len + 1)) {
        snprintf(err, errlen, "send() failed: %s", strerror(errno));
        goto done;
    }
    line = read_line(fd, err, errlen);
    if (line == NULL) {
        goto done;
    }
    r = json_loads(line, JSON_DISABLE_EOF_CHECK, &jerr);
    if (!json_is_object(r)) {
        snprintf(err, errlen, "reply is not a JSON object");
        goto done;
    }
    if (!json_is_true(json_object_get(r, "ok"))) {
        /* the daemon's error may quote a peer: escaped */
        const json_t *e = json_object_get(r, "error");

        (void) or_printable(json_is_string(e) ? json_string_value(e)
                            : "failed", json_is_string(e)
                            ? json_string_length(e) : 6, err, errlen, 0);
        goto done;
    }
    *reply = r;
    r = NULL;
    rc = OR_OK;

done:
    json_decref(r);
    free(text);
    free(line);
    close(fd);
    return rc;
}

int
or_ctl_call(const or_ctl_t *ctl, const char *name, json_t *fields,
    json_t **reply)
{
    json_t *req = json_pack("{s:s}", "command", name), *r = NULL;
    char    err[512];

    if (req == NULL || (fields != NULL && json_object_update(req, fields))) {
        json_decref(req);
        fprintf(stderr, "openredctl: %s: out of memory\n", name);
        return OR_CTL_EXIT_FAILURE;
    }
    if (or_ctl_request(ctl, req, &r, err, sizeof(err)) != OR_OK) {
        json_decref(req);
        fprintf(stderr, "openredctl: %s: %s\n", name, err);
        return OR_CTL_EXIT_FAILURE;
    }
    json_decref(req);
    if (ctl->json) {
        json_dumpf(r, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(r);
        return OR_CTL_EXIT_OK;
    }
    *reply = r;
    return OR_CTL_EXIT_OK;
}

const char *
or_ctl_str(const json_t *obj, const char *name, or_ctl_text_t *buf)
{
    const json_t *v = json_object_get(obj, name);

    if (!json_is_string(v)) {
        return "-";
    }
    return or_printable(json_string_value(v), json_string_length(v), buf->s,
                        sizeof(buf->s), 0);
}

void
or_ctl_put(FILE *out, const char *text, size_t len)
{
    char    buf[OR_PRINTABLE_MAX(256)];
    size_t  n;

    /* in slices that each escape whole: a cut UTF-8 sequence at a slice's
     * end would be escaped as invalid, so a slice ends before one */
    while (len > 0) {
        n = len < 256 ? len : 256;
        while (n < len && n > 0 && ((unsigned char) text[n] & 0xc0) == 0x80) {
            n--;
        }
        if (n == 0) {
            n = len < 256 ? len : 256;
        }
        fputs(or_printable(text, n, buf, sizeof(buf), 0), out);
        text += n;
        len -= n;
    }
}

long long
or_ctl_int(const json_t *obj, const char *name)
{
    return (long long) json_integer_value(json_object_get(obj, name));
}
