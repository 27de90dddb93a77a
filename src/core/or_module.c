/* The module registry: indexes into the per-module conf arrays. */
#include "or_module.h"

void
or_module_init_indexes(void)
{
    for (size_t i = 0; or_modules[i] != NULL; i++) {
        or_modules[i]->index = i;
    }
}

size_t
or_module_count(void)
{
    size_t n = 0;

    while (or_modules[n] != NULL) {
        n++;
    }
    return n;
}
