/*
 * request_arena.c - the hak_ API and an arena over a buffer of your own.
 *
 * A server's pattern: each request gets an arena over one fixed buffer,
 * builds its data there without freeing anything piece by piece, and the
 * whole arena goes away at once; the next request reuses the buffer. What
 * outlives a request (here, its report) comes from the process heap
 * through the hak_ API. The program prints only what does not depend on
 * the build's settings, so that `make test` can compare its output with
 * request_arena.expected (tests/sh/examples.sh).
 *
 * In this repository:   make && cc -Iinclude examples/request_arena.c build/libhakmem.a -pthread
 * After `make install`: cc request_arena.c $(pkg-config --cflags --libs hakmem)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "hakmem.h"

/* The requests' memory: 1 MiB, 16-byte aligned, never touched by us while
 * an arena lives in it. */
static _Alignas(16) unsigned char region[1u << 20];

typedef struct word {
    struct word *next;   /* hash chain */
    unsigned count;
    char text[];         /* NUL-terminated */
} word_t;

#define BUCKETS 64

static unsigned hash(const char *s, size_t n)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h % BUCKETS;
}

/* Counts the words of `text` with every structure in the arena, and
 * returns a report allocated with hak_malloc (the caller frees it). */
static char *handle_request(hak_arena_t *a, const char *text)
{
    word_t **table = hak_arena_calloc(a, BUCKETS, sizeof *table);
    if (!table)
        return NULL;
    unsigned distinct = 0, total = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n == 0)
            break;
        word_t **slot = &table[hash(p, n)];
        while (*slot && (strncmp((*slot)->text, p, n) != 0 || (*slot)->text[n] != '\0'))
            slot = &(*slot)->next;
        if (!*slot) {
            word_t *w = hak_arena_malloc(a, sizeof *w + n + 1);
            if (!w)
                return NULL;
            memcpy(w->text, p, n);
            w->text[n] = '\0';
            w->count = 0;
            w->next = NULL;
            *slot = w;
            distinct++;
        }
        (*slot)->count++;
        total++;
        p += n;
    }
    /* The most frequent word; on a tie the alphabetically first, so that
     * the answer does not depend on the hash's bucket order. */
    const word_t *best = NULL;
    for (unsigned b = 0; b < BUCKETS; b++)
        for (const word_t *w = table[b]; w; w = w->next)
            if (!best || w->count > best->count
                || (w->count == best->count && strcmp(w->text, best->text) < 0))
                best = w;
    /* The report outlives the arena: the process heap, grown as needed. */
    size_t cap = 16;
    char *report = hak_malloc(cap);
    if (!report)
        return NULL;
    for (;;) {
        int len = snprintf(report, cap, "%u words, %u distinct, most frequent: \"%s\" (%u times)",
                           total, distinct, best ? best->text : "", best ? best->count : 0u);
        if (len < 0)
            return NULL;
        if ((size_t)len < cap)
            return report;
        char *bigger = hak_realloc(report, (size_t)len + 1);
        if (!bigger) {
            hak_free(report);
            return NULL;
        }
        report = bigger;
        cap = (size_t)len + 1;
    }
}

/* The arena's accounting: every byte of the region is metadata, free or in
 * use, and its invariants hold. */
static int arena_consistent(hak_arena_t *a)
{
    hak_arena_stats_t s;
    if (hak_arena_stats(a, &s) != 0 || hak_arena_check(a) != 0)
        return 0;
    return s.reserved_bytes == sizeof region && s.in_use_bytes > 0
           && s.meta_bytes + s.free_bytes + s.in_use_bytes == s.reserved_bytes;
}

int main(void)
{
    static const char *requests[] = {
        "the quick brown fox jumps over the lazy dog the end",
        "to be or not to be that is the question to ask",
        "a a a b b c",
    };
    int ok = 1;
    for (unsigned i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        hak_arena_t *a = hak_arena_create(region, sizeof region, 0);
        if (!a) {
            printf("request %u: hak_arena_create failed\n", i + 1);
            return 1;
        }
        char *report = handle_request(a, requests[i]);
        int consistent = arena_consistent(a);
        hak_arena_destroy(a);            /* everything the request built, at once */
        printf("request %u: %s; arena consistent: %s\n", i + 1, report ? report : "out of memory",
               consistent ? "yes" : "NO");
        ok &= report != NULL && consistent;
        hak_free(report);                /* the report was on the process heap */
    }

    /* An arena runs out cleanly: NULL, and the same room again once freed. */
    hak_arena_t *small = hak_arena_create(region, HAK_ARENA_MIN_SIZE, 0);
    static void *blocks[4096];
    unsigned first = 0, second = 0;
    while (first < 4096 && (blocks[first] = hak_arena_malloc(small, 1000)) != NULL)
        first++;
    for (unsigned k = 0; k < first; k++)
        hak_arena_free(small, blocks[k]);
    while (second < 4096 && (blocks[second] = hak_arena_malloc(small, 1000)) != NULL)
        second++;
    printf("small arena: runs out, and holds as many blocks again once they are freed: %s\n",
           first > 0 && first < 4096 && second == first ? "yes" : "NO");
    ok &= first > 0 && first < 4096 && second == first;
    hak_arena_destroy(small);

    /* The process heap through the hak_ API, alongside malloc. */
    void *aligned = hak_aligned_alloc(64, 1000);
    char *grown = hak_malloc(10);
    int api_ok = aligned && ((uintptr_t)aligned & 63u) == 0 && hak_usable_size(aligned) >= 1000
                 && grown && hak_usable_size(grown) >= 10;
    if (grown) {
        strcpy(grown, "hakmem");
        char *bigger = hak_realloc(grown, 100000);
        api_ok &= bigger && strcmp(bigger, "hakmem") == 0;
        grown = bigger ? bigger : grown;
    }
    hak_free(aligned);
    hak_free(grown);
    api_ok &= hak_check() == 0;
    printf("process heap: aligned, usable sizes, realloc keeps content, invariants hold: %s\n",
           api_ok ? "yes" : "NO");
    return ok && api_ok ? 0 : 1;
}
