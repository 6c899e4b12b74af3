/* Every size 0..65536 and every power-of-two alignment up to 1 MiB: the
 * block is aligned, its usable size covers the request, the whole usable
 * area can be written, and the pattern is intact when it is freed. */
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include "hakmem.h"
#include "testlib.h"

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7u);
}

static int pattern_ok(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7u))
            return 0;
    return 1;
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    enum { KEEP = 64 };
    void *keep[KEEP] = { 0 };
    size_t keep_n[KEEP] = { 0 };
    unsigned keep_seed[KEEP] = { 0 };
    for (size_t size = 0; size <= 65536; size++) {
        unsigned char *p = malloc(size);
        CHECK(p != NULL, "malloc(%zu)", size);
        size_t usable = malloc_usable_size(p);
        CHECK(usable >= size, "usable %zu < size %zu", usable, size);
        if (size >= 16)
            CHECK(((uintptr_t)p & 15u) == 0, "malloc(%zu) = %p not 16-aligned", size, (void *)p);
        fill(p, usable, (unsigned)size);
        unsigned slot = (unsigned)(size % KEEP);
        if (keep[slot]) {
            CHECK(pattern_ok(keep[slot], keep_n[slot], keep_seed[slot]),
                  "pattern of an older block of %zu bytes clobbered", keep_n[slot]);
            free(keep[slot]);
        }
        keep[slot] = p;
        keep_n[slot] = usable;
        keep_seed[slot] = (unsigned)size;
    }
    for (unsigned i = 0; i < KEEP; i++)
        free(keep[i]);

    static const size_t sizes[] = { 0, 1, 15, 16, 17, 100, 1000, 1039, 1040, 4096,
                                    32783, 32784, 65536, 200000, 3u << 20 };
    for (size_t align = 1; align <= ((size_t)1 << 20); align <<= 1) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            size_t size = sizes[k];
            void *p = NULL;
            int rc = posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size);
            CHECK(rc == 0 && p, "posix_memalign(%zu, %zu) = %d", align, size, rc);
            CHECK(((uintptr_t)p & (align - 1u)) == 0, "posix_memalign(%zu, %zu) = %p", align, size, p);
            size_t usable = malloc_usable_size(p);
            CHECK(usable >= size, "aligned usable %zu < %zu", usable, size);
            fill(p, usable, (unsigned)align);
            unsigned char *q = aligned_alloc(align, size);
            CHECK(q && ((uintptr_t)q & (align - 1u)) == 0, "aligned_alloc(%zu, %zu)", align, size);
            fill(q, size, 3);
            CHECK(pattern_ok(p, usable, (unsigned)align), "aligned block clobbered");
            free(p);
            free(q);
        }
    }
    CHECK(hak_check() == 0, "heap invariants broken");
    puts("ok");
    return 0;
}
