/*
 * config.h - compile-time options of the hakmem core. Each is overridable
 * with -DNAME=value, which the build takes from CPPFLAGS:
 *     make CPPFLAGS='-DHAK_FREE_CHECK_SLAB=1'   (or make test CPPFLAGS=...)
 * (README.md, "Build options"); the default is what a release build uses.
 */
#ifndef HAKMEM_CONFIG_H
#define HAKMEM_CONFIG_H

/* Full checks (set by `make DEBUG=1`): an invariant walk of a class's
 * central lists every 64 refills of that class (hak_alloc_refill), poison
 * on free, a canary past the requested size, and the block-boundary check
 * on every small free (HAK_FREE_CHECK_SLAB). */
#ifndef HAK_DEBUG
#define HAK_DEBUG 0
#endif

/* On the small-block free fast path, also check that the pointer is a block
 * boundary of its slab (the slab tag is always checked). Mid blocks always
 * get this check. Costs about 8 instructions per free; on in debug builds. */
#ifndef HAK_FREE_CHECK_SLAB
#define HAK_FREE_CHECK_SLAB HAK_DEBUG
#endif

/* On the small-block free fast path, check the keyed tag of the block's
 * slab: catches pointers into other classes' slabs or large blocks and most
 * interior pointers. */
#ifndef HAK_FREE_CHECK_TAG
#define HAK_FREE_CHECK_TAG 1
#endif

/* On the allocation fast path, check that a decoded free-list link points
 * into the arena before it becomes the list head (a clobbered link decodes
 * to a random value and is reported instead of followed). */
#ifndef HAK_CHECK_LINKS
#define HAK_CHECK_LINKS 1
#endif

/* On the allocation fast path, prefetch the block that becomes the head of
 * the bin: the next allocation of the class reads its link (larson, 2
 * threads: +3 % ops/s; random_mixed: no change; costs 1 instruction). */
#ifndef HAK_PREFETCH
#define HAK_PREFETCH 1
#endif

/* log2 of the chunk: the unit in which the arena hands out slabs and large
 * blocks, and the granularity of purging. */
#ifndef HAK_CHUNK_SHIFT
#define HAK_CHUNK_SHIFT 16
#endif

/* Defaults of the per-arena purge parameters (hak_arena_params_t): dirty
 * (freed but not purged) bytes that trigger an immediate purge, and the
 * warm reserve a purge leaves behind, so that purges happen in bulk, never
 * per free. An arena over a region smaller than 8 times HAK_PURGE_HIGH
 * scales both down to an eighth and a sixteenth of the region. */
#ifndef HAK_PURGE_HIGH
#define HAK_PURGE_HIGH ((size_t)48 << 20)
#endif
#ifndef HAK_PURGE_LOW
#define HAK_PURGE_LOW ((size_t)24 << 20)
#endif

/* Default decay epoch in milliseconds: once per epoch (on the next slow
 * path), the dirty bytes that stayed unused through the whole epoch are
 * purged, down to the warm reserve. Memory churned within an epoch stays
 * warm; memory left over after a peak goes back within about two epochs.
 * A platform without a clock (HAK_PLAT_HAS_CLOCK 0) gets the volume rule
 * alone. */
#ifndef HAK_PURGE_DECAY_MS
#define HAK_PURGE_DECAY_MS 1000u
#endif

/* Free extents of at least this many chunks (and twice the request), and
 * free extents right after a live large run of at least this many chunks,
 * are not split for a slab while backed fresh chunks remain: the first are
 * most likely a freed large block, which the next large request of that
 * size needs whole, the second where a realloc grows that run in place
 * (otherwise the run moves and the heap grows by its size). */
#ifndef HAK_KEEP_WHOLE_CHUNKS
#define HAK_KEEP_WHOLE_CHUNKS 16u
#endif

/* 1: a port may put a heap in tool mode (hak_heap_set_tool: valgrind or
 * ASan annotations, hosted/tool.c). 0 leaves the tool checks out of the
 * core (bare-metal images: 0.5 KiB less code). */
