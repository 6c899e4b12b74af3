/* stats_format.h - the statistics table (hak_stats_format, hakmem.h) and
 * an arena's reports through the platform's diagnostic output. */
#ifndef HAKMEM_STATS_FORMAT_H
#define HAKMEM_STATS_FORMAT_H

#include "heap.h"

/* One line naming the arena and its settings (HAK_REPORT_SETTINGS). */
void hak_stats_report_settings(const hak_heap_t *h);

/* A line naming the arena and `when`, then the table of *s
 * (HAK_REPORT_STATS). Writes in pieces of 256 bytes: no large buffer. */
void hak_stats_report(const hak_heap_t *h, const hak_stats_t *s, const char *when);

#endif /* HAKMEM_STATS_FORMAT_H */
