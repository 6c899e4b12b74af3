/*
 * realloc_shrink - shrinking a large block gives its tail back in place.
 *
 * A 32 MiB block, fully written, is shrunk by realloc to 10 MiB, another
 * to 18 MiB, another to 30 MiB, and one to 100 bytes. Proves: resident
 * memory falls by at least the freed size (less 1 MiB of slack for the
 * rest of the process) and never rises; the content up to the new size is
 * kept; a large block shrunk to a large size stays where it is; growing
 * it back works.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "hakmem.h"
#include "testlib.h"

#define MiB ((size_t)1 << 20)

static long resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    CHECK(f != NULL, "open /proc/self/statm");
    long size, resident;
    CHECK(fscanf(f, "%ld %ld", &size, &resident) == 2, "read statm");
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i += 4096)
        p[i] = (unsigned char)(seed + i / 4096);
    p[n - 1] = (unsigned char)seed;
}

static void check_prefix(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i += 4096)
        CHECK(p[i] == (unsigned char)(seed + i / 4096), "content at %zu lost", i);
}

static void shrink_case(size_t to, unsigned seed)
{
    size_t from = 32 * MiB;
    unsigned char *p = malloc(from);
    CHECK(p != NULL, "malloc 32 MiB");
    memset(p, 1, from);
    fill(p, from, seed);
    long before = resident_bytes();
    unsigned char *q = realloc(p, to);
    CHECK(q != NULL, "realloc to %zu", to);
    long after = resident_bytes();
    check_prefix(q, to, seed);
    long fell = before - after;
    long want = (long)(from - to) - (long)MiB;
    printf("32 MiB -> %zu bytes: resident %ld -> %ld KiB (fell %ld KiB, freed %zu KiB)%s\n", to,
           before >> 10, after >> 10, fell >> 10, (from - to) >> 10, q == p ? ", in place" : "");
    CHECK(after <= before, "resident memory rose from %ld to %ld KiB", before >> 10, after >> 10);
    CHECK(fell >= want, "resident memory fell by %ld KiB for %zu KiB freed", fell >> 10,
          (from - to) >> 10);
    if (to > 32783)
        CHECK(q == p, "a large block shrunk to a large size moved");
    unsigned char *r = realloc(q, 24 * MiB);
    CHECK(r != NULL, "growing back");
    check_prefix(r, to < 24 * MiB ? to : 24 * MiB, seed);
    free(r);
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    shrink_case(10 * MiB, 3);
    shrink_case(18 * MiB, 5);
    shrink_case(30 * MiB, 7);
    shrink_case(100, 9);
    CHECK(hak_check() == 0, "hak_check");
    return 0;
}
