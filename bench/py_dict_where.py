"""py_dict_where.py - where py_dict's peak resident bytes go.

usage: PYTHONMALLOC=malloc [LD_PRELOAD=<allocator>] python3 bench/py_dict_where.py MODE [ops [keys [seed]]]
       defaults: 600000 400000 1, the loop of bench/py_dict.py

The loop's live data, and so py_dict's peak RSS, is largest at its end.
MODE is what is measured there:

  floor  (any allocator) the loop runs under tracemalloc, which records the
         size of every request; at the end, each size of a live block is
         asked once of the allocator preloaded, and the block it gets is
         counted at its footprint: malloc_usable_size plus the allocator's
         own bytes per block (hakmem: the header byte; glibc: the chunk's
         size word; mimalloc, jemalloc, tcmalloc: none). Prints the live
         requests by size and the sums: the bytes the live blocks take in
         that allocator's size classes, before any free block, cache or
         metadata (the floor of its peak).
  heap   (hakmem only) the heap's statistics (hak_stats, by class and
         totals) and the resident bytes of the heap's mapping from
         /proc/self/smaps, then the same after hak_trim(): what emptying
         every cache and purging every free page could still give back
         at the peak.

The first lines name the allocator (from /proc/self/maps, as py_dict.py
does). PYTHONMALLOC=malloc is required: otherwise pymalloc serves the small
objects and the sizes are not the allocator's.
"""
import collections
import ctypes
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import py_dict  # noqa: E402  (the same loop and allocator identification)

# Bytes an allocator keeps per live block beyond malloc_usable_size.
OWN_BYTES = {"hakmem": 1, "glibc": 8}


def allocator():
    libs = py_dict.mapped_allocators()
    return py_dict.ALLOC_LIBS[libs[0]] if libs else "glibc"


def run_loop(argv):
    ops = py_dict.number(argv, 0, 600000)
    keys = py_dict.number(argv, 1, 400000)
    seed = py_dict.number(argv, 2, 1)
    # Keep the dict alive (workload() frees it when it returns).
    return py_dict.fill(ops, keys, seed)


def floor(argv):
    import tracemalloc
    tracemalloc.start(1)
    d = run_loop(argv)
    snap = tracemalloc.take_snapshot()
    tracemalloc.stop()
    sizes = collections.Counter(t.size for t in snap.traces)
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.malloc_usable_size.restype = ctypes.c_size_t
    libc.malloc_usable_size.argtypes = [ctypes.c_void_p]
    own = OWN_BYTES.get(allocator(), 0)
    mib = float(1 << 20)
    req = took = 0
    print("%10s %9s %9s %10s %10s" % ("request", "live", "footprint", "req MiB", "took MiB"))
    for size, n in sorted(sizes.items(), key=lambda kv: -kv[0] * kv[1]):
        p = libc.malloc(size)
        foot = libc.malloc_usable_size(p) + own
        libc.free(p)
        req += size * n
        took += foot * n
        if size * n >= mib / 16:
            print("%10d %9d %9d %10.2f %10.2f" % (size, n, foot, size * n / mib, foot * n / mib))
    print("live blocks %d (keys %d): requested %.2f MiB, at %s's footprints %.2f MiB"
          % (sum(sizes.values()), len(d), req / mib, allocator(), took / mib))


def heap_rss_kb(addr):
    """Rss of the mapping that holds addr, from /proc/self/smaps."""
    inside = False
    with open("/proc/self/smaps") as f:
        for line in f:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) ", line)
            if m:
                inside = int(m.group(1), 16) <= addr < int(m.group(2), 16)
            elif inside and line.startswith("Rss:"):
                return int(line.split()[1])
    return 0


def heap(argv):
    if allocator() != "hakmem":
        sys.stderr.write("py_dict_where: heap needs hakmem preloaded\n")
        sys.exit(2)
    lib = ctypes.CDLL("libhakmem.so.0")
    stats = ctypes.create_string_buffer(1 << 16)  # hak_stats_t is smaller
    text = ctypes.create_string_buffer(1 << 16)
    lib.hak_trim.restype = ctypes.c_size_t

    def report():
        lib.hak_stats(stats)
        lib.hak_stats_format(stats, text, len(text))
        return text.value.decode()

    d = run_loop(argv)
    addr = id(d)
    before = heap_rss_kb(addr)
    print(report())
    print("heap mapping Rss %.2f MiB" % (before / 1024.0))
    given = lib.hak_trim()
    after = heap_rss_kb(addr)
    out = report()
    print("after hak_trim (gave back %d bytes):" % given)
    print(out[out.index("totals:"):])
    print("heap mapping Rss %.2f MiB -> %.2f MiB" % (before / 1024.0, after / 1024.0))


def main(argv):
    if len(argv) < 2 or argv[1] not in ("floor", "heap"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    if sys.getallocatedblocks() != 0:
        sys.stderr.write("py_dict_where: run it with PYTHONMALLOC=malloc\n")
        return 2
    print("allocator %s" % allocator())
    (floor if argv[1] == "floor" else heap)(argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