#ifndef HAK_WITH_TOOLS
#define HAK_WITH_TOOLS 1
#endif

/* Free dirty bytes an arena must first hold before the port is asked to
 * start its purge helper (hooks.start_purger): a program that never frees
 * this much never gets one. */
#ifndef HAK_PURGER_MIN_DIRTY
#define HAK_PURGER_MIN_DIRTY ((size_t)4 << 20)
#endif

/* An arena of fewer chunks than this (a fixed region under about 4 MiB)
 * serves its uncached calls (hak_arena_malloc and friends) from 11 coarse
 * classes, one per power of two of the stride (32 to 32784 bytes): one
 * slab per class in use would otherwise need more chunks than a small
 * region has (85 classes, 15 chunks in 1 MiB), and a class that finds no
 * chunk can only borrow from larger classes. Costs up to twice the memory
 * per block in such arenas. */
#ifndef HAK_COARSE_BELOW_CHUNKS
#define HAK_COARSE_BELOW_CHUNKS 64u
#endif

/* Chunks a growable arena (the hosted process heap) adds per growth beyond
 * what a request needs: an eighth of the chunks already there, at least
 * HAK_GROW_MIN_CHUNKS (4 MiB) and at most HAK_GROW_MAX_CHUNKS (64 MiB), so
 * that address space mapped ahead of use stays small against a limit set
 * later; a refused step is retried with exactly what is needed. */
#ifndef HAK_GROW_MIN_CHUNKS
#define HAK_GROW_MIN_CHUNKS 64u
#endif
#ifndef HAK_GROW_MAX_CHUNKS
#define HAK_GROW_MAX_CHUNKS 1024u
#endif

/* Bytes a thread cache aims to move per refill or flush of one class. */
#ifndef HAK_BATCH_BYTES
#define HAK_BATCH_BYTES 16384
#endif

/* A thread cache's bin starts with room for two batches. A bin that runs
 * empty soon after a flush, or full soon after a refill, is cycling: its
 * thread allocates and frees more blocks of the class at a time than the
 * bin holds, and every block beyond it goes to the class's shared lists and
 * back. Such a bin doubles its capacity, up to HAK_CACHE_CLASS_BYTES of
 * blocks (at most HAK_CACHE_LIMIT_MAX blocks; classes whose two batches
 * already fill it do not grow); a cache adds at most HAK_CACHE_GROW_BYTES
 * over all its bins (less in a small arena: a 64th of its region). A grown
 * bin that flushes HAK_TBIN_IDLE_CAPS times its bound without a refill between
 * shrinks back a batch per flush, and a flushed cache starts over (heap.c). */
#ifndef HAK_CACHE_CLASS_BYTES
#define HAK_CACHE_CLASS_BYTES 65536u
#endif
#ifndef HAK_CACHE_LIMIT_MAX
#define HAK_CACHE_LIMIT_MAX 4096u
#endif
#ifndef HAK_CACHE_GROW_BYTES
#define HAK_CACHE_GROW_BYTES 262144u
#endif

/* Blocks a thread cache keeps of a mid class before a flush: at least
 * HAK_MID_CACHE_MIN, as far as HAK_MID_CACHE_FLOOR_BYTES of them allow,
 * and at least two batches. A mid class's batch is 4 to 12 blocks, and its
 * bin is a random walk between empty (refill) and full (flush): a wider
 * bin makes the round trips to the class lock rarer. The byte bound keeps
 * what an idle thread holds: at most 1.8 MiB of mid blocks a thread (3.2
 * MiB with 16 blocks of every class, 1.7 MiB with two batches); the
 * classes above 4 KiB, whose two batches already hold 64 KiB or more, keep
 * their two batches. */
#ifndef HAK_MID_CACHE_MIN
#define HAK_MID_CACHE_MIN 16u
#endif
#ifndef HAK_MID_CACHE_FLOOR_BYTES
#define HAK_MID_CACHE_FLOOR_BYTES 131072u
#endif

