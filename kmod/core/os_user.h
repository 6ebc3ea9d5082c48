/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * os_user.h: userspace types behind os.h (keyd, unit tests, fuzzers).
 * Only os.h includes this file.
 */
#ifndef PFKM_OS_USER_H
#define PFKM_OS_USER_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define OS_PAGE_SIZE 4096u

#define os_htons(x) htons(x)
#define os_ntohs(x) ntohs(x)
#define os_htonl(x) htonl(x)
#define os_ntohl(x) ntohl(x)

/* Network byte order integers (SPIs, ports): plain integers here; the
 * kernel's __be16/__be32 in pfkeyv2.ko, which sparse checks. */
typedef uint16_t os_be16;
typedef uint32_t os_be32;

struct os_mutex {
	pthread_mutex_t m;
	pthread_t owner;
	bool held;
};

/* Held-by-caller check: aborts in debug builds, like lockdep_assert_held. */
void os_assert_held_fn(const struct os_mutex *m, const char *file, int line);
#define os_assert_held(m) os_assert_held_fn((m), __FILE__, __LINE__)

struct os_timer {
	void (*fn)(struct os_timer *t);
	uint64_t deadline_ms;   /* 0: not armed */
	struct os_timer *next;  /* armed-timer list, see os_user.c */
};

/*
 * Userspace timers are driven by the host's event loop: it sleeps at most
 * os_user_timers_next_ms() milliseconds (-1: none armed) and then calls
 * os_user_timers_run() to fire every expired timer.
 */
int64_t os_user_timers_next_ms(void);
void os_user_timers_run(void);

/* Tests may replace the clocks to drive lifetimes deterministically. */
void os_user_clock_set(uint64_t real_sec, uint64_t mono_ms);
void os_user_clock_advance(uint64_t ms);
void os_user_clock_release(void);

/* Log sink: stderr by default; keyd may point it at syslog. */
void os_user_log_set(void (*sink)(int lvl, const char *msg));

#endif /* PFKM_OS_USER_H */
