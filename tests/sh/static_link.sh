#!/usr/bin/env bash
# static_link - programs that call glibc's other malloc entry points link
# statically with libhakmem.a and run on hakmem.
#
# libc.a's malloc.o defines malloc together with mallopt, mallinfo,
# mallinfo2, malloc_stats, malloc_info, the __libc_* names and more; if a
# static program needs any of them and hakmem did not define it, the linker
# takes malloc.o and fails with "multiple definition of `malloc'". For each
# entry point this script writes a small program that calls it (and
# malloc/free), links it with
#     cc -static prog.c $BUILD/libhakmem.a -pthread
# runs it, and checks:
#   - it links, exits 0 and its own checks pass (each entry point behaves
#     like hakmem's: blocks from __libc_malloc & co. are freed by free and
#     measured by malloc_usable_size, which stop the process on any pointer
#     hakmem did not hand out; mallinfo2's uordblks grows by 1 MiB with a
#     1 MiB block and falls back after free; mallopt returns 0 for every
#     parameter, as documented in hosted/glibc_compat.c);
#   - hakmem is the allocator: hak_version() (declared weak, so the program
#     does not pull hakmem in by itself) answers "hakmem ...", and
#     HAKMEM_STATS gets a table with refills > 0;
#   - malloc_info's output parses as XML (python3's xml.etree) with the
#     expected root and figures; malloc_stats's output names hakmem and its
#     figures.
# Also: a program that names every global symbol of libc.a's malloc.o (read
# with nm, so a newer glibc's additions are caught), one whose only
# allocator name is mallopt (libc's own calls then need malloc), one with
# threads and fork (libc.a calls hakmem's no-op fork and thread-exit hooks),
# and the glibc-only names (__malloc, __mallinfo2, ...).
# Then the programs whose names libc.so.6 also exports are built dynamically
# and run under LD_PRELOAD=$BUILD/libhakmem.so with the same checks.
# Exits 77 when static glibc (libc.a, package libc6-dev) is missing;
# without python3 the XML checks are skipped (a SKIP-PART line).
# Env: BUILD=<abs build dir> (from tests/run_tests.sh).
set -u
BUILD=${BUILD:?BUILD must name the build directory}
case "$BUILD" in /*) ;; *) BUILD="$PWD/$BUILD" ;; esac
lib_a="$BUILD/libhakmem.a" lib_so="$BUILD/libhakmem.so"
for f in "$lib_a" "$lib_so"; do
    [ -f "$f" ] || { echo "missing $f"; exit 1; }
done
libc_a=$(cc -print-file-name=libc.a)
if [ ! -f "$libc_a" ]; then
    echo "static glibc (libc.a) not found: install libc6-dev"
    exit 77
fi
have_python=1
if ! command -v python3 >/dev/null; then
    echo "SKIP-PART malloc_info-xml: python3 not installed (apt-get install python3)"
    have_python=0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hak_static.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset LD_PRELOAD HAKMEM_STATS
CFLAGS=(-std=gnu11 -O1 -Wall -Wextra -Werror -Wno-deprecated-declarations -I"$tmp")

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# ---- the programs -------------------------------------------------------
cat >"$tmp/common.h" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* hakmem's marker, weak: the program must not pull hakmem in by naming it
 * (and links without hakmem for the dynamic runs). */
extern const char *hak_version(void) __attribute__((weak));

#define CHECK(c)                                                            \
    do {                                                                    \
        if (!(c)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
            exit(1);                                                        \
        }                                                                   \
    } while (0)

static inline void check_marker(void)
{
    CHECK(hak_version != NULL);
    CHECK(strncmp(hak_version(), "hakmem ", 7) == 0);
}

/* hakmem's malloc_usable_size stops the process on a block it did not
 * hand out. */
static inline void check_block(void *p, size_t n, size_t align)
{
    CHECK(p != NULL);
    CHECK((uintptr_t)p % align == 0);
    CHECK(malloc_usable_size(p) >= n);
    memset(p, 0xa5, n);
}

