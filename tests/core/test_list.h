/*
 * test_list.h - the registry of core tests: TEST(name, what) per test, in
 * the order they run. Each names a `void test_name(void)` defined in one of
 * the .c files of tests/core/ (a file per concern). Included by harness.h (to
 * declare them) and harness.c (to list them) with TEST defined each time.
 */
/* two_arenas.c */
TEST(two_arenas, "two arenas at once: interleaved blocks stay in their own region")
/* exhaustion.c */
TEST(exhaustion_recovery, "allocate until NULL, contents intact, free all, allocate again")
TEST(shrink_at_exhaustion, "realloc to a smaller size works in place in an exhausted arena")
TEST(aligned_in_run, "an aligned block served by a run of chunks (no slab fits) frees and resizes")
/* fit.c */
TEST(fit_across_top, "a run fits in freed chunks joined with the never-used ones after them")
TEST(fit_clean_dirty, "a run fits in a purged stretch joined with a dirty one")
TEST(fit_random, "random runs: NULL only when no free stretch is long enough")
/* space.c */
TEST(space_aligned, "64 MiB region, 64 KiB aligned: fraction handed out per size")
TEST(space_misaligned, "64 MiB region at 64 KiB - 16: fraction handed out per size")
/* classes.c */
TEST(classes_descending, "1 MiB arena, one block of each of the 85 classes, largest first")
TEST(classes_ascending, "1 MiB arena, one block of each of the 85 classes, smallest first")
TEST(classes_random, "1 MiB arena, random classes until full: NULL only without room")
/* purge.c */
TEST(purge_volume, "PURGEABLE: past purge_high, purged down to purge_low")
TEST(purge_decay, "PURGEABLE: dirty bytes unused for a whole epoch are purged")
TEST(nopurge_chunks, "not PURGEABLE: no purge from volume or decay")
TEST(nopurge_slab_pages, "not PURGEABLE: no purge of a nearly empty slab's pages")
TEST(purge_slab_pages_counted, "PURGEABLE: slab page purges show in purged_bytes")
TEST(purge_slab_scattered, "PURGEABLE: 2500-byte blocks freed at random to a tenth: free slab pages go back")
TEST(purge_slab_scattered_two_chunks, "PURGEABLE: the same with 4000-byte blocks, whose slabs span two chunks")
TEST(purge_slab_scattered_large_slab, "PURGEABLE: the same with 9000-byte blocks, whose 256 KiB slabs are purged in 8 KiB units")
/* reuse.c */
TEST(reuse_not_purged, "a large run freed and reused at once is not purged; left idle, it is")
TEST(reuse_huge_run_purged, "a large run bigger than purge_high is purged when freed")
TEST(reuse_decay_idle_only, "decay purges the extent left idle, not the one reused in the epoch")
TEST(reuse_slab_keeps_extent, "a slab does not split a large free extent while fresh chunks remain")
TEST(reuse_slab_spares_growth, "a slab does not take the free chunks after a live large run")
TEST(reuse_extends_at_top, "a run past top starts in the free extent that ends there")
/* calloc.c */
TEST(calloc_dirty_region, "calloc zeroes over a region filled with 0xAA (no ZEROED flag)")
TEST(calloc_zeroed_region, "calloc zeroes with HAK_ARENA_ZEROED, fresh and reused memory")
TEST(calloc_purged_region, "calloc zeroes purged memory that kept its bytes (no PURGED_ZERO)")
/* accounting.c */
TEST(accounting, "random load: stats add up byte for byte and match the live blocks")
/* bad_input.c */
TEST(bad_free_other_arena, "a block of arena A freed into arena B is reported")
TEST(bad_free_never_allocated, "pointers into B's region never handed out are reported")
TEST(bad_free_foreign, "a static variable freed into an arena is reported")
TEST(bad_double_free, "double free of a small, a mid and a large block is reported")
TEST(bad_create, "bad regions, flags and params: hak_arena_create returns NULL")
TEST(bad_destroyed_arena, "a destroyed arena passed to hak_arena_ calls is reported")
TEST(bad_aligned_alloc, "aligned_alloc with an alignment not a power of two: NULL")
TEST(bad_calloc_overflow, "calloc whose product overflows: NULL")
TEST(realloc_content, "realloc shrinking and growing keeps the content")
/* resize.c */
TEST(resize_shrink_class, "realloc to under half a block moves it to the smaller class")
/* lifecycle.c */
TEST(region_reuse, "after hak_arena_destroy the region is the caller's, reusable")
/* stats.c */
TEST(stats_classes, "per-class statistics and their table match the uncached calls made")
TEST(stats_memory, "committed, resident, large and purge figures, and their peaks")
TEST(stats_report, "report settings: a settings line at creation, the table at destroy")
/* links.c */
TEST(link_cached, "a cached link decodes to the block freed before; a planted link is reported")
TEST(bin_header, "a live cache's bins hold their class's header byte, which every block handed out carries")
/* cache.c */
TEST(cache_burst_grows, "bursts beyond a bin's capacity: it grows until a burst stays in the cache")
TEST(cache_growth_bounded, "bins grow to their class's bound, a cache to its arena's")
TEST(cache_shrinks, "a grown bin that only frees shrinks back to its starting capacity")
TEST(cache_flush_returns, "a flushed or released cache starts over; the stats see every block back")
TEST(cache_mid_floor_bounded, "an idle cache that used every mid class holds at most the classes' byte-bounded floors and its growth")
/* xclass.c */
TEST(xclass_reuses_larger, "a mid class about to start a slab takes a larger class's free block: its own class for free, usable size, realloc; no foreign block in a bin")
TEST(xclass_bounded, "a class more than twice the stride away is not used: the class carves its own slab")
TEST(xclass_until_none, "the larger class's free blocks serve until none is left, then the class refills its own bin")
/* geometry.c */
TEST(geometry_mid_table, "the mid free path's table: exact boundary per mid class, zero for every other header byte")
/* mid_free.c */
TEST(mid_free_slab_before_arena, "a mid free whose slab would start before the arena is reported, a planted tag there notwithstanding")
