/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * sd_notify(3) messages of the master. A failed send is ignored: the
 * service manager then times the start out, which says more than a log
 * line could, and the daemon must not depend on it.
 */
#include "or_notify.h"

#include <time.h>

#include "or_auto_config.h"

#if OR_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

void
or_notify_ready(pid_t mainpid)
{
    if (mainpid > 0) {
        (void) sd_notifyf(0, "READY=1\nMAINPID=%ld", (long) mainpid);
    } else {
        (void) sd_notify(0, "READY=1");
    }
}

void
or_notify_reloading(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
        (void) sd_notify(0, "RELOADING=1");
        return;
    }
    (void) sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
                      (unsigned long long) ts.tv_sec * 1000000ULL
                      + (unsigned long long) ts.tv_nsec / 1000ULL);
}

void
or_notify_stopping(void)
{
    (void) sd_notify(0, "STOPPING=1");
}

#else

void
or_notify_ready(pid_t mainpid)
{
    (void) mainpid;
}

void
or_notify_reloading(void)
{
}

void
or_notify_stopping(void)
{
}

#endif
