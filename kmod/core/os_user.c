// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * os_user.c: the userspace implementation of os.h (keyd, unit tests,
 * fuzzers): calloc/free, explicit_bzero, pthread mutexes that remember their
 * owner (for os_assert_held), clock_gettime with a test override, getrandom,
 * a process-wide sorted list of armed timers driven by the host's event loop,
 * and a replaceable log sink.
 */
#include "os.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/random.h>

/* Hash tables of big SADBs are megabytes: back them with huge pages where
 * the host allows it (THP "madvise" mode), which keeps lookups in a
 * million-SA table from paying a TLB miss per bucket. */
#define HUGE_ALLOC (2u << 20)

void *os_zalloc(size_t n)
{
	void *p;

	if (n < HUGE_ALLOC)
		return calloc(1, n ? n : 1);
	if (posix_memalign(&p, HUGE_ALLOC, n))
		return NULL;
	madvise(p, n, MADV_HUGEPAGE);
	memset(p, 0, n);
	return p;
}

void os_free(void *p)
{
	free(p);
}

void os_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void os_free_secret(void *p, size_t n)
{
	if (!p)
		return;
	explicit_bzero(p, n);
	free(p);
}

void os_mutex_init(struct os_mutex *m)
{
	pthread_mutex_init(&m->m, NULL);
	m->held = false;
}

void os_mutex_destroy(struct os_mutex *m)
{
	pthread_mutex_destroy(&m->m);
}

void os_mutex_lock(struct os_mutex *m)
{
	pthread_mutex_lock(&m->m);
	m->owner = pthread_self();
	m->held = true;
}

void os_mutex_unlock(struct os_mutex *m)
{
	m->held = false;
	pthread_mutex_unlock(&m->m);
}

void os_assert_held_fn(const struct os_mutex *m, const char *file, int line)
{
	if (m->held && pthread_equal(m->owner, pthread_self()))
		return;
	fprintf(stderr, "%s:%d: os_assert_held: mutex not held by this thread\n", file, line);
	abort();
}

/*
 * Clocks. Tests freeze both clocks with os_user_clock_set() and move them
 * with os_user_clock_advance(); real time is kept in milliseconds so that
 * advancing by less than a second accumulates.
 */
static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;
static bool clock_fixed;
static uint64_t clock_real_ms, clock_mono_ms;

void os_user_clock_set(uint64_t real_sec, uint64_t mono_ms)
{
	pthread_mutex_lock(&clock_lock);
	clock_fixed = true;
	clock_real_ms = real_sec * 1000;
	clock_mono_ms = mono_ms;
	pthread_mutex_unlock(&clock_lock);
}

void os_user_clock_advance(uint64_t ms)
{
	pthread_mutex_lock(&clock_lock);
	clock_real_ms += ms;
	clock_mono_ms += ms;
	pthread_mutex_unlock(&clock_lock);
}

void os_user_clock_release(void)
{
	pthread_mutex_lock(&clock_lock);
	clock_fixed = false;
	pthread_mutex_unlock(&clock_lock);
}

uint64_t os_time_real(void)
{
	struct timespec ts;
	uint64_t v;

	pthread_mutex_lock(&clock_lock);
	if (clock_fixed) {
		v = clock_real_ms / 1000;
		pthread_mutex_unlock(&clock_lock);
		return v;
	}
	pthread_mutex_unlock(&clock_lock);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

uint64_t os_time_mono_ms(void)
{
	struct timespec ts;
	uint64_t v;

	pthread_mutex_lock(&clock_lock);
	if (clock_fixed) {
		v = clock_mono_ms;
		pthread_mutex_unlock(&clock_lock);
		return v;
	}
	pthread_mutex_unlock(&clock_lock);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1 so that a real monotonic clock never reads as the "unset" 0 */
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1;
}

void os_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "os_random: getrandom failed\n");
			abort();
		}
		p += r;
		n -= (size_t)r;
	}
}

/*
 * Timers: one list for the process, sorted by deadline. os_user_timers_run()
 * unlinks an expired timer, drops the list lock and calls it, so a callback
 * may re-arm itself or others. os_timer_cancel() from another thread waits
 * until a running callback of that timer has returned.
 */
static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_done = PTHREAD_COND_INITIALIZER;
static struct os_timer *timer_head;
static struct os_timer *timer_running;
static pthread_t timer_runner;

static void timer_unlink(struct os_timer *t)
{
	struct os_timer **pp;

	for (pp = &timer_head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->deadline_ms = 0;
}

void os_timer_init(struct os_timer *t, os_timer_fn fn)
{
	t->fn = fn;
	t->deadline_ms = 0;
	t->next = NULL;
}

void os_timer_arm(struct os_timer *t, uint64_t delay_ms)
{
	struct os_timer **pp;
	uint64_t when = os_time_mono_ms() + delay_ms;

	if (when == 0)
		when = 1;
	pthread_mutex_lock(&timer_lock);
	if (t->deadline_ms)
		timer_unlink(t);
	t->deadline_ms = when;
	for (pp = &timer_head; *pp && (*pp)->deadline_ms <= when; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	pthread_mutex_unlock(&timer_lock);
}

void os_timer_cancel(struct os_timer *t)
{
	pthread_mutex_lock(&timer_lock);
	if (t->deadline_ms)
		timer_unlink(t);
	while (timer_running == t && !pthread_equal(timer_runner, pthread_self()))
		pthread_cond_wait(&timer_done, &timer_lock);
	pthread_mutex_unlock(&timer_lock);
}

int64_t os_user_timers_next_ms(void)
{
	int64_t ret = -1;
	uint64_t now;

	pthread_mutex_lock(&timer_lock);
	if (timer_head) {
		now = os_time_mono_ms();
		ret = timer_head->deadline_ms > now ? (int64_t)(timer_head->deadline_ms - now) : 0;
	}
	pthread_mutex_unlock(&timer_lock);
	return ret;
}

void os_user_timers_run(void)
{
	struct os_timer *t;
	uint64_t now = os_time_mono_ms();

	pthread_mutex_lock(&timer_lock);
	while ((t = timer_head) && t->deadline_ms <= now) {
		timer_head = t->next;
		t->next = NULL;
		t->deadline_ms = 0;
		timer_running = t;
		timer_runner = pthread_self();
		pthread_mutex_unlock(&timer_lock);
		t->fn(t);
		pthread_mutex_lock(&timer_lock);
		timer_running = NULL;
		pthread_cond_broadcast(&timer_done);
	}
	pthread_mutex_unlock(&timer_lock);
}

static void (*log_sink)(int lvl, const char *msg);

void os_user_log_set(void (*sink)(int lvl, const char *msg))
{
	log_sink = sink;
}

void os_log(enum os_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_sink) {
		log_sink((int)lvl, buf);
		return;
	}
	if (lvl == OS_LOG_DEBUG)
		return;
	fprintf(stderr, "pfkm %s: %s\n", names[lvl < 4 ? lvl : 0], buf);
}