/* hakmem is linked in, and serves a small block (so that HAKMEM_STATS
 * counts a refill even when the rest of the program only takes large
 * blocks). */
static inline void check_hakmem(void)
{
    check_marker();
    void *p = malloc(24);
    check_block(p, 24, 16);
    free(p);
}
EOF

prog() { cat >"$tmp/$1.c"; }

prog libc_malloc <<'EOF'
#include "common.h"
void *__libc_malloc(size_t);
int main(void)
{
    check_hakmem();
    void *p = __libc_malloc(100), *q = malloc(100);
    check_block(p, 100, 16);
    check_block(q, 100, 16);
    free(p);
    p = __libc_malloc(1 << 20);
    check_block(p, 1 << 20, 16);
    free(p);
    free(q);
    return 0;
}
EOF

prog libc_free <<'EOF'
#include "common.h"
void __libc_free(void *);
int main(void)
{
    check_hakmem();
    void *p = malloc(100), *big = malloc(1 << 20);
    check_block(p, 100, 16);
    check_block(big, 1 << 20, 16);
    __libc_free(p);
    __libc_free(big);
    __libc_free(NULL);
    p = malloc(100);   /* the freed block is reused */
    check_block(p, 100, 16);
    free(p);
    return 0;
}
EOF

prog libc_calloc <<'EOF'
#include "common.h"
void *__libc_calloc(size_t, size_t);
int main(void)
{
    check_hakmem();
    unsigned char *p = __libc_calloc(100, 50);
    CHECK(p != NULL);
    for (int i = 0; i < 5000; i++)
        CHECK(p[i] == 0);
    check_block(p, 5000, 16);
    free(p);
    errno = 0;
    CHECK(__libc_calloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
    void *q = malloc(10);
    free(q);
    return 0;
}
EOF

prog libc_realloc <<'EOF'
#include "common.h"
void *__libc_realloc(void *, size_t);
int main(void)
{
    check_hakmem();
    char *p = malloc(16);
    CHECK(p != NULL);
    strcpy(p, "hakmem");
    p = __libc_realloc(p, 100000);
    CHECK(p != NULL && strcmp(p, "hakmem") == 0);
    CHECK(malloc_usable_size(p) >= 100000);
    p = __libc_realloc(p, 8);
    CHECK(p != NULL && memcmp(p, "hakmem", 7) == 0);
    free(p);
    p = __libc_realloc(NULL, 50);
    check_block(p, 50, 16);
    free(p);
    return 0;
}
EOF

prog libc_memalign <<'EOF'
#include "common.h"
void *__libc_memalign(size_t, size_t);
int main(void)
{
    check_hakmem();
    void *p = __libc_memalign(256, 1000), *q = __libc_memalign(48, 10);
    check_block(p, 1000, 256);
    check_block(q, 10, 64);   /* like glibc: rounded up to a power of two */
    free(p);
    free(q);
    p = malloc(1);
    free(p);
    return 0;
}
EOF

prog libc_valloc <<'EOF'
#include "common.h"
void *__libc_valloc(size_t);
int main(void)
{
    check_hakmem();
    void *p = __libc_valloc(100), *q = malloc(100);
    check_block(p, 100, 4096);
    free(p);
    free(q);
    return 0;
}
EOF

prog libc_pvalloc <<'EOF'
#include "common.h"
void *__libc_pvalloc(size_t);
int main(void)
{
    check_hakmem();
    void *p = __libc_pvalloc(100), *q = malloc(100);
    check_block(p, 4096, 4096);   /* rounded up to a whole page */
    free(p);
    free(q);
    return 0;
}
EOF

prog mallinfo2 <<'EOF'
#include "common.h"
int main(void)
{
    check_hakmem();
    void *small = malloc(100);
    check_block(small, 100, 16);
    struct mallinfo2 a = mallinfo2();
    char *p = malloc(1 << 20);
    check_block(p, 1 << 20, 16);
    struct mallinfo2 b = mallinfo2();
    free(p);
    struct mallinfo2 c = mallinfo2();
    printf("before: arena=%zu uordblks=%zu fordblks=%zu hblks=%zu hblkhd=%zu keepcost=%zu\n",
           a.arena, a.uordblks, a.fordblks, a.hblks, a.hblkhd, a.keepcost);
    printf("1 MiB:  arena=%zu uordblks=%zu fordblks=%zu hblks=%zu hblkhd=%zu keepcost=%zu\n",
           b.arena, b.uordblks, b.fordblks, b.hblks, b.hblkhd, b.keepcost);
    printf("freed:  arena=%zu uordblks=%zu fordblks=%zu hblks=%zu hblkhd=%zu keepcost=%zu\n",
           c.arena, c.uordblks, c.fordblks, c.hblks, c.hblkhd, c.keepcost);
    CHECK(a.arena > 0 && a.uordblks > 0);
    CHECK(b.uordblks >= a.uordblks + (1 << 20));
    CHECK(b.hblks == a.hblks + 1 && b.hblkhd >= a.hblkhd + (1 << 20));
    CHECK(c.uordblks + (1 << 20) <= b.uordblks);
    CHECK(c.hblks == a.hblks && c.hblkhd == a.hblkhd);
    CHECK(c.fordblks >= b.fordblks + (1 << 20));
    for (struct mallinfo2 *m = &a; m <= &c; m++)
        CHECK(m->uordblks + m->fordblks <= m->arena && m->hblkhd <= m->uordblks &&
              m->keepcost <= m->fordblks && m->ordblks == 0 && m->smblks == 0 &&
              m->usmblks == 0 && m->fsmblks == 0);
    free(small);
    return 0;
}
EOF

prog mallinfo <<'EOF'
#include "common.h"
int main(void)
{
    check_hakmem();
    struct mallinfo a = mallinfo();
    char *p = malloc(1 << 20);
    check_block(p, 1 << 20, 16);
    struct mallinfo b = mallinfo();
    free(p);
    struct mallinfo c = mallinfo();
    printf("arena=%d uordblks=%d fordblks=%d hblks=%d hblkhd=%d keepcost=%d\n",
           b.arena, b.uordblks, b.fordblks, b.hblks, b.hblkhd, b.keepcost);
    CHECK(a.arena > 0);
    CHECK(b.uordblks >= a.uordblks + (1 << 20));
    CHECK(b.hblkhd >= a.hblkhd + (1 << 20));
    CHECK(c.uordblks + (1 << 20) <= b.uordblks);
    /* Past 2 GiB the int fields saturate (when the system grants 3 GiB of
     * address space; the block is never touched). */
    void *huge = malloc((size_t)3 << 30);
    if (huge) {
        struct mallinfo h = mallinfo();
        printf("3 GiB:  arena=%d uordblks=%d hblkhd=%d\n", h.arena, h.uordblks, h.hblkhd);
        CHECK(h.arena == INT32_MAX && h.uordblks == INT32_MAX && h.hblkhd == INT32_MAX);
        free(huge);
    } else {
        printf("3 GiB block refused; saturation not checked\n");
    }
    return 0;
}
EOF

prog malloc_stats <<'EOF'
#include "common.h"
int main(void)
{
    check_hakmem();
    void *p = malloc(1 << 20), *q = malloc(100);
    check_block(p, 1 << 20, 16);
    malloc_stats();
    free(p);
    free(q);
    return 0;
}
EOF

prog malloc_info <<'EOF'
#include "common.h"
int main(void)
{
    check_hakmem();
    void *p = malloc(1 << 20);
    check_block(p, 1 << 20, 16);
    errno = 0;
    CHECK(malloc_info(1, stdout) == -1 && errno == EINVAL);
    CHECK(malloc_info(0, stdout) == 0);
    free(p);
    return 0;
}
EOF

prog mallopt <<'EOF'
#include "common.h"
int main(void)
{
    check_hakmem();
    /* hakmem honours no mallopt parameter: every call returns 0 and leaves
     * errno alone (hosted/glibc_compat.c). */
    static const int params[][2] = {
        {M_MXFAST, 0}, {M_TRIM_THRESHOLD, 1 << 20}, {M_TOP_PAD, 1 << 20},
        {M_MMAP_THRESHOLD, 1 << 20}, {M_MMAP_MAX, 0}, {M_CHECK_ACTION, 3},
        {M_PERTURB, 0x55}, {M_ARENA_TEST, 2}, {M_ARENA_MAX, 1}, {12345, 1},
    };
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        errno = 1234;
        CHECK(mallopt(params[i][0], params[i][1]) == 0);
        CHECK(errno == 1234);
    }
    void *p = malloc(100);
    check_block(p, 100, 16);
    free(p);
    return 0;
}
EOF

