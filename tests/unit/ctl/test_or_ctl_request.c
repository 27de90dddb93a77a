/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests of the exchange half of src/ctl/or_ctl_client.c (and the
 * watch poll's requests), against a stand-in daemon forked here that
 * reads one request line and writes a given reply: the request bound
 * (OR_CTL_LINE_MAX bytes with its newline sent, one more refused before
 * connecting), the reply bound (a line of OR_CTL_REPLY_MAX bytes read,
 * one more refused), the daemon's error escaped, a reply that is not an
 * object, a connection closed without a reply, no daemon, a socket path
 * too long; and how `watch` prints an event (raw with --json, else its
 * type padded and the rest escaped: a peer's DEL never reaches the
 * terminal).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "openred.h"
#include "or_ctl.h"

static char dir[64], sock[96];

static int
setup(void **state)
{
    (void) state;
    strcpy(dir, "/tmp/or-ctlreq-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(sock, sizeof(sock), "%s/c.sock", dir);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    unlink(sock);
    return rmdir(dir);
}

/* The stand-in: n connections one after the other; the i-th request
 * line must be expect[i] (unless NULL), then reply[i] is written and the
 * connection closed. Its exit status says whether each request was as
 * expected. */
static pid_t
serve_n(size_t n, const char *const *expect, const char *const *reply,
    const size_t *lens)
{
    struct sockaddr_un sa;
    int                lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    pid_t              pid;

    assert_true(lfd >= 0);
    unlink(sock);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
    assert_int_equal(bind(lfd, (struct sockaddr *) &sa, sizeof(sa)), 0);
    assert_int_equal(listen(lfd, 1), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (size_t i = 0; i < n; i++) {
            char    line[8192];
            size_t  got = 0, len = lens[i];
            ssize_t k;
            int     fd = accept(lfd, NULL, NULL);

            if (fd < 0) {
                _exit(3);
            }
            while (got < sizeof(line) - 1
                   && (k = read(fd, line + got, sizeof(line) - 1 - got)) > 0)
            {
                got += (size_t) k;
                if (memchr(line, '\n', got) != NULL) {
                    break;
                }
            }
            line[got] = '\0';
            if (expect[i] != NULL && strcmp(line, expect[i]) != 0) {
                _exit(2);
            }
            for (size_t off = 0; off < len; off += (size_t) k) {
                k = write(fd, reply[i] + off, len - off);
                if (k <= 0) {
                    _exit(4);
                }
            }
            close(fd);
        }
        _exit(0);
    }
    close(lfd);
    return pid;
}

/* one connection, reply len bytes */
static pid_t
serve(const char *expect, const char *reply, size_t len)
{
    return serve_n(1, &expect, &reply, &len);
}

static void
served(pid_t pid)
{
    int st = -1;

    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static or_err_t
request(const char *why, json_t *req, json_t **reply, char *err,
    size_t errlen)
{
    or_ctl_t ctl = { sock, why, 0 };
    or_err_t rc;

    *reply = NULL;
    err[0] = '\0';
    rc = or_ctl_request(&ctl, req, reply, err, errlen);
    json_decref(req);
    return rc;
}

static void
test_ctl_request_ok_and_daemon_error(void **state)
{
    const char *ok = "{\"ok\":true,\"n\":1}\n";
    const char *bad = "{\"ok\":false,\"error\":\"no node \\\"x\\u001b\\\"\"}\n";
    json_t     *r;
    char        err[256];
    pid_t       pid;

    (void) state;
    pid = serve("{\"command\":\"status\"}\n", ok, strlen(ok));
    assert_int_equal(request("", json_pack("{s:s}", "command", "status"), &r,
                             err, sizeof(err)), OR_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "n")), 1);
    json_decref(r);
    served(pid);
    /* the daemon's error may quote a peer: escaped */
    pid = serve(NULL, bad, strlen(bad));
    assert_int_equal(request("", json_pack("{s:s}", "command", "x"), &r, err,
                             sizeof(err)), OR_ERROR);
    assert_null(r);
    assert_string_equal(err, "no node \"x\\x1b\"");
    served(pid);
}

static void
test_ctl_request_bad_replies(void **state)
{
    json_t *r;
    char    err[256];
    pid_t   pid;

    (void) state;
    pid = serve(NULL, "[1]\n", 4);
    assert_int_equal(request("", json_pack("{s:s}", "command", "x"), &r, err,
                             sizeof(err)), OR_ERROR);
    assert_string_equal(err, "reply is not a JSON object");
    served(pid);
    pid = serve(NULL, "", 0);
    assert_int_equal(request("", json_pack("{s:s}", "command", "x"), &r, err,
                             sizeof(err)), OR_ERROR);
    assert_string_equal(err, "connection closed by the daemon");
    served(pid);
}

/* {"command":"x","p":"aaa..."} of n bytes compact */
static json_t *
req_of(size_t n)
{
    size_t  fill = n - strlen("{\"command\":\"x\",\"p\":\"\"}");
    char   *s = malloc(fill + 1);
    json_t *o;

    assert_non_null(s);
    memset(s, 'a', fill);
    s[fill] = '\0';
    o = json_pack("{s:s, s:s}", "command", "x", "p", s);
    free(s);
    return o;
}

static void
test_ctl_request_line_bound(void **state)
{
    const char *ok = "{\"ok\":true}\n";
    json_t     *r;
    char        err[256];
    pid_t       pid;

    (void) state;
    /* OR_CTL_LINE_MAX with the newline: sent */
    pid = serve(NULL, ok, strlen(ok));
    assert_int_equal(request("", req_of(OR_CTL_LINE_MAX - 1), &r, err,
                             sizeof(err)), OR_OK);
    json_decref(r);
    served(pid);
    /* one more: refused before any connection (none is listening) */
    unlink(sock);
    assert_int_equal(request("", req_of(OR_CTL_LINE_MAX), &r, err,
                             sizeof(err)), OR_ETOOBIG);
    {
        char want[64];

        snprintf(want, sizeof(want), "request of %d bytes, bound %d",
                 OR_CTL_LINE_MAX + 1, OR_CTL_LINE_MAX);
        assert_string_equal(err, want);
    }
}

/* a reply line of n bytes, its newline included */
static char *
reply_of(size_t n)
{
    const char *head = "{\"ok\":true,\"p\":\"";
    char       *s = malloc(n);

    assert_non_null(s);
    memcpy(s, head, strlen(head));
    memset(s + strlen(head), 'a', n - strlen(head) - 3);
    memcpy(s + n - 3, "\"}\n", 3);
    return s;
}

/* the daemon may send OR_CONTROL_REPLY_MAX bytes: a line of
 * OR_CTL_REPLY_MAX is read whole, one byte more is refused */
static void
test_ctl_request_reply_bound(void **state)
{
    char   *s;
    json_t *r;
    char    err[256], want[64];
    pid_t   pid;

    (void) state;
    s = reply_of(OR_CTL_REPLY_MAX);
    pid = serve(NULL, s, OR_CTL_REPLY_MAX);
    assert_int_equal(request("", json_pack("{s:s}", "command", "x"), &r, err,
                             sizeof(err)), OR_OK);
    assert_int_equal(json_string_length(json_object_get(r, "p")),
                     OR_CTL_REPLY_MAX - strlen("{\"ok\":true,\"p\":\"\"}\n"));
    json_decref(r);
    served(pid);
    free(s);
    s = reply_of(OR_CTL_REPLY_MAX + 1);
    pid = serve(NULL, s, OR_CTL_REPLY_MAX + 1);
    assert_int_equal(request("", json_pack("{s:s}", "command", "x"), &r, err,
                             sizeof(err)), OR_ERROR);
    snprintf(want, sizeof(want), "reply longer than %d bytes",
             OR_CTL_REPLY_MAX);
    assert_string_equal(err, want);
    /* (the stand-in may see its write cut: its status is not checked) */
    waitpid(pid, NULL, 0);
    free(s);
}

static void
test_ctl_request_no_daemon(void **state)
{
    json_t *r;
    char    err[512], want[512];

    (void) state;
    unlink(sock);
    assert_int_equal(request("", json_pack("{s:s}", "command", "x"), &r, err,
                             sizeof(err)), OR_ERROR);
    snprintf(want, sizeof(want), "connect() to \"%s\" failed: %s (is openred "
             "running?)", sock, strerror(ENOENT));
    assert_string_equal(err, want);
    /* the socket came from no config: why it is the default is said */
    assert_int_equal(request("cannot read /etc/openred.conf", json_pack(
                             "{s:s}", "command", "x"), &r, err, sizeof(err)),
                     OR_ERROR);
    snprintf(want, sizeof(want), "connect() to \"%s\" (the compiled-in "
             "default) failed: %s; cannot read /etc/openred.conf; pass -S or "
             "set OPENRED_SOCKET", sock, strerror(ENOENT));
    assert_string_equal(err, want);
}

static void
test_ctl_request_path_too_long(void **state)
{
    char     path[160], want[256];
    or_ctl_t ctl = { path, "", 0 };
    json_t  *req = json_pack("{s:s}", "command", "x"), *r = NULL;
    char     err[256];

    (void) state;
    memset(path, 'p', 108);
    path[0] = '/';
    path[108] = '\0';
    assert_int_equal(or_ctl_request(&ctl, req, &r, err, sizeof(err)),
                     OR_ERROR);
    snprintf(want, sizeof(want), "socket path \"%s\" is too long", path);
    assert_string_equal(err, want);
    json_decref(req);
}

/* the poll asks from the start, then from the last sequence seen */
static void
test_ctl_watch_poll_requests(void **state)
{
    const char *ok = "{\"ok\":true,\"events\":[],\"last\":7}\n";
    or_ctl_t    ctl = { sock, "", 0 };
    json_t     *r;
    char        err[256];
    pid_t       pid;
    char       *argv[] = { "watch", "extra", NULL };

    (void) state;
    pid = serve("{\"command\":\"watch\"}\n", ok, strlen(ok));
    r = or_ctl_watch_poll(&ctl, -1, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(json_integer_value(json_object_get(r, "last")), 7);
    json_decref(r);
    served(pid);
    pid = serve("{\"command\":\"watch\",\"since\":7}\n", ok, strlen(ok));
    r = or_ctl_watch_poll(&ctl, 7, err, sizeof(err));
    assert_non_null(r);
    json_decref(r);
    served(pid);
    unlink(sock);
    assert_null(or_ctl_watch_poll(&ctl, 7, err, sizeof(err)));
    assert_non_null(strstr(err, "connect() to"));
    assert_int_equal(or_ctl_watch_main(&ctl, 2, argv), OR_CTL_EXIT_USAGE);
    /* no daemon: the first poll fails the command */
    assert_int_equal(or_ctl_watch_main(&ctl, 1, argv), OR_CTL_EXIT_FAILURE);
}

/* the common path of a command: the reply kept, or printed with --json;
 * a failure said on stderr and in the exit code */
static void
test_ctl_call(void **state)
{
    const char *ok = "{\"ok\":true,\"n\":2}\n";
    or_ctl_t    ctl = { sock, "", 0 };
    json_t     *r = NULL, *fields = json_pack("{s:s}", "node", "a");
    pid_t       pid;

    (void) state;
    pid = serve("{\"command\":\"sessions\",\"node\":\"a\"}\n", ok,
                strlen(ok));
    assert_int_equal(or_ctl_call(&ctl, "sessions", fields, &r),
                     OR_CTL_EXIT_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "n")), 2);
    json_decref(r);
    served(pid);
    ctl.json = 1;
    r = NULL;
    pid = serve(NULL, ok, strlen(ok));
    assert_int_equal(or_ctl_call(&ctl, "status", NULL, &r), OR_CTL_EXIT_OK);
    assert_null(r);
    served(pid);
    unlink(sock);
    assert_int_equal(or_ctl_call(&ctl, "status", NULL, &r),
                     OR_CTL_EXIT_FAILURE);
    json_decref(fields);
}

