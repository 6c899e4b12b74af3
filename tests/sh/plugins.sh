#!/usr/bin/env bash
# plugins - hakmem loaded and unloaded at run time, as a plugin would be.
#
# Proves:
#   - dlopen of libhakmem.so succeeds after another plugin took 512 bytes
#     of initial-exec TLS, and two plugins that each embed libhakmem.a load
#     side by side (hakmem's own initial-exec TLS is one 8-byte pointer;
#     readelf shows it);
#   - a plugin linked against libhakmem.so (and one embedding libhakmem.a)
#     is used by a thread, closed with dlclose and really unmapped (checked
#     with RTLD_NOLOAD and /proc/self/maps), and then the thread exits
#     cleanly: nothing left behind points into the unloaded code;
#   - what README ("Use it") and hakmem(3) say an unload costs: 100 cycles of
#     dlopen, hak_malloc, hak_free, dlclose of libhakmem.so keep at most
#     4.5 MiB of address space and 24 KiB resident each (the heap stays
#     mapped, its free memory purged), and with RTLD_NODELETE (the advice
#     given) the address space does not grow at all.
# Env: BUILD=<abs build dir> (from tests/run_tests.sh).
set -u
BUILD=${BUILD:?BUILD must name the build directory}
so="$BUILD/libhakmem.so" a="$BUILD/libhakmem.a"
[ -f "$so" ] && [ -f "$a" ] || { echo "libraries not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }

tls=$(readelf -lW "$so" | awk '$1 == "TLS" { print $6 }')
[ -n "$tls" ] && tls=$((tls))
say "libhakmem.so TLS segment: ${tls:-none} bytes"
[ -n "$tls" ] && [ "$tls" -le 16 ] || bad "initial-exec TLS of libhakmem.so is ${tls:-?} bytes (at most 16 allowed)"

# Every function include/hakmem.h declares is exported by the shared library.
for f in $(grep -oE '\bhak_[a-z0-9_]+\(' "$ROOT/include/hakmem.h" | tr -d '(' | sort -u); do
    nm -D --defined-only "$so" | grep -qE " T $f\$" || bad "libhakmem.so does not export $f (declared in hakmem.h)"
done

cat >"$tmp/tls512.c" <<'EOF'
__thread char big[512] __attribute__((tls_model("initial-exec")));
int tls512_touch(void) { big[511] = 1; return big[511]; }
EOF
cat >"$tmp/work.c" <<'EOF'
#include <string.h>
#include "hakmem.h"
/* A plugin's work: allocations through hakmem, some kept across calls. */
int plugin_work(int rounds)
{
    static void *kept[64];
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < 64; i++) {
            hak_free(kept[i]);
            kept[i] = hak_malloc((size_t)(16 + (r * 64 + i) * 37 % 5000));
            if (!kept[i])
                return -1;
            memset(kept[i], i, 16);
        }
    return hak_check();
}
/* 16 MiB allocated, written and freed, right before the plugin is closed. */
void plugin_big(void)
{
    void *v[16];
    for (int i = 0; i < 16; i++) {
        v[i] = hak_malloc(1u << 20);
        if (v[i])
            memset(v[i], 1, 1u << 20);
    }
    for (int i = 0; i < 16; i++)
        hak_free(v[i]);
}
EOF
cat >"$tmp/host.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
static pthread_barrier_t used, closed;
static int (*work)(int);
static void *user(void *arg)
{
    (void)arg;
    int rc = work(50);
    pthread_barrier_wait(&used);
    pthread_barrier_wait(&closed); /* the plugin is gone; now exit */
    return (void *)(long)rc;
}
static int mapped(const char *name)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    while (f && fgets(line, sizeof line, f))
        found |= strstr(line, name) != NULL;
    if (f)
        fclose(f);
    return found;
}
int main(int argc, char **argv)
{
    /* argv: mode, then the libraries to open in order; the last one's
     * plugin_work is used. Mode "load" only loads; "unload" also runs a
     * thread, closes everything and lets the thread exit afterwards. */
    void *h[8] = { 0 };
    int n = argc - 2;
    for (int i = 0; i < n; i++) {
        h[i] = dlopen(argv[i + 2], RTLD_NOW | RTLD_LOCAL);
        if (!h[i]) {
            printf("dlopen %s: %s\n", argv[i + 2], dlerror());
            return 2;
        }
    }
    work = (int (*)(int))dlsym(h[n - 1], "plugin_work");
    if (!work || work(20) != 0) {
        printf("plugin_work missing or failed\n");
        return 3;
    }
    if (strcmp(argv[1], "load") == 0)
        return 0;
    if (strcmp(argv[1], "cycle") == 0) {
        /* 20 rounds of open, 16 MiB used and freed, close: resident
         * memory must not pile up. */
        for (int i = 0; i < n; i++)
            dlclose(h[i]);
        long pages = 0;
        for (int round = 0; round < 20; round++) {
            void *p = dlopen(argv[n + 1], RTLD_NOW | RTLD_LOCAL);
            void (*big)(void) = p ? (void (*)(void))dlsym(p, "plugin_big") : NULL;
            if (!big) {
                printf("cycle %d: %s\n", round, dlerror());
                return 6;
            }
            big();
            dlclose(p);
        }
        FILE *f = fopen("/proc/self/statm", "r");
        if (!f || fscanf(f, "%*ld %ld", &pages) != 1)
            return 7;
        fclose(f);
        printf("20 open/use/close rounds: resident %ld KiB\n", pages * 4);
        return pages * 4 < 65536 ? 0 : 8;
    }
    pthread_t t;
    pthread_barrier_init(&used, NULL, 2);
    pthread_barrier_init(&closed, NULL, 2);
    pthread_create(&t, NULL, user, NULL);
    pthread_barrier_wait(&used);
    for (int i = n; i-- > 0;)
        dlclose(h[i]);
    const char *last = strrchr(argv[n + 1], '/') + 1;
    if (dlopen(argv[n + 1], RTLD_NOW | RTLD_NOLOAD) || mapped(last) || mapped("libhakmem.so")) {
        printf("the plugin or libhakmem.so is still loaded after dlclose\n");
        return 4;
    }
    pthread_barrier_wait(&closed);
    void *rc;
    pthread_join(t, &rc);
    printf("thread used the plugin, plugin unloaded, thread exited: rc %ld\n", (long)rc);
    return rc == NULL ? 0 : 5;
}
EOF
cc -shared -fPIC -o "$tmp/libtls512.so" "$tmp/tls512.c" || exit 1
# Linked against libhakmem.so (found through its rpath).
cc -shared -fPIC -I"$ROOT/include" -o "$tmp/plugin_so.so" "$tmp/work.c" -L"$BUILD" -l:libhakmem.so \
    -Wl,-rpath,"$BUILD" || exit 1
