/*
 * minimal.c - the main of minimal.elf, built by `make fs-size` only: an
 * image that sets the default arena up and calls the malloc family, and
 * nothing else of the core. Linked with --gc-sections, it shows what the
 * core costs an image that uses it as its allocator (the checks,
 * statistics and hak_arena_ calls it never names are dropped by the
 * linker even when compiled in).
 */
#include "../fs.h"
#include "../fs_malloc.h"

int fs_image_main(unsigned cpu)
{
    if (cpu == 0 && fs_heap_boot() != 0)
        return 1;
    fs_barrier();
    void *p = malloc(100), *q = calloc(3, 1000), *r = aligned_alloc(256, 40);
    void *s = malloc(200000);
    p = realloc(p, 5000);
    s = realloc(s, 300000);
    int ok = p && q && r && s;
    free(q);
    free(r);
    free(s);
    free(p);
    return ok ? 0 : 1;
}
