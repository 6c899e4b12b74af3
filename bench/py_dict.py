"""py_dict.py - CPython on the allocator under test: a dict-and-list-heavy loop.

usage: python3 bench/py_dict.py [ops [keys [seed]]]
       defaults: 600000 400000 1
       run it as any benchmark program, under LD_PRELOAD=<allocator> or not

The script starts a second interpreter (the measured one) with
PYTHONMALLOC=malloc, so every object CPython allocates comes from malloc,
and waits for it. That child makes `ops` operations on one dict: operation
i draws a key k uniformly from `keys` (a string "k<number>"); every third
operation deletes k if present, the others store under k a tuple of a small
list, a string and a small dict (replacing, and so freeing, any older
value). The loop is timed with time.perf_counter(); the interpreter's
start-up and the final teardown are not. peak_rss_kb is the child's own
ru_maxrss at the end of the loop.

Allocator identity (bench/bench_util.c cannot run inside python3):
  - the child lists which allocator libraries /proc/self/maps shows it has
    mapped (libhakmem.so, libmimalloc.so.2, libjemalloc.so.2,
    libtcmalloc_minimal.so.4, ...): with LD_PRELOAD, the mapped one serves
    malloc; none mapped means glibc;
  - hakmem must also prove it ran: the child gets HAKMEM_STATS=<tmpfile>,
    and hakmem appends its statistics report there when the child exits;
    the report must name the child's pid and a non-zero refill count. A stats
    line without libhakmem.so mapped, or the reverse, is "inconsistent";
  - sys.getallocatedblocks() is 0 only when pymalloc is off: otherwise
    PYTHONMALLOC=malloc did not take effect, and the run is "inconsistent".
It prints one RESULT line in the format of bench/bench_util.h (alloc,
malloc_obj, alloc_ver; glibc_delta=- as glibc's counters are not probed),
which bench/run.sh checks like any other.
"""
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

# library name as LD_PRELOAD and bench_util name it -> allocator; the maps
# show the file the name resolves to (libmimalloc.so.2.0, ...)
ALLOC_LIBS = {
    "libhakmem.so": "hakmem",
    "libmimalloc.so.2": "mimalloc",
    "libjemalloc.so.2": "jemalloc",
    "libtcmalloc_minimal.so.4": "tcmalloc",
    "libtcmalloc.so.4": "tcmalloc",
    "libminimal.so": "minimal",
}


def usage():
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    sys.exit(2)


def number(argv, i, default):
    if i >= len(argv) or argv[i] == "-":
        return default
    if not argv[i].isdigit():
        sys.stderr.write("py_dict: argument %d: bad number '%s'\n" % (i, argv[i]))
        sys.exit(2)
    return int(argv[i])


def mapped_allocators():
    """Names (keys of ALLOC_LIBS) of the allocator libraries this process
    has mapped: a file named so, or so followed by more version numbers."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            words = line.split()
            if len(words) < 6 or not words[5].startswith("/"):
                continue
            name = os.path.basename(words[5])
            for lib in ALLOC_LIBS:
                if name == lib or (name.startswith(lib + ".")
                                   and name[len(lib) + 1:].replace(".", "").isdigit()):
                    found.add(lib)
    return sorted(found)


def fill(ops, keys, seed):
    """The loop: ops inserts and deletes on up to keys keys; returns the dict."""
    rand = random.Random(seed).random
    d = {}
    for i in range(ops):
        k = "k%d" % int(rand() * keys)
        if i % 3 == 2:
            d.pop(k, None)
        else:
            d[k] = ([i, i + 1, i + 2], "value %d" % i, {"i": i, "k": k})
    return d


def workload(ops, keys, seed):
    """The timed loop; returns its wall time in seconds."""
    t0 = time.perf_counter()
    d = fill(ops, keys, seed)
    secs = time.perf_counter() - t0
    workload.live_keys = len(d)
    return secs


def child(ops, keys, seed):
    libs = mapped_allocators()
    secs = workload(ops, keys, seed)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("CHILD secs=%.6f peak_rss_kb=%d live_keys=%d pymalloc_blocks=%d libs=%s"
          % (secs, peak, workload.live_keys, sys.getallocatedblocks(), ",".join(libs) or "-"))
    sys.stdout.flush()


def stats_line(path, pid):
    """hakmem's statistics report for process pid in the HAKMEM_STATS file,
    as words: its header's version ("hakmem", "<ver>"), "pid=<pid>" and
    "refills=<n>" from its totals. The report opens with "hakmem <ver>
    statistics: program <name>, pid <pid>, at ..." and its totals hold a
    line "refills <n> ..."."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return None
    found = None
    for line in lines:
        words = line.replace(",", " ").split()
        if len(words) > 2 and words[0] == "hakmem" and words[2] == "statistics:":
            found = None
            if "pid" in words and words[words.index("pid") + 1] == str(pid):
                found = ["hakmem", words[1], "pid=%d" % pid]
        elif found is not None and words[:1] == ["refills"] and len(words) > 1:
            found.append("refills=" + words[1])
            return found
    return None


