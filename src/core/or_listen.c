/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Listening sockets of the node blocks: open, reuse across a reload, close.
 */
#include "or_listen.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "or_conf.h"
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_log.h"

static int
same_addr(const or_addr_t *a, const or_addr_t *b)
{
    return a->len == b->len && memcmp(&a->sa, &b->sa, a->len) == 0;
}

/* The fd of old's node listening on addr, or -1. */
static int
find_old(or_cycle_t *old, const or_addr_t *addr)
{
    if (old == NULL) {
        return -1;
    }
    for (size_t i = 0; i < old->nnodes; i++) {
        or_node_t *n = &old->nodes[i];

        if (n->listen_fd >= 0 && same_addr(&or_core_node(n)->listen, addr)) {
            return n->listen_fd;
        }
    }
    return -1;
}

static or_err_t
open_one(or_cycle_t *cycle, or_node_t *node)
{
    or_addr_t    *a = &or_core_node(node)->listen;
    or_log_ctx_t  lc = OR_LOG_CTX(cycle->log, node->id, NULL);
    int           fd, one = 1;

    fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd == -1) {
        or_log_ctx_error(&lc, OR_LOG_ERR, errno, "socket() for %s failed",
                         a->text);
        return OR_ERROR;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1
        || (a->sa.ss_family == AF_INET6
            && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))
               == -1))
    {
        or_log_ctx_error(&lc, OR_LOG_ERR, errno, "setsockopt() on %s "
                         "failed", a->text);
        goto failed;
    }
    if (bind(fd, (struct sockaddr *) &a->sa, a->len) == -1) {
        or_log_ctx_error(&lc, OR_LOG_ERR, errno, "bind() to %s failed",
                         a->text);
        goto failed;
    }
    if (listen(fd, OR_LISTEN_BACKLOG) == -1) {
        or_log_ctx_error(&lc, OR_LOG_ERR, errno, "listen() on %s failed",
                         a->text);
        goto failed;
    }
    if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT,
                   &(int) { OR_DEFER_ACCEPT_S }, sizeof(int)) == -1)
    {
        /* only a wake-up more per handshake: keep listening */
        or_log_ctx_error(&lc, OR_LOG_NOTICE, errno, "setsockopt("
                         "TCP_DEFER_ACCEPT) on %s failed", a->text);
    }
    node->listen_fd = fd;
    return OR_OK;

failed:
    close(fd);
    return OR_ERROR;
}

or_err_t
or_listen_open(or_cycle_t *cycle, or_cycle_t *old)
{
    size_t i;
    int    fd;

    for (i = 0; i < cycle->nnodes; i++) {
        cycle->nodes[i].listen_fd = -1;
    }
    for (i = 0; i < cycle->nnodes; i++) {
        fd = find_old(old, &or_core_node(&cycle->nodes[i])->listen);
        if (fd >= 0) {
            cycle->nodes[i].listen_fd = fd;
        } else if (open_one(cycle, &cycle->nodes[i]) != OR_OK) {
            goto failed;
        }
    }
    return OR_OK;

failed:
    or_listen_close(cycle, old);
    return OR_ERROR;
}

static int
shares(or_cycle_t *cycle, int fd)
{
    for (size_t i = 0; cycle != NULL && i < cycle->nnodes; i++) {
        if (cycle->nodes[i].listen_fd == fd) {
            return 1;
        }
    }
    return 0;
}

void
or_listen_commit(or_cycle_t *cycle, or_cycle_t *old)
{
    for (size_t i = 0; old != NULL && i < old->nnodes; i++) {
        int fd = old->nodes[i].listen_fd;

        if (fd >= 0 && !shares(cycle, fd)) {
            close(fd);
        }
        old->nodes[i].listen_fd = -1;
    }
}

void
or_listen_close(or_cycle_t *cycle, or_cycle_t *old)
{
    for (size_t i = 0; i < cycle->nnodes; i++) {
        int fd = cycle->nodes[i].listen_fd;

        if (fd >= 0 && !shares(old, fd)) {
            close(fd);
        }
        cycle->nodes[i].listen_fd = -1;
    }
}
