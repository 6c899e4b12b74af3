/*
 * config.h - compile-time options of the hakmem core. Each is overridable
 * with -DNAME=value; the default is what a release build uses.
 */
#ifndef HAKMEM_CONFIG_H
#define HAKMEM_CONFIG_H

/* Full checks: invariant walk on every slow path, poison on free, canary
 * past the requested size (set by `make DEBUG=1`). */
#ifndef HAK_DEBUG
#define HAK_DEBUG 0
#endif

/* On the small-block free fast path, also check that the pointer is a block
 * boundary of its slab (the slab tag is always checked). Mid blocks always
 * get this check. Costs about 8 instructions per free; on in debug builds. */
#ifndef HAK_FREE_CHECK_SLAB
#define HAK_FREE_CHECK_SLAB HAK_DEBUG
#endif

/* log2 of the chunk: the unit in which the arena hands out slabs and large
 * blocks, and the granularity of purging. */
#ifndef HAK_CHUNK_SHIFT
#define HAK_CHUNK_SHIFT 16
#endif

/* Address space the arena tries to reserve first (halved until the platform
 * accepts). Must be a power of two. */
#ifndef HAK_ARENA_RESERVE
#define HAK_ARENA_RESERVE ((size_t)1 << 36)
#endif

/* Smallest reservation the core accepts before giving up. */
#ifndef HAK_ARENA_MIN_RESERVE
#define HAK_ARENA_MIN_RESERVE ((size_t)1 << 26)
#endif

/* Dirty (freed but not purged) bytes that trigger a purge, and the warm
 * reserve the purge leaves behind: a purge happens in bulk, never per free. */
#ifndef HAK_PURGE_HIGH
#define HAK_PURGE_HIGH ((size_t)32 << 20)
#endif
#ifndef HAK_PURGE_LOW
#define HAK_PURGE_LOW ((size_t)8 << 20)
#endif

/* Bytes a thread cache aims to move per refill or flush of one class. */
#ifndef HAK_BATCH_BYTES
#define HAK_BATCH_BYTES 16384
#endif

/* Header bytes are stored XORed with this constant. It is chosen so that a
 * zero byte (fresh or zeroed memory) decodes as no valid header: it must lie
 * in [0x55, 0x80) or [0xd5, 0xfe). A constant (not a per-process secret)
 * keeps the decode to one instruction; forging a header gains an attacker
 * nothing without also forging the keyed slab tag. */
#ifndef HAK_HDR_KEY
#define HAK_HDR_KEY 0x5au
#endif
_Static_assert((HAK_HDR_KEY >= 0x55u && HAK_HDR_KEY < 0x80u)
               || (HAK_HDR_KEY >= 0xd5u && HAK_HDR_KEY < 0xfeu),
               "HAK_HDR_KEY must make a zero byte an invalid header");

#define HAK_CHUNK_SIZE ((size_t)1 << HAK_CHUNK_SHIFT)

#endif /* HAKMEM_CONFIG_H */