prog malloc_trim <<'EOF'
#include "common.h"
int main(void)
{
    check_hakmem();
    char *p = malloc(8 << 20);
    check_block(p, 8 << 20, 16);
    free(p);
    CHECK(malloc_trim(0) == 1);   /* the freed 8 MiB went back */
    return 0;
}
EOF

prog libc_mallinfo_mallopt <<'EOF'
#include "common.h"
struct mallinfo __libc_mallinfo(void);
int __libc_mallopt(int, int);
int main(void)
{
    check_hakmem();
    void *p = malloc(1 << 20);
    check_block(p, 1 << 20, 16);
    struct mallinfo m = __libc_mallinfo();
    CHECK(m.uordblks >= (1 << 20) && m.hblkhd >= (1 << 20));
    CHECK(__libc_mallopt(M_ARENA_MAX, 1) == 0);
    free(p);
    return 0;
}
EOF

# Its only allocator name is mallopt; libc's own calls (asprintf, stdio
# buffers) need malloc.
prog libc_only <<'EOF'
#include "common.h"
int main(void)
{
    CHECK(mallopt(M_ARENA_MAX, 1) == 0);
    char *s = NULL;
    CHECK(asprintf(&s, "%d", 42) == 2 && strcmp(s, "42") == 0);
    printf("%s\n", s);
    check_marker();
    return 0;
}
EOF

