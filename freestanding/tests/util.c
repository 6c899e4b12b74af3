/* util.c - helpers shared by the image's tests (fs_test.h). */
#include "fs_test.h"

size_t fs_pick_size(uint64_t r)
{
    unsigned k = (unsigned)(r % 100u);
    uint64_t v = r >> 16;
    if (k < 35)
        return 1u + (size_t)(v % 128u);
    if (k < 70)
        return 129u + (size_t)(v % (HAK_SMALL_MAX - 128u));
    if (k < 95)
        return HAK_SMALL_MAX + 1u + (size_t)(v % (HAK_MID_MAX - HAK_SMALL_MAX));
    return HAK_MID_MAX + 1u + (size_t)(v % ((128u << 10) - HAK_MID_MAX));
}

/* Words of the pattern stop before the last byte, which has its own. */
static size_t step_of(size_t n)
{
    return n <= 4096u ? 8u : 256u;
}

void fs_fill(void *p, size_t n, uint64_t pat)
{
    uint8_t *b = p;
    if (n < 9) {
        for (size_t i = 0; i < n; i++)
            b[i] = (uint8_t)(pat >> (8u * i)) ^ (uint8_t)i;
        return;
    }
    size_t step = step_of(n);
    for (size_t off = 0; off + 8u < n; off += step)
        *(uint64_t *)(void *)(b + off) = pat ^ off;
    b[n - 1] = (uint8_t)(pat ^ 0x5au ^ n);
}

long fs_check(const void *p, size_t n, uint64_t pat)
{
    const uint8_t *b = p;
    if (n < 9) {
        for (size_t i = 0; i < n; i++)
            if (b[i] != ((uint8_t)(pat >> (8u * i)) ^ (uint8_t)i))
                return (long)i;
        return -1;
    }
    size_t step = step_of(n);
    for (size_t off = 0; off + 8u < n; off += step)
        if (*(const uint64_t *)(const void *)(b + off) != (pat ^ off))
            return (long)off;
    if (b[n - 1] != (uint8_t)(pat ^ 0x5au ^ n))
        return (long)(n - 1);
    return -1;
}

void fs_lat_merge(fs_lat_t *a, const fs_lat_t *b)
{
    if (b->max > a->max)
        a->max = b->max;
    a->count += b->count;
    for (unsigned k = 0; k < 64; k++)
        a->buckets[k] += b->buckets[k];
}

uint64_t fs_lat_permille(const fs_lat_t *l, unsigned p)
{
    uint64_t want = (l->count * p + 999u) / 1000u, seen = 0;
    for (unsigned k = 0; k < 64; k++) {
        seen += l->buckets[k];
        if (seen >= want && seen)
            return k >= 63 ? ~0ull : (2ull << k) - 1u;
    }
    return 0;
}

uint64_t fs_ticks_to_us(uint64_t ticks)
{
    uint64_t hz = fs_cycles_hz();
    if (!hz)
        return 0;
    /* ticks * 1e6 / hz without overflow for any realistic run. */
    return ticks / hz * 1000000u + ticks % hz * 1000000u / hz;
}

int fs_check_accounting(const char *when, hak_arena_stats_t *out)
{
#if !HAK_WITH_STATS
    (void)when;
    (void)out;
    return 1;
#else
    hak_arena_stats_t s;
    if (hak_arena_stats(hak_process_arena(), &s) != 0) {
        fs_fail("%s: hak_arena_stats failed", when);
        return -1;
    }
    if (out)
        *out = s;
    uint64_t region = (uint64_t)(__heap_end - __heap_start);
    if (s.reserved_bytes != region || s.meta_bytes + s.free_bytes + s.in_use_bytes != region) {
        fs_fail("%s: bytes unaccounted: region %llu, stats say region %llu = meta %llu + free %llu"
                " + in use %llu", when, (unsigned long long)region,
                (unsigned long long)s.reserved_bytes, (unsigned long long)s.meta_bytes,
                (unsigned long long)s.free_bytes, (unsigned long long)s.in_use_bytes);
        return -1;
    }
    return 0;
#endif
}
