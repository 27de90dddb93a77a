/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Sanitizer and coverage builds: a process that leaves through _exit()
 * (a worker, the parent of daemonize) skips what runs at exit(): the
 * LeakSanitizer check and gcov's counters. or_instrument_exit() does both
 * first; in other builds it does nothing.
 */
#ifndef OR_INSTRUMENT_H_INCLUDED
#define OR_INSTRUMENT_H_INCLUDED

#include <sys/prctl.h>

#if defined(__SANITIZE_ADDRESS__)
#define OR_HAVE_LSAN  1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OR_HAVE_LSAN  1
#endif
#endif

#ifdef OR_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#ifdef OR_HAVE_COVERAGE
void __gcov_dump(void);
#endif

static inline void
or_instrument_exit(void)
{
#ifdef OR_HAVE_LSAN
    /* LeakSanitizer stops the threads with ptrace, which Linux refuses
     * on a process its uid change made non-dumpable (fs.suid_dumpable 0).
     * Not needed on the machine this was tested on, which allowed it. */
    (void) prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    (void) __lsan_do_recoverable_leak_check();
#endif
#ifdef OR_HAVE_COVERAGE
    __gcov_dump();
#endif
}

#endif /* OR_INSTRUMENT_H_INCLUDED */
