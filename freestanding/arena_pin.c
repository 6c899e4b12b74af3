/*
 * arena_pin.c - the hak_arena_ API (include/hakmem.h) under the pinning
 * rule. The core's hak_arena_ functions take the arena's locks; on bare
 * metal a caller must hold its CPU's interrupts off while it does, or an
 * interrupt handler using the same arena could spin for ever on a lock
 * the interrupted code holds. freestanding.mk links the image with
 * `--wrap=hak_arena_X` for each of them, so that every call from outside
 * the core lands here (__wrap_hak_arena_X), turns interrupts off, and
 * calls the core's function (__real_hak_arena_X). A core built without
 * that API (HAK_WITH_ARENA_API 0, core/config.h) has nothing to wrap.
 */
#include "fs.h"

#if HAK_WITH_ARENA_API

#define PINNED(type, name, params, args)                 \
    type __real_##name params;                           \
    type __wrap_##name params;                           \
    type __wrap_##name params                            \
    {                                                    \
        unsigned long irq = fs_irq_save();               \
        type r = __real_##name args;                     \
        fs_irq_restore(irq);                             \
        return r;                                        \
    }

PINNED(hak_arena_t *, hak_arena_create, (void *base, size_t len, unsigned flags),
       (base, len, flags))
PINNED(hak_arena_t *, hak_arena_create_ex,
       (void *base, size_t len, unsigned flags, const hak_arena_params_t *params),
       (base, len, flags, params))
PINNED(void *, hak_arena_malloc, (hak_arena_t *a, size_t size), (a, size))
PINNED(void *, hak_arena_calloc, (hak_arena_t *a, size_t count, size_t size), (a, count, size))
PINNED(void *, hak_arena_realloc, (hak_arena_t *a, void *p, size_t size), (a, p, size))
PINNED(void *, hak_arena_aligned_alloc, (hak_arena_t *a, size_t align, size_t size),
       (a, align, size))
PINNED(size_t, hak_arena_usable_size, (hak_arena_t *a, const void *p), (a, p))
#if HAK_WITH_STATS
PINNED(int, hak_arena_stats, (hak_arena_t *a, hak_arena_stats_t *out), (a, out))
#endif
#if HAK_WITH_CHECK
PINNED(int, hak_arena_check, (hak_arena_t *a), (a))
#endif

void __real_hak_arena_free(hak_arena_t *a, void *p);
void __wrap_hak_arena_free(hak_arena_t *a, void *p);
void __wrap_hak_arena_free(hak_arena_t *a, void *p)
{
    unsigned long irq = fs_irq_save();
    __real_hak_arena_free(a, p);
    fs_irq_restore(irq);
}

void __real_hak_arena_destroy(hak_arena_t *a);
void __wrap_hak_arena_destroy(hak_arena_t *a);
void __wrap_hak_arena_destroy(hak_arena_t *a)
{
    unsigned long irq = fs_irq_save();
    __real_hak_arena_destroy(a);
    fs_irq_restore(irq);
}
#endif /* HAK_WITH_ARENA_API */
