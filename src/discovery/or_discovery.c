/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The multicast socket, a node's beacon fields and multi-key opening of a
 * datagram (or_discovery.h); the discovery module drives them.
 */
#include "or_discovery.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/crypto.h>

#include "or_conf.h"
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_limits.h"
#include "or_log.h"

/* What we put in "activity_level": the original reports a load figure
 * nobody reads; a constant says "up" without leaking anything. */
#define DISCOVERY_ACTIVITY  50

or_err_t
or_discovery_socket(const char *group, uint16_t port, const char *interface,
    int ttl, or_log_t *log, int *fdp, struct sockaddr_in *dst)
{
    struct ip_mreqn     mr;
    struct sockaddr_in  any, to;
    int                 fd, on = 1;
    unsigned char       loop = 1;

    memset(&mr, 0, sizeof(mr));
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    if (inet_pton(AF_INET, group, &to.sin_addr) != 1) {
        or_log_error(log, OR_LOG_ERR, 0, "discovery group \"%s\" is not an "
                     "IPv4 address", group);
        return OR_ERROR;
    }
    mr.imr_multiaddr = to.sin_addr;
    if (interface[0] != '\0') {
        mr.imr_ifindex = (int) if_nametoindex(interface);
        if (mr.imr_ifindex == 0) {
            or_log_error(log, OR_LOG_ERR, errno, "discovery interface "
                         "\"%s\" not found", interface);
            return OR_ERROR;
        }
    }
    any = to;
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1
        || bind(fd, (struct sockaddr *) &any, sizeof(any)) == -1
        || setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr))
           == -1
        || setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) == -1
        || setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl))
           == -1
        || setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop))
           == -1)
    {
        int err = errno;

        /* the kernel picks the interface of the route to the group: a
         * host with no default route and none for 224.0.0.0/4 has none */
        or_log_error(log, OR_LOG_ERR, err, "discovery socket for %s:%u on "
                     "interface \"%s\" failed%s", group, (unsigned) port,
                     interface, err == ENODEV && interface[0] == '\0'
                     ? ": no route to the multicast group (set "
                       "discovery.interface, or add a route for "
                       "224.0.0.0/4, e.g. ip route add 224.0.0.0/4 dev eth0)"
                     : "");
        errno = err;
        if (fd != -1) {
            close(fd);
        }
        return OR_ERROR;
    }
    /* A burst of beacons lands between two reads of a busy worker: the
     * default buffer (rmem_default, ~200 KiB) holds ~200 of them, which
     * a 2-core host sheds within a millisecond of scheduling. The size is
     * a bound, not an allocation; root (the master) may pass rmem_max. */
    {
        int rcv = OR_DISCOVERY_RCVBUF;

        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv))
            == -1)
        {
            (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
        }
    }
    *fdp = fd;
    *dst = to;
    return OR_OK;
}

#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL  29          /* Linux 4.20 */
#endif

static void
rcvbuf(int fd)
{
    int rcv = OR_DISCOVERY_RCVBUF;

    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) == -1)
    {
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    }
}

#define TRY(step, call)                                                     \
    if ((call) == -1) { what = step; goto failed; }

