/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Worker 0's per-interface sockets and the netlink socket that keeps them
 * in step with the host's interfaces (or_discovery_links.h).
 */
#include "or_discovery_links.h"

#include <errno.h>
#include <jansson.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "or_limits.h"
#include "or_log.h"
#include "or_peers.h"

#define LINKS_NL_BUF      16384     /* one netlink datagram */
#define LINKS_NL_BUDGET   64        /* netlink datagrams per readiness */
#define LINKS_READ_BUDGET 256       /* beacons per readiness per socket */

struct or_disc_links_s {
    or_event_loop_t       *loop;
    or_log_t              *log;
    int                    nl;      /* netlink; -1 if none */
    or_disc_links_node_t   node[OR_PEERS_NODES_MAX];
    size_t                 nnodes;
    or_disc_ifsock_t      *socks;   /* cap slots, fd -1 when free */
    size_t                 cap;
    or_disc_iface_t       *have;    /* OR_DISC_IFACE_SCAN_MAX */
    or_disc_links_dgram_pt cb;
    void                  *data;
    uint64_t               rescans;
    uint64_t               overruns;        /* ENOBUFS: events lost */
    uint64_t               open_failed;
    uint64_t               refused;         /* past OR_DISC_IFACES_MAX */
    size_t                 refused_now;     /* in the last scan */
    char                   buf[OR_BEACON_MAX + 1];
    char                   nlbuf[LINKS_NL_BUF]
                               __attribute__((aligned(NLMSG_ALIGNTO)));
};

static const char *
fam(int family)
{
    return family == AF_INET6 ? "IPv6" : "IPv4";
}

static void
sock_close(or_disc_links_t *l, or_disc_ifsock_t *is, const char *why)
{
    if (or_event_del(l->loop, is->fd) != OR_OK) {
        or_log_error(l->log, OR_LOG_WARN, errno, "epoll_ctl(DEL) of the "
                     "discovery socket on %s failed", is->name);
    }
    close(is->fd);
    is->fd = -1;
    or_log_error(l->log, OR_LOG_NOTICE, 0, "discovery stops on interface "
                 "%s (%s): %s, node: %s", is->name, fam(is->family), why,
                 l->node[is->node].id);
}

int
or_disc_links_nl_relevant(const void *buf, size_t len)
{
    struct nlmsghdr h;
    size_t          off = 0;

    /* each header copied out: a datagram buffer need not be aligned */
    while (len - off >= sizeof(h)) {
        memcpy(&h, (const char *) buf + off, sizeof(h));
        if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off) {
            return 0;           /* malformed: nothing past it is read */
        }
        switch (h.nlmsg_type) {
        case RTM_NEWLINK:
        case RTM_DELLINK:
        case RTM_NEWADDR:
        case RTM_DELADDR:
            return 1;
        default:
            break;
        }
        if (NLMSG_ALIGN(h.nlmsg_len) >= len - off) {
            break;
        }
        off += NLMSG_ALIGN(h.nlmsg_len);
    }
    return 0;
}

static void
sock_read(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    or_disc_ifsock_t *is = data;
    or_disc_links_t  *l = is->links;

    (void) loop;
    (void) events;
    for (int k = 0; k < LINKS_READ_BUDGET && is->fd != -1; k++) {
        union {
            struct cmsghdr  h;
            char            b[CMSG_SPACE(sizeof(struct in6_pktinfo))
                              + CMSG_SPACE(sizeof(struct in_pktinfo))];
        }                 ctl;
        struct iovec      iov = { l->buf, OR_BEACON_MAX };
        struct msghdr     mh;
        struct cmsghdr   *c;
        or_disc_from_t    from;
        uint32_t          arrived = 0;
        ssize_t           n;

        memset(&mh, 0, sizeof(mh));
        memset(&from, 0, sizeof(from));
        mh.msg_name = &from.sa;
        mh.msg_namelen = sizeof(from.sa);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.b;
        mh.msg_controllen = sizeof(ctl.b);
        n = recvmsg(fd, &mh, MSG_DONTWAIT);
        if (n < 0) {
            return;             /* EAGAIN; errors are the peer's doing */
        }
        for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                struct in_pktinfo pi;

                memcpy(&pi, CMSG_DATA(c), sizeof(pi));
                arrived = (uint32_t) pi.ipi_ifindex;
            } else if (c->cmsg_level == IPPROTO_IPV6
                       && c->cmsg_type == IPV6_PKTINFO)
            {
                struct in6_pktinfo pi;

                memcpy(&pi, CMSG_DATA(c), sizeof(pi));
                arrived = pi.ipi6_ifindex;
            }
        }
        /* a socket hears its own interface only: another's datagram is
         * that interface's socket's to read (or no one's) */
        if (arrived != is->ifindex) {
            is->other_if++;
            continue;
        }
        is->received++;
        from.ifname = is->name;
        from.ifindex = is->ifindex;
        l->cb(l->data, is, l->buf, (size_t) n,
              (mh.msg_flags & MSG_TRUNC) != 0, &from);
    }
}

