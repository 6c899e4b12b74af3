/*
 * stats_format.c - the statistics table (hak_stats_format in hakmem.h):
 * one row per size class in use, then the totals, each byte figure with a
 * unit and its exact value. Plain text into a caller's buffer, no libc, so
 * that every port prints the same table (the hosted port adds its header
 * line and writes it at exit: HAKMEM_STATS).
 */
#include <stddef.h>
#include <stdint.h>
#include "heap.h"
#include "stats_format.h"

/* Part of the statistics: left out with them (HAK_WITH_STATS 0). */
#if HAK_WITH_STATS

/* Text goes to buf (at most cap - 1 bytes kept) or, with `stream` set, to
 * the platform's diagnostic output each time buf fills up. */
typedef struct out {
    char *buf;
    size_t cap, len;  /* len counts what did not fit too */
    int stream;
    size_t held;      /* stream: bytes in buf not yet written */
} out_t;

static void put_char(out_t *o, char ch)
{
    if (o->stream) {
        if (o->held == o->cap) {
            hak_plat_write(o->buf, o->held);
            o->held = 0;
        }
        o->buf[o->held++] = ch;
    } else if (o->len + 1u < o->cap) {
        o->buf[o->len] = ch;
    }
    o->len++;
}

static void put_str(out_t *o, const char *s)
{
    while (*s)
        put_char(o, *s++);
}

static void pad(out_t *o, size_t from, size_t width)
{
    while (o->len - from < width)
        put_char(o, ' ');
}

/* v in decimal, right-aligned in `width` columns. */
static void put_u64(out_t *o, uint64_t v, unsigned width)
{
    char digits[21];
    unsigned n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    for (unsigned i = n; i < width; i++)
        put_char(o, ' ');
    while (n)
        put_char(o, digits[--n]);
}

/* A byte count with a binary unit and one decimal ("1.5 MiB", "512 B"),
 * then its exact value in parentheses. */
static void put_bytes(out_t *o, uint64_t v)
{
    static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    unsigned u = 0;
    while (u + 1u < sizeof unit / sizeof unit[0] && (v >> (10u * (u + 1u))) != 0)
        u++;
    uint64_t whole = v >> (10u * u);
    uint64_t tenths = u ? ((v >> (10u * (u - 1u))) & 1023u) * 10u / 1024u : 0;
    put_u64(o, whole, 0);
    if (u) {
        put_char(o, '.');
        put_u64(o, tenths, 0);
    }
    put_char(o, ' ');
    put_str(o, unit[u]);
    put_str(o, " (");
    put_u64(o, v, 0);
    put_char(o, ')');
}

/* One "  name   value" cell of the totals, `width` columns wide. */
static void cell(out_t *o, const char *name, uint64_t v, int bytes, size_t width)
{
    size_t from = o->len;
    put_str(o, "  ");
    put_str(o, name);
    pad(o, from, 19);
    if (bytes)
        put_bytes(o, v);
    else
        put_u64(o, v, 0);
    if (width)
        pad(o, from, width);
}

static void row(out_t *o, const char *n1, uint64_t v1, const char *n2, uint64_t v2, int bytes)
{
    cell(o, n1, v1, bytes, 44);
    cell(o, n2, v2, bytes, 0);
    put_char(o, '\n');
}

static int class_in_use(const hak_class_stats_t *c)
{
    return c->slabs || c->blocks_in_use || c->blocks_cached || c->blocks_free || c->refills
           || c->flushes || c->remote_frees;
}