or_err_t
or_discovery_socket_if(int family, const char *group, uint32_t ifindex,
    uint16_t port, int ttl, int *fdp, struct sockaddr_storage *dst,
    socklen_t *dstlen, char *err, size_t errlen)
{
    struct sockaddr_storage  to, any;
    socklen_t                len;
    const char              *what = "socket";
    int                      fd, on = 1, off = 0, loop = 1;

    memset(&to, 0, sizeof(to));
    memset(&any, 0, sizeof(any));
    fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    TRY("socket", fd);
    TRY("SO_REUSEADDR", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
                                   sizeof(on)));
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *) &any;
        struct sockaddr_in *t = (struct sockaddr_in *) &to;
        struct ip_mreqn     mr;
        unsigned char       lp = 1;

        t->sin_family = AF_INET;
        t->sin_port = htons(port);
        if (inet_pton(AF_INET, group, &t->sin_addr) != 1) {
            errno = EINVAL;
            what = "group";
            goto failed;
        }
        *a = *t;
        a->sin_addr.s_addr = htonl(INADDR_ANY);
        len = sizeof(*t);
        memset(&mr, 0, sizeof(mr));
        mr.imr_multiaddr = t->sin_addr;
        mr.imr_ifindex = (int) ifindex;
        TRY("bind", bind(fd, (struct sockaddr *) a, len));
        TRY("IP_MULTICAST_ALL", setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL,
                                           &off, sizeof(off)));
        TRY("IP_ADD_MEMBERSHIP", setsockopt(fd, IPPROTO_IP,
                                            IP_ADD_MEMBERSHIP, &mr,
                                            sizeof(mr)));
        TRY("IP_MULTICAST_IF", setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF,
                                          &mr, sizeof(mr)));
        TRY("IP_MULTICAST_TTL", setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL,
                                           &ttl, sizeof(ttl)));
        TRY("IP_MULTICAST_LOOP", setsockopt(fd, IPPROTO_IP,
                                            IP_MULTICAST_LOOP, &lp,
                                            sizeof(lp)));
        TRY("IP_PKTINFO", setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on,
                                     sizeof(on)));
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) &any;
        struct sockaddr_in6 *t = (struct sockaddr_in6 *) &to;
        struct ipv6_mreq     mr;
        int                  idx = (int) ifindex;

        t->sin6_family = AF_INET6;
        t->sin6_port = htons(port);
        (void) inet_pton(AF_INET6, OR_DISCOVERY_GROUP6, &t->sin6_addr);
        t->sin6_scope_id = ifindex;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        a->sin6_addr = in6addr_any;
        len = sizeof(*t);
        memset(&mr, 0, sizeof(mr));
        mr.ipv6mr_multiaddr = t->sin6_addr;
        mr.ipv6mr_interface = ifindex;
        TRY("IPV6_V6ONLY", setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
                                      sizeof(on)));
        TRY("bind", bind(fd, (struct sockaddr *) a, len));
        /* older kernels lack it: the arrival check below still holds */
        (void) setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off,
                          sizeof(off));
        TRY("IPV6_JOIN_GROUP", setsockopt(fd, IPPROTO_IPV6,
                                          IPV6_JOIN_GROUP, &mr,
                                          sizeof(mr)));
        TRY("IPV6_MULTICAST_IF", setsockopt(fd, IPPROTO_IPV6,
                                            IPV6_MULTICAST_IF, &idx,
                                            sizeof(idx)));
        TRY("IPV6_MULTICAST_HOPS", setsockopt(fd, IPPROTO_IPV6,
                                              IPV6_MULTICAST_HOPS, &ttl,
                                              sizeof(ttl)));
        TRY("IPV6_MULTICAST_LOOP", setsockopt(fd, IPPROTO_IPV6,
                                              IPV6_MULTICAST_LOOP, &loop,
                                              sizeof(loop)));
        TRY("IPV6_RECVPKTINFO", setsockopt(fd, IPPROTO_IPV6,
                                           IPV6_RECVPKTINFO, &on,
                                           sizeof(on)));
    }
    rcvbuf(fd);
    *fdp = fd;
    *dst = to;
    *dstlen = len;
    return OR_OK;

failed:
    {
        int e = errno;

        snprintf(err, errlen, "%s: %s", what, strerror(e));
        if (fd != -1) {
            close(fd);
        }
        errno = e;
    }
    return OR_ERROR;
}

#undef TRY

void
or_discovery_addr_text(const or_disc_from_t *from, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];

    if (from->sa.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *) &from->sa;

        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr) && from->ifname != NULL
            && from->ifname[0] != '\0')
        {
            snprintf(buf, len, "[%s%%%s]:%u", ip, from->ifname,
                     (unsigned) ntohs(a->sin6_port));
        } else {
            snprintf(buf, len, "[%s]:%u", ip, (unsigned) ntohs(a->sin6_port));
        }
        return;
    }
    {
        const struct sockaddr_in *a = (const void *) &from->sa;

        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%u", ip, (unsigned) ntohs(a->sin_port));
    }
}