def identify(libs, hak, pymalloc_blocks):
    """(alloc, malloc_obj, alloc_ver) from the allocator libraries the child
    had mapped, hakmem's stats line for the child (words, or None) and the
    child's pymalloc block count."""
    refills = 0
    for w in hak or []:
        if w.startswith("refills="):
            refills = int(w.split("=", 1)[1])
    if pymalloc_blocks != 0 or len(libs) > 1:
        return "inconsistent", ",".join(libs) or "libc.so.6", "?"
    if libs == ["libhakmem.so"]:
        if not hak or refills == 0:
            return "inconsistent", libs[0], "?"
        pid_at = [w.startswith("pid=") for w in hak].index(True)
        return "hakmem", libs[0], "_".join(hak[:pid_at])
    if hak:
        return "inconsistent", libs[0] if libs else "libc.so.6", "?"
    if libs:
        return ALLOC_LIBS[libs[0]], libs[0], "?"
    return "glibc", "libc.so.6", "glibc-" + os.confstr("CS_GNU_LIBC_VERSION").split()[-1]


def main(argv):
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        usage()
    if len(argv) > 1 and argv[1] == "--child":
        child(int(argv[2]), int(argv[3]), int(argv[4]))
        return 0
    ops = number(argv, 1, 600000)
    keys = number(argv, 2, 400000)
    seed = number(argv, 3, 1)
    if ops == 0 or keys == 0:
        sys.stderr.write("py_dict: need ops > 0 and keys > 0\n")
        return 2
    with tempfile.TemporaryDirectory(prefix="py_dict.") as tmp:
        stats = os.path.join(tmp, "hakmem_stats")
        env = dict(os.environ, PYTHONMALLOC="malloc", HAKMEM_STATS=stats)
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child",
                                 str(ops), str(keys), str(seed)], env=env,
                                stdout=subprocess.PIPE, text=True)
        out, _ = proc.communicate()
        if proc.returncode != 0:
            sys.stderr.write("py_dict: the measured interpreter failed (status %d)\n"
                             % proc.returncode)
            return 1
        got = {}
        for line in out.splitlines():
            if line.startswith("CHILD "):
                got = dict(w.split("=", 1) for w in line.split()[1:])
        if not got:
            sys.stderr.write("py_dict: no result from the measured interpreter\n")
            return 1
        hak = stats_line(stats, proc.pid)

    libs = [] if got["libs"] == "-" else got["libs"].split(",")
    alloc, obj, ver = identify(libs, hak, int(got["pymalloc_blocks"]))
    secs = float(got["secs"])
    print("RESULT name=py_dict keys=%d seed=%d python=%s ops=%d secs=%.6f ops_per_sec=%.1f"
          " peak_rss_kb=%s live_keys=%s alloc=%s malloc_obj=%s alloc_ver=%s glibc_delta=-"
          % (keys, seed, "%d.%d.%d" % sys.version_info[:3], ops, secs,
             ops / secs if secs > 0 else 0.0, got["peak_rss_kb"], got["live_keys"],
             alloc, obj, ver))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
