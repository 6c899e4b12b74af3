/* console.c - text to the UART, one writer at a time. */
#include "fs.h"

static fs_spinlock_t console_lock;

void fs_console_write(const char *text, size_t n)
{
    unsigned long irq = fs_irq_save();
    fs_spin_lock(&console_lock);
    for (size_t i = 0; i < n; i++)
        fs_uart_putc(text[i]);
    fs_spin_unlock(&console_lock);
    fs_irq_restore(irq);
}

void fs_printf(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    size_t n = fs_vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fs_console_write(line, n);
}