/* Blocks in the first refill of a class in a new cache; each later refill
 * doubles it up to the class's full batch. A thread that uses a class a
 * little does not carve (and touch) a full batch of it: on a small heap
 * that is most of the resident memory. */
#ifndef HAK_BATCH_FIRST
#define HAK_BATCH_FIRST 4u
#endif

/* Fresh bytes (blocks never used before) one refill carves at most. A
 * refill that finds no free blocks returns fewer than it asked for rather
 * than touch more. Classes whose stride exceeds it (mid sizes above 4 KiB)
 * are not limited: their batch of at most a few blocks is carved whole (one
 * block per refill measured 3-8 % slower on random_mixed 2048-32768, with
 * the same RSS). */
#ifndef HAK_CARVE_BYTES
#define HAK_CARVE_BYTES 4096u
#endif

/* Header bytes are stored XORed with this constant. It is chosen so that a
 * zero byte (fresh or zeroed memory) decodes as no valid header: it must lie
 * in [0x55, 0x80) or [0xd5, 0xfe); from the upper range, KEY ^ 0x80 fits a
 * positive 8-bit immediate, so decoding needs no truncation. A constant
 * (not a per-process secret) keeps the decode to one instruction; forging a header gains an attacker
 * nothing without also forging the keyed slab tag. */
#ifndef HAK_HDR_KEY
#define HAK_HDR_KEY 0xe5u
#endif
_Static_assert((HAK_HDR_KEY >= 0x55u && HAK_HDR_KEY < 0x80u)
               || (HAK_HDR_KEY >= 0xd5u && HAK_HDR_KEY < 0xfeu),
               "HAK_HDR_KEY must make a zero byte an invalid header");

/* Full batches a size class keeps whole between a flush and a refill (the
 * transfer cache): a batch freed by one thread is handed to the next thread
 * that refills without touching its slabs. Returning a batch to its slabs
 * and taking it back walks its blocks one by one, each a cache miss once
 * they have gone cold: a thread that frees a large set which the next
 * thread allocates again (threads that come and go) finds up to this many
 * batches per class parked instead. */
#ifndef HAK_XFER_SLOTS
#define HAK_XFER_SLOTS 32
#endif
/* Refills earn parks, up to this many outstanding: a thread that frees a
 * large set parks no more batches of a class than refills took before;
 * the rest goes back to its slabs. */
#ifndef HAK_XFER_CREDIT
#define HAK_XFER_CREDIT 32u
#endif

/* Waits on a held core lock before a waiter may block in the kernel
 * (hak_plat_lock_wait with may_block set); short critical sections end
 * within it, and a real-time waiter never spins long against a holder it
 * preempted. */
#ifndef HAK_LOCK_SPINS
#define HAK_LOCK_SPINS 100u
#endif

/* Parts a port may leave out of the core for a smaller image (a bare-metal
 * one: docs/FREESTANDING.md). Each is 1 by default; with 0 the functions
 * named are not compiled, and a port that calls them does not link. The
 * hosted port needs CHECK, STATS, ARENA_API, GROWTH, FORK and DECAY
 * (hosted/hosted.h stops its build without them).
 * HAK_WITH_CHECK: the invariant walkers (hak_heap_check, hak_cache_check,
 * hak_central_check, hak_chunks_check: what hak_check and hak_arena_check
 * run) and the geometry table's self-check at setup (hak_geometry_check).
 * Debug builds need it. */
#ifndef HAK_WITH_CHECK
#define HAK_WITH_CHECK 1
#endif
/* HAK_WITH_STATS: hak_heap_stats (hak_stats, hak_arena_stats). */
#ifndef HAK_WITH_STATS
#define HAK_WITH_STATS 1
#endif
/* HAK_WITH_ARENA_API: the calls without a cache: the hak_arena_ functions
 * (core/arena_api.c), hak_alloc_nocache and hak_free_nocache. Without it,
 * hak_alloc_with, hak_alloc_aligned and hak_resize need a cache. */