prog fork_threads <<'EOF'
#include "common.h"
#include <pthread.h>
#include <sys/wait.h>
static void *work(void *arg)
{
    (void)arg;
    void *keep = NULL;
    for (int i = 0; i < 1000; i++) {
        void *p = malloc((size_t)(i % 300) + 1);
        CHECK(p != NULL);
        if (i % 7 == 0) {
            free(keep);
            keep = p;
        } else {
            free(p);
        }
    }
    return keep;
}
int main(void)
{
    check_hakmem();
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, work, NULL) == 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        CHECK(pthread_join(t[i], &r) == 0);
        free(r);
    }
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        void *p = malloc(1000);
        free(work(NULL));
        free(p);
        _exit(mallinfo2().uordblks > 0 ? 0 : 1);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    free(work(NULL));
    return 0;
}
EOF

# The names only libc.a defines (static links only).
prog static_names <<'EOF'
#include "common.h"
void *__malloc(size_t);
void __free(void *);
void *__calloc(size_t, size_t);
void *__realloc(void *, size_t);
void *__memalign(size_t, size_t);
void *__valloc(size_t);
void *__pvalloc(size_t);
int __posix_memalign(void **, size_t, size_t);
size_t __malloc_usable_size(void *);
int __malloc_trim(size_t);
struct mallinfo __mallinfo(void);
struct mallinfo2 __mallinfo2(void);
struct mallinfo2 __libc_mallinfo2(void);
void __malloc_stats(void);
int __malloc_info(int, FILE *);
int __mallopt(int, int);
void *__glibc_morecore(ptrdiff_t);
void __malloc_fork_lock_parent(void);
void __malloc_fork_unlock_parent(void);
void __malloc_fork_unlock_child(void);
void __malloc_arena_thread_freeres(void);
int main(void)
{
    check_hakmem();
    void *p = __malloc(100);
    check_block(p, 100, 16);
    CHECK(__malloc_usable_size(p) == malloc_usable_size(p));
    p = __realloc(p, 5000);
    check_block(p, 5000, 16);
    __free(p);
    unsigned char *z = __calloc(10, 10);
    CHECK(z && z[0] == 0 && z[99] == 0);
    free(z);
    p = __memalign(128, 10);
    check_block(p, 10, 128);
    free(p);
    p = __valloc(10);
    check_block(p, 10, 4096);
    free(p);
    p = __pvalloc(10);
    check_block(p, 4096, 4096);
    free(p);
    CHECK(__posix_memalign(&p, 64, 10) == 0);
    check_block(p, 10, 64);
    free(p);
    p = malloc(1 << 20);
    check_block(p, 1 << 20, 16);
    CHECK(__mallinfo().hblkhd >= (1 << 20));
    CHECK(__mallinfo2().hblkhd >= (1 << 20));
    CHECK(__libc_mallinfo2().uordblks >= (1 << 20));
    __malloc_stats();
    CHECK(__malloc_info(0, stdout) == 0);
    free(p);
    CHECK(__mallopt(M_MMAP_THRESHOLD, 1 << 20) == 0);
    int trimmed = __malloc_trim(0);
    CHECK(trimmed == 0 || trimmed == 1);
    CHECK(__glibc_morecore(0) != NULL);   /* the program break, unmoved */
    __malloc_fork_lock_parent();
    __malloc_fork_unlock_parent();
    __malloc_fork_lock_parent();
    __malloc_fork_unlock_child();
    __malloc_arena_thread_freeres();
    p = malloc(10);
    check_block(p, 10, 16);
    free(p);
    return 0;
}
EOF