static or_disc_ifsock_t *
find(or_disc_links_t *l, size_t node, const or_disc_iface_t *i, int family)
{
    for (size_t k = 0; k < l->cap; k++) {
        or_disc_ifsock_t *is = &l->socks[k];

        if (is->fd != -1 && is->node == node && is->family == family
            && is->ifindex == i->ifindex && strcmp(is->name, i->name) == 0)
        {
            return is;
        }
    }
    return NULL;
}

static void
sock_open(or_disc_links_t *l, size_t node, const or_disc_iface_t *i,
    int family)
{
    const or_disc_links_node_t *n = &l->node[node];
    or_disc_ifsock_t           *is = NULL;
    char                        err[128];
    int                         fd;

    for (size_t k = 0; k < l->cap && is == NULL; k++) {
        is = l->socks[k].fd == -1 ? &l->socks[k] : NULL;
    }
    if (is == NULL) {
        return;                 /* cannot happen: cap is nodes x max x 2 */
    }
    memset(is, 0, sizeof(*is));
    is->fd = -1;
    if (or_discovery_socket_if(family, n->group, i->ifindex, n->port,
                               n->ttl, &fd, &is->dst, &is->dstlen, err,
                               sizeof(err)) != OR_OK)
    {
        l->open_failed++;
        or_log_error(l->log, OR_LOG_WARN, 0, "discovery socket on interface "
                     "%s (%s) failed: %s (counted; tried again on the next "
                     "interface event), node: %s", i->name, fam(family), err,
                     n->id);
        return;
    }
    is->node = node;
    is->sock = n->sock;
    is->family = family;
    is->ifindex = i->ifindex;
    memcpy(is->name, i->name, sizeof(is->name));
    is->name[sizeof(is->name) - 1] = '\0';
    is->links = l;
    is->mark = 1;
    if (or_event_add(l->loop, fd, OR_EV_READ, sock_read, is) != OR_OK) {
        l->open_failed++;
        or_log_error(l->log, OR_LOG_WARN, errno, "watching the discovery "
                     "socket on interface %s (%s) failed, node: %s", i->name,
                     fam(family), n->id);
        close(fd);
        return;
    }
    is->fd = fd;
    or_log_error(l->log, OR_LOG_NOTICE, 0, "discovery on interface %s (%s), "
                 "node: %s", i->name, fam(family), n->id);
}

void
or_disc_links_rescan(or_disc_links_t *l)
{
    or_disc_iface_t  want[OR_DISC_IFACES_MAX];
    size_t           nhave = 0, refused_all = 0;

    l->rescans++;
    if (or_disc_iface_scan(l->have, OR_DISC_IFACE_SCAN_MAX, &nhave)
        != OR_OK)
    {
        or_log_error(l->log, OR_LOG_WARN, errno, "listing the interfaces "
                     "failed; discovery keeps its sockets until the next "
                     "interface event");
        return;
    }
    for (size_t k = 0; k < l->cap; k++) {
        l->socks[k].mark = 0;
    }
    for (size_t node = 0; node < l->nnodes; node++) {
        size_t nw, refused;

        if (l->node[node].rules == NULL) {
            continue;
        }
        nw = or_disc_iface_select(l->node[node].rules, l->have, nhave, want,
                                  &refused);
        refused_all += refused;
        for (size_t i = 0; i < nw; i++) {
            for (int f = 0; f < 2; f++) {
                int               family = f ? AF_INET6 : AF_INET;
                or_disc_ifsock_t *is;

                if (!(f ? want[i].v6 : want[i].v4)) {
                    continue;
                }
                is = find(l, node, &want[i], family);
                if (is != NULL) {
                    is->mark = 1;
                } else {
                    sock_open(l, node, &want[i], family);
                }
            }
        }
        if (refused > 0) {
            or_log_error(l->log, OR_LOG_WARN, 0, "%zu more interfaces match "
                         "the rules than the %d a node uses: not used "
                         "(counted), node: %s", refused, OR_DISC_IFACES_MAX,
                         l->node[node].id);
        }
    }
    if (refused_all > l->refused_now) {
        l->refused += refused_all - l->refused_now;
    }
    l->refused_now = refused_all;
    for (size_t k = 0; k < l->cap; k++) {
        if (l->socks[k].fd != -1 && !l->socks[k].mark) {
            sock_close(l, &l->socks[k], "gone, down, without an address "
                       "of the family, or no longer matching");
        }
    }
}

