/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The one line a foreground start (daemon = false) prints on the terminal:
 * what runs, where, and where the rest goes.
 */
#ifndef OR_SUMMARY_H_INCLUDED
#define OR_SUMMARY_H_INCLUDED

#include <stdio.h>
#include <sys/types.h>

typedef struct or_cycle_s or_cycle_t;

/* "openred/V started: master PID, N workers; node ID ADDR fingerprint FP;
 * ...; log PATH" and a newline, onto out. */
void or_summary_print(or_cycle_t *cycle, pid_t master, FILE *out);

#endif /* OR_SUMMARY_H_INCLUDED */
