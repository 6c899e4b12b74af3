/*
 * rt_lock - a real-time thread and a normal thread share one CPU and one
 * lock.
 *
 * Both threads are pinned to the same CPU. The normal thread loops
 * free(malloc(200 KiB)) (large blocks: every call takes the chunk lock);
 * a SCHED_FIFO thread does the same every 0.3 ms for 2 s and records the
 * longest call. When the real-time thread wakes while the normal thread
 * holds the lock, it must block in the kernel after a short spin, so that
 * the preempted holder runs and releases it; spinning and yielding never
 * lets a lower-priority thread run on that CPU.
 *
 * Proves: the worst stall of the real-time thread stays under 100 ms.
 * A lock that spins or yields would stall it until the kernel's real-time
 * throttling (by default 950 ms of every second) lets the holder run.
 * A lock that blocks stalls it for as long as the preempted holder waits
 * for CPU 0 among the machine's other normal threads: under a tick (a few
 * ms) on a quiet machine, and 22 ms was seen at a load average of 9 on 2
 * CPUs, hence the margin. Skips (exit 77) where SCHED_FIFO or CPU
 * affinity is not permitted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "hakmem.h"
#include "testlib.h"

#define BLOCK (200u << 10)
#define RUN_NS 2000000000ll
#define PERIOD_NS 300000ll
#define MAX_STALL_NS 100000000ll

static volatile int stop;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int pin_to_cpu0(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *normal_thread(void *arg)
{
    (void)arg;
    CHECK(pin_to_cpu0() == 0, "pin the normal thread");
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        char *p = malloc(BLOCK);
        CHECK(p != NULL, "normal thread malloc");
        p[0] = 1;
        free(p);
    }
    return NULL;
}

typedef struct rt_result {
    int64_t worst_ns;
    unsigned calls;
} rt_result_t;

static void *rt_thread(void *arg)
{
    rt_result_t *r = arg;
    int64_t end = now_ns() + RUN_NS;
    struct timespec period = { 0, PERIOD_NS };
    while (now_ns() < end) {
        nanosleep(&period, NULL);
        int64_t t0 = now_ns();
        char *p = malloc(BLOCK);
        CHECK(p != NULL, "real-time thread malloc");
        p[0] = 2;
        free(p);
        int64_t dt = now_ns() - t0;
        if (dt > r->worst_ns)
            r->worst_ns = dt;
        r->calls++;
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    return NULL;
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    free(malloc(BLOCK)); /* the heap is set up before the threads start */

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
    struct sched_param sp = { .sched_priority = 10 };
    pthread_attr_setschedparam(&attr, &sp);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    pthread_attr_setaffinity_np(&attr, sizeof set, &set);

    pthread_t normal, rt;
    CHECK(pthread_create(&normal, NULL, normal_thread, NULL) == 0, "normal thread");
    rt_result_t r = { 0, 0 };
    int rc = pthread_create(&rt, &attr, rt_thread, &r);
    if (rc == EPERM || rc == EINVAL) {
        __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
        pthread_join(normal, NULL);
        printf("SCHED_FIFO threads pinned to CPU 0 are not permitted here (%s)\n", strerror(rc));
        return 77;
    }
    CHECK(rc == 0, "real-time thread: %s", strerror(rc));
    pthread_join(rt, NULL);
    pthread_join(normal, NULL);
    CHECK(r.calls > 1000, "the real-time thread made only %u calls in 2 s", r.calls);
    printf("real-time thread: %u malloc+free pairs of 200 KiB against a normal thread on the "
           "same CPU; worst %.3f ms (limit %.0f ms)\n",
           r.calls, (double)r.worst_ns / 1e6, (double)MAX_STALL_NS / 1e6);
    CHECK(r.worst_ns < MAX_STALL_NS, "worst stall %.3f ms", (double)r.worst_ns / 1e6);
    CHECK(hak_check() == 0, "hak_check");
    return 0;
}
