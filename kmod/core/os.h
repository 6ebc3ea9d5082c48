/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * os.h: the only door between the portable PF_KEY core (kmod/core) and its
 * host. Everything the core needs from an operating system is declared here:
 * fixed-width types, memory, locks, time, random bytes, deferred timers and
 * logging. Two implementations exist:
 *   - kmod/linux/os_kernel.{h,c}  (Linux kernel module, pfkeyv2.ko)
 *   - kmod/core/os_user.{h,c}     (userspace: keyd, unit tests, fuzzers)
 * This is the one place that tests __KERNEL__; core logic never does.
 */
#ifndef PFKM_OS_H
#define PFKM_OS_H

#ifdef __KERNEL__
#include "os_kernel.h"
#else
#include "os_user.h"
#endif

/*
 * Provided by os_*.h, so that this header stays declarative:
 *   uint8_t .. uint64_t, size_t, bool, memcpy/memset/memcmp, E* errno values,
 *   struct sockaddr_in / sockaddr_in6, AF_INET / AF_INET6,
 *   htons/ntohs/htonl/ntohl (as os_htons ...), OS_PAGE_SIZE,
 *   struct os_mutex, struct os_timer (opaque storage the core embeds),
 *   os_assert_held(struct os_mutex *) (lockdep_assert_held in the kernel).
 */

/* Memory. os_zalloc returns zeroed memory or NULL; it may sleep. */
void *os_zalloc(size_t n);
void os_free(void *p);
/* Wipe n bytes of p (never optimised away), then free it. For key material. */
void os_free_secret(void *p, size_t n);
void os_wipe(void *p, size_t n);

/* Sleeping mutex: request processing and table changes run under one. */
void os_mutex_init(struct os_mutex *m);
void os_mutex_destroy(struct os_mutex *m);
void os_mutex_lock(struct os_mutex *m);
void os_mutex_unlock(struct os_mutex *m);

/* Time: wall clock (seconds since the epoch, for lifetimes reported on the
 * wire) and a monotonic millisecond clock (for rate limits and timers). */
uint64_t os_time_real(void);
uint64_t os_time_mono_ms(void);

/* Cryptographically strong random bytes (get_random_bytes / getrandom). */
void os_random(void *buf, size_t n);

/*
 * One-shot deferred timers. The callback runs in a context that may sleep
 * and take an os_mutex (a workqueue item in the kernel; the event loop of
 * keyd in userspace, see os_user_timers_run()). Arming an armed timer moves
 * its deadline. os_timer_cancel waits for a running callback to finish, so it
 * must not be called with a mutex the callback takes.
 */
typedef void (*os_timer_fn)(struct os_timer *t);
void os_timer_init(struct os_timer *t, os_timer_fn fn);
void os_timer_arm(struct os_timer *t, uint64_t delay_ms);
void os_timer_cancel(struct os_timer *t);

/* Logging: never used for control flow; libraries still return -errno. */
enum os_log_level { OS_LOG_ERR, OS_LOG_WARN, OS_LOG_INFO, OS_LOG_DEBUG };
void os_log(enum os_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define os_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define OS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* PFKM_OS_H */
