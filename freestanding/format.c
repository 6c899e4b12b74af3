/* format.c - a small printf formatter (no libc, no floating point). */
#include "fs.h"

typedef struct out {
    char *buf;
    size_t cap, len;
} out_t;

static void put(out_t *o, char c)
{
    if (o->len + 1u < o->cap)
        o->buf[o->len++] = c;
}

static void pad(out_t *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

/* Writes `digits` (most significant first) with sign and padding. */
static void field(out_t *o, const char *digits, int ndigits, char sign, int width,
                  int left, char fill)
{
    int len = ndigits + (sign != 0);
    if (!left && fill == ' ')
        pad(o, ' ', width - len);
    if (sign)
        put(o, sign);
    if (!left && fill == '0')
        pad(o, '0', width - len);
    for (int i = 0; i < ndigits; i++)
        put(o, digits[i]);
    if (left)
        pad(o, ' ', width - len);
}

static void number(out_t *o, unsigned long long v, unsigned base, int upper, char sign,
                   int width, int left, char fill)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = set[v % base];
        v /= base;
    } while (v);
    char digits[24];
    for (int i = 0; i < n; i++)
        digits[i] = tmp[n - 1 - i];
    field(o, digits, n, sign, width, left, fill);
}

size_t fs_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    out_t o = { buf, cap, 0 };
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        f++;
        int left = 0, width = 0, lng = 0;
        char fill = ' ';
        for (;; f++) {
            if (*f == '-')
                left = 1;
            else if (*f == '0')
                fill = '0';
            else
                break;
        }
        while (*f >= '0' && *f <= '9')
            width = width * 10 + (*f++ - '0');
        while (*f == 'l' || *f == 'z') {
            lng++;
            f++;
        }
        unsigned long long u;
        long long s;
        switch (*f) {
        case 'd':
        case 'i':
            s = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
            u = s < 0 ? 0ull - (unsigned long long)s : (unsigned long long)s;
            number(&o, u, 10, 0, s < 0 ? '-' : 0, width, left, fill);
            break;
        case 'u':
        case 'x':
        case 'X':
            u = lng >= 2 ? va_arg(ap, unsigned long long)
                : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            number(&o, u, *f == 'u' ? 10u : 16u, *f == 'X', 0, width, left, fill);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            number(&o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, width, left, fill);
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            field(&o, &c, 1, 0, width, left, ' ');
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            int n = 0;
            while (str[n])
                n++;
            field(&o, str, n, 0, width, left, ' ');
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case 0:
            f--;
            break;
        default:
            put(&o, '%');
            put(&o, *f);
            break;
        }
    }
    if (cap)
        buf[o.len] = 0;
    return o.len;
}

size_t fs_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = fs_vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}