static void
hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static or_err_t
node_hash(const char *pem, size_t len, unsigned char md[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    char        run[32];
    int         ok;
    int         n = snprintf(run, sizeof(run), ":%ld", (long) getppid());

    ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1
         && EVP_DigestUpdate(ctx, pem, len) == 1
         && EVP_DigestUpdate(ctx, run, (size_t) n) == 1
         && EVP_DigestFinal_ex(ctx, md, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? OR_OK : OR_ERROR;
}

/* node_hash: SHA-256 of the public PEM and the master's pid, so it changes
 * when the daemon restarts but not on a reload (the original hashes its
 * node id with its start time); a peer that sees it change answers with an
 * early beacon. zone_hash: "zone_" + 16 hex of SHA-256 of the sector.
 * Receivers of the original only require the fingerprint. */
or_err_t
or_discovery_beacon_init(const or_node_t *node, or_v2_beacon_t *b)
{
    or_core_node_conf_t *cn = or_core_node(node);
    or_v2_beacon_t       nb;
    unsigned char        md[32];
    char                 h[17];
    const char          *pem;
    size_t               len;

    memset(&nb, 0, sizeof(nb));
    if (node->key == NULL) {
        return OR_ERROR;
    }
    pem = or_key_public_pem(node->key, &len);
    if (node_hash(pem, len, md) != OR_OK) {
        return OR_ERROR;
    }
    hex(md, 32, nb.node_hash);
    snprintf(nb.fingerprint, sizeof(nb.fingerprint), "%s",
             or_key_fingerprint(node->key));
    snprintf(nb.sector, sizeof(nb.sector), "%s", cn->sector);
    for (size_t i = 0; i < cn->services.n && i < OR_V2_SERVICES_MAX; i++) {
        snprintf(nb.services[i], sizeof(nb.services[i]), "%s",
                 cn->services.v[i]);
        nb.nservices++;
    }
    if (EVP_Digest(cn->sector, strlen(cn->sector), md, NULL, EVP_sha256(),
                   NULL) != 1)
    {
        return OR_ERROR;
    }
    hex(md, 8, h);
    snprintf(nb.zone_hash, sizeof(nb.zone_hash), "zone_%s", h);
    nb.activity_level = DISCOVERY_ACTIVITY;
    /* compat: the original advertises 127.0.0.1 whatever its host;
     * receivers dial the beacon's source address with this port. */
    snprintf(nb.ip, sizeof(nb.ip), "127.0.0.1");
    nb.port = cn->listen.port;
    *b = nb;
    return OR_OK;
}

void
or_discovery_peer(or_peer_t *p, const or_v2_beacon_t *b,
    const or_disc_from_t *from)
{
    memset(p, 0, sizeof(*p));
    memcpy(p->fingerprint, b->fingerprint, sizeof(p->fingerprint));
    memcpy(p->sector, b->sector, sizeof(p->sector));
    memcpy(p->services, b->services, sizeof(p->services));
    p->nservices = (uint32_t) b->nservices;
    p->activity_level = b->activity_level;
    memcpy(p->adv_ip, b->ip, sizeof(p->adv_ip));
    p->adv_port = b->port;
    if (from->sa.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *) &from->sa;

        inet_ntop(AF_INET6, &a->sin6_addr, p->source, sizeof(p->source));
        p->source_port = ntohs(a->sin6_port);
        p->source_family = 6;
        /* the kernel's scope of a link-local source is its interface */
        p->source_ifindex = a->sin6_scope_id ? a->sin6_scope_id
                                             : from->ifindex;
    } else {
        const struct sockaddr_in *a = (const void *) &from->sa;

        inet_ntop(AF_INET, &a->sin_addr, p->source, sizeof(p->source));
        p->source_port = ntohs(a->sin_port);
        p->source_family = 4;
        p->source_ifindex = from->ifindex;
    }
    snprintf(p->source_if, sizeof(p->source_if), "%s",
             from->ifname != NULL ? from->ifname : "");
    memcpy(p->node_hash, b->node_hash, sizeof(p->node_hash));
}

double
or_discovery_wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

uint64_t
or_discovery_jitter_ms(or_rand_t *r, int64_t interval)
{
    uint64_t ms = (uint64_t) interval * 1000, span = ms / 5;

    return ms - ms / 10 + or_rand_below(r, span + 1);
}

or_err_t
or_discovery_key(const char *passphrase, or_fernet_t *const *old,
    const char *const *old_pass, size_t nold, or_fernet_t **out,
    or_errbuf_t *eb)
{
    unsigned char raw[OR_FERNET_KEY_LEN];
    or_err_t      rc;

    for (size_t i = 0; old != NULL && i < nold; i++) {
        if (old[i] != NULL && strcmp(old_pass[i], passphrase) == 0) {
            or_fernet_export(old[i], raw);
            rc = or_fernet_new(raw, out, eb);
            OPENSSL_cleanse(raw, sizeof(raw));
            return rc;
        }
    }
    return or_fernet_derive(passphrase, strlen(passphrase), out, eb);
}
