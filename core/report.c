/* report.c - formats fault lines without libc. */
#include <stdint.h>
#include "report.h"
#include "../platform/platform.h"

static unsigned append(char *buf, unsigned at, unsigned cap, const char *s)
{
    while (*s && at < cap)
        buf[at++] = *s++;
    return at;
}

/* "hakmem: [<call>(): ]<what>: 0x<ptr>\n" in one write. */
static void report(const char *call, const char *what, const void *ptr)
{
    char line[200];
    unsigned cap = sizeof line - 1u;
    unsigned n = append(line, 0, cap, "hakmem: ");
    if (call) {
        n = append(line, n, cap, call);
        n = append(line, n, cap, "(): ");
    }
    n = append(line, n, cap, what);
    n = append(line, n, cap, ": 0x");
    uintptr_t v = (uintptr_t)ptr;
    int started = 0;
    for (int shift = (int)sizeof v * 8 - 4; shift >= 0; shift -= 4) {
        unsigned digit = (unsigned)(v >> shift) & 15u;
        if (digit || started || shift == 0) {
            started = 1;
            if (n < cap)
                line[n++] = "0123456789abcdef"[digit];
        }
    }
    line[n++] = '\n';
    hak_plat_write(line, n);
}

void hak_report(const char *what, const void *ptr)
{
    report(0, what, ptr);
}

void hak_fault(const char *what, const void *ptr)
{
    report(0, what, ptr);
    hak_plat_panic();
}

void hak_fault_in(const char *call, const char *what, const void *ptr)
{
    report(call, what, ptr);
    hak_plat_panic();
}
