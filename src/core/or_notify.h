/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The master's state for the service manager (sd_notify(3)): ready,
 * reloading, stopping. No-ops when built without libsystemd or when
 * NOTIFY_SOCKET is unset, so the daemon runs the same without systemd.
 */
#ifndef OR_NOTIFY_H_INCLUDED
#define OR_NOTIFY_H_INCLUDED

#include <sys/types.h>

/* READY=1, once the listening sockets and the control socket are open and
 * the workers spawned; also after every reload, failed or not. mainpid is
 * sent as MAINPID= when the master is not the process systemd started
 * (daemon = true); 0 sends none. */
void or_notify_ready(pid_t mainpid);

/* RELOADING=1 (with MONOTONIC_USEC=, as systemd 253 asks) before a reload
 * starts; or_notify_ready() ends it. */
void or_notify_reloading(void);

/* STOPPING=1 when a graceful or fast stop begins. */
void or_notify_stopping(void);

#endif /* OR_NOTIFY_H_INCLUDED */
