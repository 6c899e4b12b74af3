/*
 * debug.h - checks added by debug builds (HAK_DEBUG=1, `make DEBUG=1`):
 *   - a canary after the requested size: a small or mid block of n bytes
 *     is allocated from the class of n + 3; bytes [n, usable - 2) hold
 *     HAK_CANARY and the last two usable bytes hold n. Free checks them, so
 *     a write past the requested size is reported. The usable size reported
 *     to the user is n.
 *   - poison on free: bytes [8, usable) of a free block hold HAK_POISON;
 *     allocation checks them, so a write after free is reported.
 * Release builds compile all of this away.
 */
#ifndef HAKMEM_DEBUG_H
#define HAKMEM_DEBUG_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "geometry.h"
#include "report.h"

#define HAK_CANARY 0xcau
#define HAK_POISON 0xdfu
#define HAK_DEBUG_EXTRA 3u
#define HAK_DEBUG_MAX (HAK_MID_MAX - HAK_DEBUG_EXTRA) /* largest guarded size */

/* Size to request from the classes for a user request of n bytes. Sizes
 * too close to the largest class for a canary become large blocks, so that
 * every small and mid block of a debug build carries one. */
static inline size_t hak_debug_request(size_t n)
{
    if (!HAK_DEBUG || n > HAK_MID_MAX)
        return n;
    return n <= HAK_DEBUG_MAX ? n + HAK_DEBUG_EXTRA : HAK_MID_MAX + 1u;
}

/* Poisons the part of a free block that its link does not use. */
HAK_NO_ASAN static inline void hak_debug_poison(uintptr_t p, unsigned c)
{
    if (!HAK_DEBUG)
        return;
    uint8_t *b = (uint8_t *)p;
    for (uint32_t i = 8; i < hak_geom[c].usable; i++)
        b[i] = HAK_POISON;
}

/* Arms the canary of a live block of class c for a request of n bytes
 * (n <= usable - HAK_DEBUG_EXTRA). */
HAK_NO_ASAN static inline void hak_debug_arm(uintptr_t p, unsigned c, size_t n)
{
    uint8_t *b = (uint8_t *)p;
    uint32_t usable = hak_geom[c].usable;
    if (n > usable - HAK_DEBUG_EXTRA)
        n = usable - HAK_DEBUG_EXTRA;
    for (uint32_t i = (uint32_t)n; i < usable - 2u; i++)
        b[i] = HAK_CANARY;
    b[usable - 2u] = (uint8_t)n;
    b[usable - 1u] = (uint8_t)(n >> 8);
}

/* On allocation of a block of class c for a user request of n bytes:
 * checks the poison, then arms the canary. */
HAK_NO_ASAN static inline void hak_debug_on_alloc(uintptr_t p, unsigned c, size_t n)
{
    if (!HAK_DEBUG)
        return;
    const uint8_t *b = (const uint8_t *)p;
    for (uint32_t i = 8; i < hak_geom[c].usable; i++)
        if (b[i] != HAK_POISON)
            hak_fault("write after free detected in block", (void *)p);
    hak_debug_arm(p, c, n);
}

/* The requested size recorded in a live debug block. */
HAK_NO_ASAN static inline size_t hak_debug_size(uintptr_t p, unsigned c)
{
    const uint8_t *b = (const uint8_t *)p;
    uint32_t usable = hak_geom[c].usable;
    return (size_t)b[usable - 2u] | (size_t)b[usable - 1u] << 8;
}

/* Checks the canary of a live block of class c (fatal when broken). */
HAK_NO_ASAN static inline void hak_debug_check_canary(uintptr_t p, unsigned c)
{
    const uint8_t *b = (const uint8_t *)p;
    uint32_t usable = hak_geom[c].usable;
    size_t n = hak_debug_size(p, c);
    if (n > usable - HAK_DEBUG_EXTRA)
        hak_fault("heap overflow past the requested size (size record clobbered) in block", (void *)p);
    for (uint32_t i = (uint32_t)n; i < usable - 2u; i++)
        if (b[i] != HAK_CANARY)
            hak_fault("heap overflow past the requested size in block", (void *)p);
}

/* On free of a live block of class c: checks the canary, then poisons. */
HAK_NO_ASAN static inline void hak_debug_on_free(uintptr_t p, unsigned c)
{
    if (!HAK_DEBUG)
        return;
    hak_debug_check_canary(p, c);
    hak_debug_poison(p, c);
}

#endif /* HAKMEM_DEBUG_H */