static void
nl_read(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    or_disc_links_t *l = data;
    int              again = 0;

    (void) loop;
    (void) events;
    for (int k = 0; k < LINKS_NL_BUDGET; k++) {
        struct sockaddr_nl  sa;
        socklen_t           salen = sizeof(sa);
        ssize_t             n;

        n = recvfrom(fd, l->nlbuf, sizeof(l->nlbuf), MSG_DONTWAIT,
                     (struct sockaddr *) &sa, &salen);
        if (n < 0) {
            if (errno == ENOBUFS) {
                l->overruns++;  /* events lost: look at everything */
                again = 1;
                continue;
            }
            break;
        }
        /* the kernel's only (port id 0) */
        if (salen == sizeof(sa) && sa.nl_pid == 0
            && or_disc_links_nl_relevant(l->nlbuf, (size_t) n))
        {
            again = 1;
        }
    }
    if (again) {
        or_disc_links_rescan(l);
    }
}

or_err_t
or_disc_links_new(or_event_loop_t *loop, or_log_t *log,
    const or_disc_links_node_t *nodes, size_t nnodes,
    or_disc_links_dgram_pt cb, void *data, or_disc_links_t **out)
{
    or_disc_links_t    *l = calloc(1, sizeof(*l));
    struct sockaddr_nl  sa;

    if (l == NULL) {
        return OR_ERROR;
    }
    l->loop = loop;
    l->log = log;
    l->nl = -1;
    l->cb = cb;
    l->data = data;
    l->nnodes = nnodes < OR_PEERS_NODES_MAX ? nnodes : OR_PEERS_NODES_MAX;
    memcpy(l->node, nodes, l->nnodes * sizeof(*nodes));
    l->cap = l->nnodes * OR_DISC_IFACES_MAX * 2;
    l->socks = calloc(l->cap, sizeof(*l->socks));
    l->have = calloc(OR_DISC_IFACE_SCAN_MAX, sizeof(*l->have));
    if (l->socks == NULL || l->have == NULL) {
        goto failed;
    }
    for (size_t k = 0; k < l->cap; k++) {
        l->socks[k].fd = -1;
    }
    l->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   NETLINK_ROUTE);
    memset(&sa, 0, sizeof(sa));
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    if (l->nl == -1
        || bind(l->nl, (struct sockaddr *) &sa, sizeof(sa)) == -1
        || or_event_add(loop, l->nl, OR_EV_READ, nl_read, l) != OR_OK)
    {
        /* the interfaces there are now still work: only changes are
         * missed (until the next start or reload) */
        or_log_error(log, OR_LOG_ERR, errno, "netlink socket for interface "
                     "events failed: discovery uses the interfaces there "
                     "are now and will not follow changes");
        if (l->nl != -1) {
            close(l->nl);
            l->nl = -1;
        }
    }
    or_disc_links_rescan(l);
    *out = l;
    return OR_OK;

failed:
    or_disc_links_free(l);
    return OR_ERROR;
}

void
or_disc_links_free(or_disc_links_t *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t k = 0; l->socks != NULL && k < l->cap; k++) {
        if (l->socks[k].fd != -1) {
            /* the loop may be going too: a failure changes nothing */
            if (or_event_del(l->loop, l->socks[k].fd) != OR_OK) {
                errno = 0;
            }
            close(l->socks[k].fd);
        }
    }
    if (l->nl != -1) {
        if (or_event_del(l->loop, l->nl) != OR_OK) {
            errno = 0;
        }
        close(l->nl);
    }
    free(l->socks);
    free(l->have);
    free(l);
}

or_disc_ifsock_t *
or_disc_links_next(or_disc_links_t *l, size_t node, or_disc_ifsock_t *prev)
{
    size_t k = prev == NULL ? 0 : (size_t) (prev - l->socks) + 1;

    for (; l != NULL && k < l->cap; k++) {
        if (l->socks[k].fd != -1 && l->socks[k].node == node) {
            return &l->socks[k];
        }
    }
    return NULL;
}

json_t *
or_disc_links_json(const or_disc_links_t *l)
{
    json_t *a = json_array();

    for (size_t k = 0; a != NULL && k < l->cap; k++) {
        const or_disc_ifsock_t *is = &l->socks[k];

        if (is->fd == -1) {
            continue;
        }
        json_array_append_new(a, json_pack(
            "{s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I}", "node",
            l->node[is->node].id, "interface", is->name, "ifindex",
            (int) is->ifindex, "family", is->family == AF_INET6 ? 6 : 4,
            "received", (json_int_t) is->received, "sent",
            (json_int_t) is->sent, "send_failed",
            (json_int_t) is->send_failed, "other_interface",
            (json_int_t) is->other_if));
    }
    return json_pack("{s:o, s:I, s:I, s:I, s:I}", "sockets",
                     a ? a : json_array(), "rescans",
                     (json_int_t) l->rescans, "overruns",
                     (json_int_t) l->overruns, "open_failed",
                     (json_int_t) l->open_failed, "refused",
                     (json_int_t) l->refused);
}
