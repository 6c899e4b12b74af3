/* report.h - one-line fault reports through the platform's output. */
#ifndef HAKMEM_REPORT_H
#define HAKMEM_REPORT_H

/* Writes "hakmem: <what>: <ptr>\n" through hak_plat_write. Never allocates. */
void hak_report(const char *what, const void *ptr);

/* Reports like hak_report, then stops the program with hak_plat_panic. */
_Noreturn void hak_fault(const char *what, const void *ptr) __attribute__((cold));

/* hak_fault naming the function the program called:
 * "hakmem: <call>(): <what>: <ptr>\n", then hak_plat_panic. For the faults
 * that more than one entry point can reach (free, realloc, usable size,
 * and the hak_arena_ calls that do the same). */
_Noreturn void hak_fault_in(const char *call, const char *what, const void *ptr)
    __attribute__((cold));

#endif /* HAKMEM_REPORT_H */
