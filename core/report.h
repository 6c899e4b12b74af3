/* report.h - one-line fault reports through the platform's output. */
#ifndef HAKMEM_REPORT_H
#define HAKMEM_REPORT_H

/* Writes "hakmem: <what>: <ptr>\n" through hak_plat_write. Never allocates. */
void hak_report(const char *what, const void *ptr);

/* Reports like hak_report, then stops the program with hak_plat_panic. */
_Noreturn void hak_fault(const char *what, const void *ptr) __attribute__((cold));

#endif /* HAKMEM_REPORT_H */