# Embedding libhakmem.a, its symbols kept inside the plugin.
for p in embed_a embed_b; do
    cc -shared -fPIC -I"$ROOT/include" -o "$tmp/plugin_$p.so" "$tmp/work.c" "$a" -pthread \
        -Wl,--exclude-libs,ALL || exit 1
done
cc -O1 -o "$tmp/host" "$tmp/host.c" -ldl -pthread || exit 1

run() { # description, host arguments...
    local what=$1; shift
    if out=$(timeout 60 "$tmp/host" "$@" 2>&1); then
        say "ok   $what${out:+: $out}"
    else
        bad "$what (exit $?): $out"
    fi
}
run "dlopen libhakmem.so after a plugin with 512 B of initial-exec TLS" \
    load "$tmp/libtls512.so" "$so" "$tmp/plugin_so.so"
run "two plugins embedding libhakmem.a, after the 512 B TLS plugin" \
    load "$tmp/libtls512.so" "$tmp/plugin_embed_a.so" "$tmp/plugin_embed_b.so"
run "plugin linked with libhakmem.so: used by a thread, dlclose'd, then the thread exits" \
    unload "$tmp/plugin_so.so"
run "plugin embedding libhakmem.a: used by a thread, dlclose'd, then the thread exits" \
    unload "$tmp/plugin_embed_a.so"
run "plugin linked with libhakmem.so: 20 rounds of dlopen, 16 MiB used and freed, dlclose" \
    cycle "$tmp/plugin_so.so"
run "plugin embedding libhakmem.a: 20 rounds of dlopen, 16 MiB used and freed, dlclose" \
    cycle "$tmp/plugin_embed_a.so"
cat >"$tmp/reload.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* VmSize and VmRSS, kB. */
static void usage(long *vm, long *rss)
{
    char l[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(l, sizeof l, f)) {
        if (!strncmp(l, "VmSize:", 7))
            *vm = atol(l + 7);
        if (!strncmp(l, "VmRSS:", 6))
            *rss = atol(l + 6);
    }
    if (f)
        fclose(f);
}
/* 110 cycles of dlopen, hak_malloc, hak_free, dlclose of argv[1] (with
 * RTLD_NODELETE when argv[2] is given); prints what the last 100 kept a
 * cycle: address space in kB, resident memory in bytes. */
int main(int argc, char **argv)
{
    int flags = RTLD_NOW | RTLD_LOCAL | (argc > 2 ? RTLD_NODELETE : 0);
    long vm0 = 0, rss0 = 0, vm1 = 0, rss1 = 0;
    for (int r = 0; r < 110; r++) {
        if (r == 10)
            usage(&vm0, &rss0);
        void *h = dlopen(argv[1], flags);
        if (!h)
            return 2;
        void *(*m)(size_t) = (void *(*)(size_t))dlsym(h, "hak_malloc");
        void (*f)(void *) = (void (*)(void *))dlsym(h, "hak_free");
        f(m(100));
        dlclose(h);
    }
    usage(&vm1, &rss1);
    printf("%ld %ld\n", (vm1 - vm0) / 100, (rss1 - rss0) * 1024 / 100);
    return 0;
}
EOF
cc -O1 -o "$tmp/reload" "$tmp/reload.c" -ldl || exit 1
read -r vm rss < <("$tmp/reload" "$so")
if [ -n "${vm:-}" ] && [ "$vm" -le 4608 ] && [ "$rss" -le 24576 ]; then
    say "ok   dlopen/dlclose of libhakmem.so: $vm kB of address space and $rss bytes resident kept a cycle (documented: about 4 MiB and 13 KiB)"
else
    bad "dlopen/dlclose of libhakmem.so: ${vm:-?} kB of address space and ${rss:-?} bytes resident kept a cycle (documented: about 4 MiB and 13 KiB; allowed: 4.5 MiB and 24 KiB)"
fi
read -r vm rss < <("$tmp/reload" "$so" nodelete)
if [ "${vm:-x}" = 0 ]; then
    say "ok   with RTLD_NODELETE: no address space kept a cycle"
else
    bad "with RTLD_NODELETE: ${vm:-?} kB of address space kept a cycle"
fi
exit $fail