# glibc's reallocarray.o (not malloc.o) defines __libc_reallocarray over
# realloc: it links and runs on hakmem's realloc.
prog libc_reallocarray <<'EOF'
#include "common.h"
void *__libc_reallocarray(void *, size_t, size_t);
int main(void)
{
    check_hakmem();
    void *p = __libc_reallocarray(NULL, 10, 10);
    check_block(p, 100, 16);
    errno = 0;
    CHECK(__libc_reallocarray(p, SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
    free(p);
    return 0;
}
EOF

# Every global name libc.a's malloc.o defines, taken from nm.
ar p "$libc_a" malloc.o >"$tmp/libc_malloc.o" 2>/dev/null
mapfile -t names < <(nm --defined-only -g "$tmp/libc_malloc.o" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u)
if [ ${#names[@]} -lt 10 ]; then
    fail "could not read the names of malloc.o in $libc_a (got ${#names[@]})"
else
    echo "libc.a malloc.o defines ${#names[@]} global names: ${names[*]}"
    {
        echo '#include <stdio.h>'
        echo 'extern const char *hak_version(void) __attribute__((weak));'
        for n in "${names[@]}"; do echo "extern void $n(void);"; done
        echo 'static void (*const names[])(void) = {'
        for n in "${names[@]}"; do echo "    $n,"; done
        echo '};'
        echo 'int main(void)'
        echo '{'
        echo '    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)'
        echo '        if (!names[i]) return 1;'
        echo '    if (!hak_version) return 2;'
        echo '    printf("%u names linked, %s\n", (unsigned)(sizeof names / sizeof names[0]), hak_version());'
        echo '    return 0;'
        echo '}'
    } >"$tmp/every_name.c"
fi

# ---- checks on the output of some programs -----------------------------
check_xml() { # file
    python3 - "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "malloc", root.tag
assert root.get("version") == "hakmem-1", root.get("version")
heap = root.find("heap")
assert heap is not None and heap.get("nr") == "0"
sizes = {}
for el in root.iter():
    for attr in ("size", "count"):
        if attr in el.attrib:
            int(el.get(attr))  # every figure is a whole number
for el in heap:
    sizes[(el.tag, el.get("type"))] = int(el.get("size"))
in_use, free = sizes[("total", "in-use")], sizes[("total", "free")]
meta, backed = sizes[("total", "meta")], sizes[("system", "current")]
assert in_use >= 1 << 20, in_use
assert heap.find("large") is not None and int(heap.find("large").get("size")) >= 1 << 20
assert in_use + free + meta == backed, (in_use, free, meta, backed)
assert int(root.find("aspace").get("size")) == backed
print("malloc_info: well-formed, in-use=%d free=%d backed=%d" % (in_use, free, backed))
EOF
}

check_stats_text() { # stderr file
    local f=$1 ok=1
    grep -q '^hakmem ' "$f" || ok=0
    for field in 'in use bytes' 'free bytes' 'backed bytes'; do
        grep -qE "^$field +=  *[0-9]+" "$f" || ok=0
    done
    [ $ok -eq 1 ]
}

# ---- build and run -------------------------------------------------------
# run_prog NAME MODE(static|dynamic)
run_prog() {
    local name=$1 mode=$2 exe="$tmp/$1.$2" rc
    local src="$tmp/$name.c" flags=("${CFLAGS[@]}")
    [ "$name" = every_name ] && flags=(-std=gnu11 -O1 -fno-builtin -w)
    if [ "$mode" = static ]; then
        cc "${flags[@]}" -static "$src" "$lib_a" -pthread -o "$exe" >"$exe.link" 2>&1
    else
        cc "${flags[@]}" "$src" -pthread -o "$exe" >"$exe.link" 2>&1
    fi
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "$name ($mode): link failed"
        sed 's/^/    /' "$exe.link" | head -n 8
        return
    fi
    if [ "$mode" = static ]; then
        HAKMEM_STATS="$exe.stats" "$exe" >"$exe.out" 2>"$exe.err"
    else
        HAKMEM_STATS="$exe.stats" LD_PRELOAD="$lib_so" "$exe" >"$exe.out" 2>"$exe.err"
    fi
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "$name ($mode): exit $rc"
        sed 's/^/    /' "$exe.err" | head -n 8
        return
    fi
    if ! grep -qE '^hakmem [^ ]+ statistics: program ' "$exe.stats" 2>/dev/null ||
       ! grep -qE '^  refills +[1-9]' "$exe.stats"; then
        fail "$name ($mode): no HAKMEM_STATS table with refills > 0"
        return
    fi
    case $have_python$name in
    1malloc_info | 1static_names)
        local xml="$exe.xml"
        # static_names prints malloc_info's document only.
        cp "$exe.out" "$xml"
        if ! check_xml "$xml" >"$exe.xmlcheck" 2>&1; then
            fail "$name ($mode): malloc_info output is not the expected XML"
            sed 's/^/    /' "$exe.xmlcheck" | tail -n 4
            sed 's/^/    | /' "$xml" | head -n 20
            return
        fi ;;
    esac
    case $name in
    malloc_stats | static_names)
        if ! check_stats_text "$exe.err"; then
            fail "$name ($mode): malloc_stats output lacks hakmem's figures"
            sed 's/^/    | /' "$exe.err"
            return
        fi ;;
    esac
    echo "ok   $name ($mode)"
}

shared=(libc_malloc libc_free libc_calloc libc_realloc libc_memalign libc_valloc
        libc_pvalloc mallinfo2 mallinfo malloc_stats malloc_info mallopt malloc_trim
        libc_mallinfo_mallopt libc_only fork_threads)
static_only=(static_names libc_reallocarray)
[ -f "$tmp/every_name.c" ] && static_only+=(every_name)

for name in "${shared[@]}" "${static_only[@]}"; do
    run_prog "$name" static
done
for name in "${shared[@]}"; do
    run_prog "$name" dynamic
done

# What the figures look like, for the log.
for f in mallinfo2.static.out malloc_stats.static.err malloc_info.static.out; do
    [ -f "$tmp/$f" ] && { echo "--- $f"; cat "$tmp/$f"; }
done
[ -f "$tmp/malloc_info.static.xmlcheck" ] && cat "$tmp/malloc_info.static.xmlcheck"

total=$(( (${#shared[@]} * 2) + ${#static_only[@]} ))
if [ $failures -ne 0 ]; then
    echo "$failures of $total runs failed"
    exit 1
fi
echo "all $total runs passed"
