// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * os_kernel.c: os.h for the Linux kernel (pfkeyv2.ko): memory from
 * kvzalloc (tables can outgrow kmalloc) charged to the memory cgroup of
 * the task that asks (GFP_KERNEL_ACCOUNT: a PF_KEY request's SAs, policies
 * and table growth count against the caller's memcg; timer work runs in a
 * kernel worker and charges no one), wiped frees, struct mutex, ktime
 * clocks, get_random_bytes, delayed_work timers on a private workqueue and
 * printk logging.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/timekeeping.h>
#include <linux/printk.h>
#include "os.h"

/* Timer callbacks run here. Ordered is not needed; unbound lets TCG/idle
 * CPUs pick them up. Created at module init, destroyed after every net.
 */
static struct workqueue_struct *os_wq;

int os_kernel_init(void)
{
	os_wq = alloc_workqueue("pfkeyv2", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return os_wq ? 0 : -ENOMEM;
}

void os_kernel_exit(void)
{
	/* Every timer was cancelled by pfkm_net_destroy(); this only waits
	 * for nothing and frees the workqueue.
	 */
	destroy_workqueue(os_wq);
	os_wq = NULL;
}

void *os_zalloc(size_t n)
{
	return kvzalloc(n, GFP_KERNEL_ACCOUNT);
}

void os_free(void *p)
{
	kvfree(p);
}

void os_free_secret(void *p, size_t n)
{
	if (p)
		kvfree_sensitive(p, n);
}

void os_wipe(void *p, size_t n)
{
	memzero_explicit(p, n);
}

void os_mutex_init(struct os_mutex *m)
{
	mutex_init(&m->m);
}

void os_mutex_destroy(struct os_mutex *m)
{
	mutex_destroy(&m->m);
}

void os_mutex_lock(struct os_mutex *m)
{
	mutex_lock(&m->m);
}

void os_mutex_unlock(struct os_mutex *m)
{
	mutex_unlock(&m->m);
}

uint64_t os_time_real(void)
{
	return (uint64_t)ktime_get_real_seconds();
}

/*
 * The tick's monotonic clock: the core's millisecond stamps (probe
 * interval, a policy's first second, larval SA age) need no more, and it
 * reads no clocksource (an HPET read per request is a VM exit, measured:
 * 2.4% of keysh's ADDs under qemu).
 */
uint64_t os_time_mono_ms(void)
{
	return (uint64_t)ktime_to_ms(ktime_get_coarse());
}

void os_random(void *buf, size_t n)
{
	get_random_bytes(buf, n);
}

static void os_timer_work(struct work_struct *w)
{
	struct os_timer *t = container_of(to_delayed_work(w), struct os_timer, dw);

	t->fn(t);
}

void os_timer_init(struct os_timer *t, os_timer_fn fn)
{
	INIT_DELAYED_WORK(&t->dw, os_timer_work);
	t->fn = fn;
}

void os_timer_arm(struct os_timer *t, uint64_t delay_ms)
{
	unsigned long j = msecs_to_jiffies(delay_ms > UINT_MAX ? UINT_MAX : (unsigned int)delay_ms);

	mod_delayed_work(os_wq, &t->dw, j);
}

void os_timer_cancel(struct os_timer *t)
{
	cancel_delayed_work_sync(&t->dw);
}

void os_log(enum os_log_level lvl, const char *fmt, ...)
{
	struct va_format vaf;
	va_list ap;

	va_start(ap, fmt);
	vaf.fmt = fmt;
	vaf.va = &ap;
	switch (lvl) {
	case OS_LOG_ERR:
		pr_err("%pV\n", &vaf);
		break;
	case OS_LOG_WARN:
		pr_warn("%pV\n", &vaf);
		break;
	case OS_LOG_INFO:
		pr_info("%pV\n", &vaf);
		break;
	default:
		pr_debug("%pV\n", &vaf);
		break;
	}
	va_end(ap);
}