#ifndef HAK_WITH_ARENA_API
#define HAK_WITH_ARENA_API 1
#endif
/* The parts below serve a hosted heap's speed or its operating system;
 * a minimal bare-metal image leaves them out (freestanding.mk's
 * FS_MIN_OPTS: about 1.4 KiB of code on riscv64).
 * HAK_WITH_GROWTH: arenas that grow (hooks.back, the hosted process
 * heap). Without it hooks.back is ignored: every arena is its whole
 * region, which must be present from the start. */
#ifndef HAK_WITH_GROWTH
#define HAK_WITH_GROWTH 1
#endif
/* HAK_WITH_FORK: hak_heap_lock_all, hak_heap_unlock_all and
 * hak_heap_reset_locks (a port's fork handlers). */
#ifndef HAK_WITH_FORK
#define HAK_WITH_FORK 1
#endif
/* HAK_WITH_DECAY: hak_heap_decay and hak_heap_decay_ms, for a port's purge
 * helper (the transfer cache's decay, hak_central_decay, with them). */
#ifndef HAK_WITH_DECAY
#define HAK_WITH_DECAY 1
#endif
/* HAK_WITH_BIN_GROWTH: bins that grow while they cycle (HAK_CACHE_CLASS_BYTES
 * and what follows it). Without it every bin keeps its starting capacity:
 * a flush moves one batch, a refill never grows the bin. */
#ifndef HAK_WITH_BIN_GROWTH
#define HAK_WITH_BIN_GROWTH 1
#endif
/* HAK_WITH_MID_FREE: the free path of mid blocks of its own
 * (hak_free_mid's checks inline). Without it a mid block takes the path
 * of hak_free_other: the same checks (the block-boundary check of its
 * slab, hak_slab_owns), a few instructions more per free. */
#ifndef HAK_WITH_MID_FREE
#define HAK_WITH_MID_FREE 1
#endif
/* HAK_WITH_SHRINK_MOVE: a realloc that leaves more than half of a block
 * unused moves it to a smaller class (hak_resize). Without it a shrink
 * always stays in place (a large block still gives its tail back). */
#ifndef HAK_WITH_SHRINK_MOVE
#define HAK_WITH_SHRINK_MOVE 1
#endif
/* HAK_WITH_XCLASS: a mid class about to start a fresh slab takes a resident
 * free block of a larger class (at most twice its stride) instead
 * (heap.c, take_larger). Without it every class uses its own slabs only
 * (an exhausted arena still falls back to larger classes). */
#ifndef HAK_WITH_XCLASS
#define HAK_WITH_XCLASS 1
#endif
#if HAK_DEBUG && !HAK_WITH_CHECK
#error "debug builds (HAK_DEBUG) need the invariant walkers (HAK_WITH_CHECK)"
#endif

#define HAK_CHUNK_SIZE ((size_t)1 << HAK_CHUNK_SHIFT)

/* 1 in ThreadSanitizer builds, which need every racy read to be atomic. */
#if defined(__SANITIZE_THREAD__)
#define HAK_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HAK_UNDER_TSAN 1
#endif
#endif
#ifndef HAK_UNDER_TSAN
#define HAK_UNDER_TSAN 0
#endif

/* 1 in AddressSanitizer builds. Such a build poisons free blocks and
 * header bytes (a port's tool mode, see hak_tool_hooks_t in heap.h), so
 * the core's own reads and writes of them go through functions marked
 * HAK_NO_ASAN (block.h), which ASan leaves unchecked. */
#if defined(__SANITIZE_ADDRESS__)
#define HAK_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAK_UNDER_ASAN 1
#endif
#endif
#ifndef HAK_UNDER_ASAN
#define HAK_UNDER_ASAN 0
#endif
#if HAK_UNDER_ASAN
#define HAK_NO_ASAN __attribute__((no_sanitize_address))
#else
#define HAK_NO_ASAN
#endif

#endif /* HAKMEM_CONFIG_H */