/* `sessions` page after page: from offset 0 until the daemon's total, or
 * until a page comes back empty (the table shrank meanwhile); an older
 * daemon without "total" is one page */
static void
test_ctl_sessions_pages(void **state)
{
    static const char *const  expect[] = {
        "{\"command\":\"sessions\",\"offset\":0}\n",
        "{\"command\":\"sessions\",\"offset\":2}\n",
        "{\"command\":\"sessions\",\"offset\":0}\n",
        "{\"command\":\"sessions\",\"offset\":1}\n",
    };
    static const char *const  reply[] = {
        "{\"ok\":true,\"sessions\":[{\"n\":1},{\"n\":2}],\"total\":3}\n",
        "{\"ok\":true,\"sessions\":[{\"n\":3}],\"total\":3}\n",
        "{\"ok\":true,\"sessions\":[{\"n\":1}],\"total\":5}\n",
        "{\"ok\":true,\"sessions\":[],\"total\":1}\n",
    };
    size_t     lens[4];
    or_ctl_t   ctl = { sock, "", 0 };
    json_t    *a;
    char       err[256];
    pid_t      pid;

    (void) state;
    for (size_t i = 0; i < 4; i++) {
        lens[i] = strlen(reply[i]);
    }
    pid = serve_n(2, expect, reply, lens);
    a = or_ctl_sessions_all(&ctl, err, sizeof(err));
    served(pid);
    assert_non_null(a);
    assert_int_equal(json_array_size(a), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(json_integer_value(json_object_get(
                             json_array_get(a, i), "n")), (json_int_t) i + 1);
    }
    json_decref(a);
    pid = serve_n(2, expect + 2, reply + 2, lens + 2);
    a = or_ctl_sessions_all(&ctl, err, sizeof(err));
    served(pid);
    assert_non_null(a);
    assert_int_equal(json_array_size(a), 1);
    json_decref(a);
    pid = serve(NULL, "{\"ok\":true,\"sessions\":[{\"n\":1}]}\n", 33);
    a = or_ctl_sessions_all(&ctl, err, sizeof(err));
    served(pid);
    assert_int_equal(json_array_size(a), 1);
    json_decref(a);
    pid = serve(NULL, "{\"ok\":true}\n", 12);
    assert_null(or_ctl_sessions_all(&ctl, err, sizeof(err)));
    served(pid);
    assert_string_equal(err, "a reply without sessions");
}

