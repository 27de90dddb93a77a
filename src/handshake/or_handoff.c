/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Abstract-namespace datagram sockets between workers (or_handoff.h).
 * Abstract names live in the network namespace and vanish with the
 * process, so a crashed worker leaves nothing behind; their names are
 * random so that no other uid can take one first.
 */
#include "or_handoff.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static socklen_t
handoff_addr(uint64_t token, struct sockaddr_un *sa)
{
    int n;

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
                 "openred.handoff.%016llx", (unsigned long long) token);
    return (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

int
or_handoff_open(uint64_t *token)
{
    struct sockaddr_un sa;
    socklen_t          len;
    int                one = 1, fd, rc = -1;

    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == -1) {
        goto failed;
    }
    /* a name in use (2^-64 by chance) is only tried again */
    for (int i = 0; i < 4 && rc == -1; i++) {
        *token = 0;
        while (*token == 0) {
            if (getrandom(token, sizeof(*token), 0) != sizeof(*token)) {
                goto failed;
            }
        }
        len = handoff_addr(*token, &sa);
        rc = bind(fd, (struct sockaddr *) &sa, len);
        if (rc == -1 && errno != EADDRINUSE) {
            goto failed;
        }
    }
    if (rc == -1) {
        goto failed;
    }
    return fd;

failed:
    {
        int err = errno;

        close(fd);
        errno = err;
    }
    return -1;
}

or_err_t
or_handoff_send(uint64_t token, or_handoff_op_t op, uint64_t session,
    const void *payload, size_t len)
{
    struct sockaddr_un sa;
    socklen_t          salen = handoff_addr(token, &sa);
    or_handoff_hdr_t   hdr = { (uint32_t) op, (uint32_t) len, session };
    struct iovec       iov[2] = { { &hdr, sizeof(hdr) },
                                  { (void *) payload, len } };
    struct msghdr      msg;
    int                fd, rc;

    if (len > OR_SEND_DGRAM_MAX - sizeof(hdr)) {
        errno = EMSGSIZE;
        return OR_ERROR;
    }
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return OR_ERROR;
    }
    memset(&msg, 0, sizeof(msg));
    msg.msg_name = &sa;
    msg.msg_namelen = salen;
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    rc = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 0;
    if (rc == -1) {
        int err = errno;

        close(fd);
        errno = err;
        return OR_ERROR;
    }
    close(fd);
    return OR_OK;
}

or_err_t
or_handoff_recv(int fd, or_handoff_hdr_t *hdr, char *buf, size_t cap)
{
    union {
        struct cmsghdr  h;
        char            b[CMSG_SPACE(sizeof(struct ucred))];
    } ctl;
    struct iovec    iov[2] = { { hdr, sizeof(*hdr) }, { buf, cap } };
    struct msghdr   msg;
    struct cmsghdr *cm;
    struct ucred    cred = { 0, (uid_t) -1, (gid_t) -1 };
    ssize_t         n;

    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    msg.msg_control = ctl.b;
    msg.msg_controllen = sizeof(ctl.b);
    n = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) {
        return errno == EAGAIN || errno == EINTR ? OR_AGAIN : OR_ERROR;
    }
    for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
            memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
        }
    }
    if (cred.uid != geteuid() || (size_t) n < sizeof(*hdr)
        || (msg.msg_flags & MSG_TRUNC)
        || hdr->len != (size_t) n - sizeof(*hdr))
    {
        return OR_EAUTH;
    }
    return OR_OK;
}
