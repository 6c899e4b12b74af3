/*
 * fs_malloc.h - the standard allocation functions a freestanding image
 * gets from hakmem (freestanding/api.c), over the default arena (the
 * linker script's heap region) with one cache per CPU. The hak_ API of
 * include/hakmem.h is there too (hak_malloc ... hak_check, and the
 * hak_arena_* functions over regions the image hands in).
 *
 * Every function may be called from any CPU, with interrupts on or off,
 * and from interrupt handlers: each runs with the calling CPU's
 * interrupts off for the whole call (the pinning rule). There is no
 * errno: failure is the NULL return (or the error code of
 * posix_memalign).
 */
#ifndef HAKMEM_FS_MALLOC_H
#define HAKMEM_FS_MALLOC_H

#include <stddef.h>
#include "../include/hakmem.h"

void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
void *reallocarray(void *ptr, size_t count, size_t size);
void *aligned_alloc(size_t alignment, size_t size);
int posix_memalign(void **out, size_t alignment, size_t size);
size_t malloc_usable_size(void *ptr);

/* posix_memalign's error codes (Linux values; the image has no errno.h). */
#define FS_EINVAL 22
#define FS_ENOMEM 12

#endif /* HAKMEM_FS_MALLOC_H */