static void format(out_t *o, const hak_stats_t *s)
{
    static const char *const head[] = { "class", "size", "stride", "slabs", "blocks_in_use",
                                        "blocks_cached", "blocks_free", "refills", "flushes",
                                        "remote_frees" };
    static const unsigned width[] = { 5, 6, 7, 7, 14, 14, 12, 10, 10, 13 };
    for (unsigned k = 0; k < sizeof head / sizeof head[0]; k++) {
        size_t from = o->len;
        unsigned w = width[k], n = 0;
        while (head[k][n])
            n++;
        while (n + (o->len - from) < w)
            put_char(o, ' ');
        put_str(o, head[k]);
    }
    put_char(o, '\n');
    unsigned rows = 0;
    for (unsigned c = 0; c < HAK_STATS_CLASSES; c++) {
        const hak_class_stats_t *cs = &s->classes[c];
        if (!class_in_use(cs))
            continue;
        const uint64_t v[] = { c, cs->size, cs->stride, cs->slabs, cs->blocks_in_use,
                               cs->blocks_cached, cs->blocks_free, cs->refills, cs->flushes,
                               cs->remote_frees };
        for (unsigned k = 0; k < sizeof v / sizeof v[0]; k++)
            put_u64(o, v[k], width[k]);
        put_char(o, '\n');
        rows++;
    }
    if (!rows)
        put_str(o, "  (no size class in use)\n");
    put_str(o, "totals:\n");
    row(o, "reserved_bytes", s->reserved_bytes, "reserved_peak", s->reserved_peak, 1);
    row(o, "committed_bytes", s->committed_bytes, "committed_peak", s->committed_peak, 1);
    row(o, "resident_bytes", s->resident_bytes, "resident_peak", s->resident_peak, 1);
    row(o, "purged_bytes", s->purged_bytes, "dirty_bytes", s->dirty_bytes, 1);
    row(o, "meta_bytes", s->meta_bytes, "free_bytes", s->free_bytes, 1);
    row(o, "in_use_bytes", s->in_use_bytes, "cached_bytes", s->cached_bytes, 1);
    row(o, "large_bytes", s->large_bytes, "slab_bytes", s->slab_bytes, 1);
    row(o, "slabs", s->slabs, "large_blocks", s->large_blocks, 0);
    row(o, "refills", s->refills, "flushes", s->flushes, 0);
    row(o, "remote_frees", s->remote_frees, "purges", s->purges, 0);
    row(o, "large_allocs", s->large_allocs, "caches_released", s->caches_released, 0);
}

size_t hak_stats_format(const hak_stats_t *s, char *buf, size_t cap)
{
    if (!buf)
        cap = 0;
    if (!s) {
        if (cap)
            buf[0] = '\0';
        return (size_t)-1;
    }
    out_t o = { buf, cap, 0, 0, 0 };
    format(&o, s);
    if (cap)
        buf[o.len < cap ? o.len : cap - 1u] = '\0';
    return o.len;
}

/* An arena's report line: "hakmem arena 0x...: <what>\n" then, for the
 * statistics, the table. */
static void arena_line(out_t *o, const hak_heap_t *h, const char *what)
{
    put_str(o, "hakmem arena 0x");
    uintptr_t v = h->region;
    int started = 0;
    for (int shift = (int)sizeof v * 8 - 4; shift >= 0; shift -= 4) {
        unsigned d = (unsigned)(v >> shift) & 15u;
        if (d || started || shift == 0) {
            started = 1;
            put_char(o, "0123456789abcdef"[d]);
        }
    }
    put_str(o, ": ");
    put_str(o, what);
}

void hak_stats_report_settings(const hak_heap_t *h)
{
    char buf[128];
    out_t o = { buf, sizeof buf, 0, 1, 0 };
    const hak_chunks_t *k = &h->chunks;
    arena_line(&o, h, "settings: region ");
    put_bytes(&o, h->region_len);
    put_str(&o, ", purge threshold ");
    put_bytes(&o, k->purge_high);
    put_str(&o, ", warm reserve ");
    put_bytes(&o, k->purge_low);
    put_str(&o, ", purge delay ");
    put_u64(&o, k->decay_ms, 0);
    put_str(&o, " ms");
    put_str(&o, k->can_purge ? ", purgeable" : ", never purged (not PURGEABLE)");
    put_str(&o, k->fresh_zeroed ? ", zeroed" : "");
    put_str(&o, h->coarse ? ", coarse classes (small region)\n" : "\n");
    hak_plat_write(buf, o.held);
}

void hak_stats_report(const hak_heap_t *h, const hak_stats_t *s, const char *when)
{
    char buf[256];
    out_t o = { buf, sizeof buf, 0, 1, 0 };
    arena_line(&o, h, "statistics ");
    put_str(&o, when);
    put_char(&o, '\n');
    format(&o, s);
    hak_plat_write(buf, o.held);
}

#endif /* HAK_WITH_STATS */