/* what or_ctl_event_print writes for ev (text, NUL-terminated, in out) */
static void
printed(int json, const char *ev, char *out, size_t cap)
{
    or_ctl_t  ctl = { sock, "", json };
    json_t   *o = json_loads(ev, 0, NULL);
    FILE     *tmp = tmpfile();
    int       saved = dup(STDOUT_FILENO);
    size_t    n;

    assert_non_null(o);
    assert_non_null(tmp);
    fflush(stdout);
    assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
    or_ctl_event_print(&ctl, o);
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    rewind(tmp);
    n = fread(out, 1, cap - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    json_decref(o);
}

static void
test_ctl_event_print(void **state)
{
    char out[512];

    (void) state;
    printed(1, "{\"seq\":3,\"type\":\"message\",\"payload\":{\"a\":1}}",
            out, sizeof(out));
    assert_string_equal(out, "{\"seq\":3,\"type\":\"message\","
                        "\"payload\":{\"a\":1}}\n");
    printed(0, "{\"seq\":3,\"type\":\"message\",\"peer\":\"a\\u007fb\"}",
            out, sizeof(out));
    assert_string_equal(out, "message              {\"peer\":\"a\\x7fb\"}\n");
    /* a type of 20 characters or more: no padding, one space */
    printed(0, "{\"type\":\"a_type_of_twenty_chars\",\"n\":1}", out,
            sizeof(out));
    assert_string_equal(out, "a_type_of_twenty_chars {\"n\":1}\n");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctl_request_ok_and_daemon_error),
        cmocka_unit_test(test_ctl_request_bad_replies),
        cmocka_unit_test(test_ctl_request_line_bound),
        cmocka_unit_test(test_ctl_request_reply_bound),
        cmocka_unit_test(test_ctl_request_no_daemon),
        cmocka_unit_test(test_ctl_request_path_too_long),
        cmocka_unit_test(test_ctl_watch_poll_requests),
        cmocka_unit_test(test_ctl_event_print),
        cmocka_unit_test(test_ctl_call),
        cmocka_unit_test(test_ctl_sessions_pages),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
