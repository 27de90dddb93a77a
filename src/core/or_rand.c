/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* splitmix64 (Steele, Lea, Flood 2014): one add and a mix per value. */
#include "or_rand.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void
or_rand_seed(or_rand_t *r, uint64_t seed)
{
    r->state = seed;
}

void
or_rand_seed_os(or_rand_t *r)
{
    uint64_t        seed;
    struct timespec ts;

    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK)
        != (ssize_t) sizeof(seed))
    {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        seed = (uint64_t) ts.tv_nsec * 6364136223846793005ULL
               ^ (uint64_t) ts.tv_sec ^ ((uint64_t) getpid() << 32)
               ^ (uint64_t) (uintptr_t) r;
    }
    or_rand_seed(r, seed);
}

uint64_t
or_rand_next(or_rand_t *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t
or_rand_below(or_rand_t *r, uint64_t n)
{
    return n ? or_rand_next(r) % n : 0;
}
