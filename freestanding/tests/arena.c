/*
 * arena.c - the hak_arena_ API on bare metal: each CPU runs a private
 * arena over a static buffer (bad arguments refused, exhaustion to NULL
 * and back to the same count, exact accounting, the rest of the family),
 * then all CPUs share one arena and free each other's blocks. Skipped
 * when the core was built without that API, its statistics or its check
 * (core/config.h).
 */
#include "fs_test.h"

#if HAK_WITH_ARENA_API && HAK_WITH_STATS && HAK_WITH_CHECK

#define PRIVATE_SIZE ((size_t)1 << 20)
#define SHARED_SIZE ((size_t)8 << 20)   /* a slab for each of ~70 classes */
#define SHARED_BLOCKS 200u

static uint8_t private_region[FS_NCPUS][PRIVATE_SIZE] __attribute__((aligned(16)));
static uint8_t shared_region[SHARED_SIZE] __attribute__((aligned(16)));
static hak_arena_t *shared;
static void *handed[FS_NCPUS][SHARED_BLOCKS];

#define CHECK(cond, ...) do { if (!(cond)) { fs_fail(__VA_ARGS__); return -1; } } while (0)

static int accounting(hak_arena_t *a, size_t len, int empty, const char *when)
{
    hak_arena_stats_t s;
    CHECK(hak_arena_stats(a, &s) == 0, "%s: hak_arena_stats failed", when);
    CHECK(s.reserved_bytes == len && s.meta_bytes + s.free_bytes + s.in_use_bytes == len,
          "%s: region %zu, stats: region %llu = meta %llu + free %llu + in use %llu", when, len,
          (unsigned long long)s.reserved_bytes, (unsigned long long)s.meta_bytes,
          (unsigned long long)s.free_bytes, (unsigned long long)s.in_use_bytes);
    CHECK(!empty || (s.in_use_bytes == 0 && s.large_blocks == 0),
          "%s: %llu bytes in use in an empty arena", when, (unsigned long long)s.in_use_bytes);
    CHECK(hak_arena_check(a) == 0, "%s: hak_arena_check failed", when);
    return 0;
}

/* Allocates blocks of n bytes until NULL, chained through their first
 * word; returns the count and the list in *list. */
static uint64_t fill(hak_arena_t *a, size_t n, void **list)
{
    uint64_t count = 0;
    void *head = 0;
    for (void *p; (p = hak_arena_malloc(a, n)) != 0; count++) {
        *(void **)p = head;
        fs_fill((char *)p + 8, n - 8, (uintptr_t)p);
        head = p;
    }
    *list = head;
    return count;
}

static int drain(hak_arena_t *a, size_t n, void *list)
{
    for (void *p = list, *next; p; p = next) {
        next = *(void **)p;
        CHECK(fs_check((char *)p + 8, n - 8, (uintptr_t)p) < 0, "arena block %p corrupted", p);
        hak_arena_free(a, p);
    }
    return 0;
}

static int private_arena(unsigned cpu)
{
    uint8_t *region = private_region[cpu];
    CHECK(!hak_arena_create(0, PRIVATE_SIZE, 0), "arena over NULL accepted");
    CHECK(!hak_arena_create(region + 8, PRIVATE_SIZE - 8, 0), "misaligned arena accepted");
    CHECK(!hak_arena_create(region, HAK_ARENA_MIN_SIZE - 16, 0), "tiny arena accepted");
    CHECK(!hak_arena_create(region, PRIVATE_SIZE, 0x80), "unknown flag accepted");
    hak_arena_t *a = hak_arena_create(region, PRIVATE_SIZE, 0);
    CHECK(a, "hak_arena_create over %zu bytes failed", PRIVATE_SIZE);
    if (accounting(a, PRIVATE_SIZE, 1, "new private arena"))
        return -1;
    void *list;
    uint64_t n1 = fill(a, 200, &list);
    if (accounting(a, PRIVATE_SIZE, 0, "exhausted private arena") || drain(a, 200, list)
        || accounting(a, PRIVATE_SIZE, 1, "private arena emptied"))
        return -1;
    uint64_t n2 = fill(a, 200, &list);
    CHECK(n1 > 1000 && n1 == n2, "private arena: %llu then %llu blocks of 200 bytes",
          (unsigned long long)n1, (unsigned long long)n2);
    if (drain(a, 200, list))
        return -1;
    uint8_t *z = hak_arena_calloc(a, 100, 10);
    CHECK(z, "hak_arena_calloc failed");
    for (unsigned i = 0; i < 1000; i++)
        CHECK(z[i] == 0, "hak_arena_calloc: byte %u is %u", i, z[i]);
    __builtin_memset(z, 7, 1000);
    z = hak_arena_realloc(a, z, 70000);
    CHECK(z && z[0] == 7 && z[999] == 7, "hak_arena_realloc lost the content");
    CHECK(hak_arena_usable_size(a, z) >= 70000, "hak_arena_usable_size too small");
    hak_arena_free(a, z);
    void *al = hak_arena_aligned_alloc(a, 4096, 100);
    CHECK(al && !((uintptr_t)al & 4095u), "hak_arena_aligned_alloc(4096) gave %p", al);
    hak_arena_free(a, al);
    CHECK(!hak_arena_aligned_alloc(a, 48, 100), "hak_arena_aligned_alloc(48) did not fail");
    if (accounting(a, PRIVATE_SIZE, 1, "private arena at the end"))
        return -1;
    hak_arena_destroy(a);
    return 0;
}

static int shared_arena(unsigned cpu)
{
    if (cpu == 0) {
        shared = hak_arena_create(shared_region, SHARED_SIZE, 0);
        CHECK(shared, "shared arena not created");
    }
    fs_barrier();
    int bad = 0;
    for (unsigned i = 0; i < SHARED_BLOCKS && shared; i++) {
        size_t n = 16u + (i * 37u + cpu * 101u) % 3000u;
        void *p = hak_arena_malloc(shared, n);
        if (!p) {
            fs_fail("shared arena: malloc(%zu) failed", n);
            bad = 1;
            break;
        }
        fs_fill(p, n, i);
        handed[cpu][i] = p;
    }
    fs_barrier();
    unsigned from = (cpu + 1u) % FS_NCPUS;
    for (unsigned i = 0; i < SHARED_BLOCKS && shared; i++) {
        void *p = handed[from][i];
        if (!p)
            continue;
        size_t n = 16u + (i * 37u + from * 101u) % 3000u;
        if (fs_check(p, n, i) >= 0) {
            fs_fail("shared arena: block %p corrupted", p);
            bad = 1;
        }
        hak_arena_free(shared, p);
        handed[from][i] = 0;
    }
    fs_barrier();
    if (cpu == 0 && shared) {
        if (accounting(shared, SHARED_SIZE, 1, "shared arena at the end"))
            bad = 1;
        hak_arena_destroy(shared);
        shared = 0;
    }
    return bad ? -1 : 0;
}

void fs_test_arena(unsigned cpu)
{
    private_arena(cpu);
    shared_arena(cpu);
    if (cpu == 0)
        fs_detail("a private arena per cpu, then one shared by %u cpus", (unsigned)FS_NCPUS);
}
#else
void fs_test_arena(unsigned cpu)
{
    if (cpu == 0)
        fs_skip("the core is built without the hak_arena_ API, its statistics or its check "
                "(HAK_WITH_ARENA_API, HAK_WITH_STATS, HAK_WITH_CHECK)");
}
#endif
