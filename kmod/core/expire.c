// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * expire.c: owns the memory store's SA lifetimes: its min-heap of SA
 * deadlines and the one timer that serves it, byte/packet accounting, and
 * the EXPIRE events (notify.c makes them af_key's messages), as Linux's
 * xfrm_timer_handler and xfrm_state_check_expire. Byte/packet limits are
 * checked before a packet goes through an SA (pfkm_expire_check) and the
 * packet counted once it went through (pfkm_expire_count), as xfrm.
 *
 * Soft limits mark the SA DYING and send one soft EXPIRE; hard limits
 * remove it and send a hard EXPIRE. Time limits run from the add time or
 * the first use. Larval SAs carry a 30 s hard addtime and expire the same
 * way (state DEAD in the message when they never got an SPI).
 *
 * Policies: a hard add/use time limit removes the policy silently when it
 * passes (Linux's xfrm_policy_timer; af_key's key_notify_policy_expire
 * sends nothing); the use time counts from the last use. Soft limits have
 * no effect. Policies with limits are rare, so the timer scans the SPD
 * only while some exist.
 *
 * One timer per store instead of one per SA: os_timer_cancel must not be
 * called under a mutex its callback takes, and SAs die under mem->lock.
 * The callback takes mem->lock; pfkm_expire_fini cancels it without.
 */
#include "store_mem.h"
#include "net.h"

/* Seconds beyond this never expire (and never overflow ms arithmetic). */
#define SEC_MAX 0x10000000000ull

static void heap_swap(struct pfkm_mem *mem, uint32_t a, uint32_t b)
{
	struct pfkm_sa *t = mem->heap[a];

	mem->heap[a] = mem->heap[b];
	mem->heap[b] = t;
	mem->heap[a]->heap_idx = a;
	mem->heap[b]->heap_idx = b;
}

static void heap_up(struct pfkm_mem *mem, uint32_t i)
{
	while (i > 1 && mem->heap[i / 2]->deadline_ms > mem->heap[i]->deadline_ms) {
		heap_swap(mem, i, i / 2);
		i /= 2;
	}
}

static void heap_down(struct pfkm_mem *mem, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i, m = i;

		if (l <= mem->heap_n && mem->heap[l]->deadline_ms < mem->heap[m]->deadline_ms)
			m = l;
		if (l + 1 <= mem->heap_n && mem->heap[l + 1]->deadline_ms < mem->heap[m]->deadline_ms)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(mem, i, m);
		i = m;
	}
}

static void heap_del(struct pfkm_mem *mem, struct pfkm_sa *sa)
{
	uint32_t i = sa->heap_idx;

	if (!i)
		return;
	sa->heap_idx = 0;
	if (i != mem->heap_n) {
		struct pfkm_sa *moved = mem->heap[mem->heap_n];

		mem->heap[i] = moved;
		moved->heap_idx = i;
		mem->heap_n--;
		heap_up(mem, i);
		heap_down(mem, moved->heap_idx);
	} else {
		mem->heap_n--;
	}
}

static int heap_add(struct pfkm_mem *mem, struct pfkm_sa *sa)
{
	if (mem->heap_n + 1 >= mem->heap_cap) {
		uint32_t cap = mem->heap_cap ? mem->heap_cap * 2 : 64;
		struct pfkm_sa **h = os_zalloc(cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		if (mem->heap)
			memcpy(h, mem->heap, (mem->heap_n + 1) * sizeof(*h));
		os_free(mem->heap);
		mem->heap = h;
		mem->heap_cap = cap;
	}
	mem->heap[++mem->heap_n] = sa;
	sa->heap_idx = mem->heap_n;
	heap_up(mem, mem->heap_n);
	return 0;
}

static void consider(uint64_t *d, uint64_t base_ms, uint64_t sec)
{
	uint64_t t;

	if (!sec || !base_ms || sec >= SEC_MAX)
		return;
	t = base_ms + sec * 1000;
	if (!*d || t < *d)
		*d = t;
}

static uint64_t deadline(const struct pfkm_sa *sa)
{
	uint64_t d = 0;

	if (sa->state != PFKM_SA_LARVAL && sa->state != PFKM_SA_MATURE &&
	    sa->state != PFKM_SA_ERROR)
		return 0;
	consider(&d, sa->add_ms, sa->hard.addtime);
	consider(&d, sa->use_ms, sa->hard.usetime);
	if (!sa->dying) {
		consider(&d, sa->add_ms, sa->soft.addtime);
		consider(&d, sa->use_ms, sa->soft.usetime);
	}
	return d;
}

static void rearm(struct pfkm_mem *mem)
{
	uint64_t at = 0, now;

	if (mem->closing)
		return;
	if (mem->heap_n)
		at = mem->heap[1]->deadline_ms;
	if (mem->pol_next_ms && (!at || mem->pol_next_ms < at))
		at = mem->pol_next_ms;
	if (!at)
		return;
	if (mem->timer_at && mem->timer_at <= at)
		return;
	now = os_time_mono_ms();
	mem->timer_at = at;
	os_timer_arm(&mem->timer, at > now ? at - now : 0);
}

void pfkm_expire_sa_update(struct pfkm_mem *mem, struct pfkm_sa *sa)
{
	heap_del(mem, sa);
	sa->deadline_ms = deadline(sa);
	if (sa->deadline_ms && sa->linked && !heap_add(mem, sa))
		rearm(mem);
}

void pfkm_expire_sa_remove(struct pfkm_mem *mem, struct pfkm_sa *sa)
{
	heap_del(mem, sa);
}

/* Soft or hard EXPIRE: the engine tells the registered sockets. */
static void send_expire(struct pfkm_mem *mem, const struct pfkm_sa *sa, bool hard)
{
	mem->expires++;
	pfkm_mem_event_sa(mem, PFKM_EV_SA_EXPIRE, sa, hard);
}

static void hard_expire(struct pfkm_mem *mem, struct pfkm_sa *sa)
{
	if (sa->state == PFKM_SA_LARVAL && sa->spi == 0)
		sa->state = PFKM_SA_EXPIRED;
	pfkm_expire_sa_remove(mem, sa);
	pfkm_sadb_unlink(&mem->sadb, sa);
	send_expire(mem, sa, true);
	pfkm_sadb_sa_free(sa);
}

void pfkm_expire_sa_hard(struct pfkm_mem *mem, struct pfkm_sa *sa)
{
	os_assert_held(mem->lock);
	hard_expire(mem, sa);
}

static void soft_expire(struct pfkm_mem *mem, struct pfkm_sa *sa)
{
	sa->dying = true;
	send_expire(mem, sa, false);
	pfkm_expire_sa_update(mem, sa);
}

static bool passed(uint64_t now, uint64_t base_ms, uint64_t sec)
{
	return sec && base_ms && sec < SEC_MAX && base_ms + sec * 1000 <= now;
}

static void check_time(struct pfkm_mem *mem, struct pfkm_sa *sa, uint64_t now)
{
	if (passed(now, sa->add_ms, sa->hard.addtime) || passed(now, sa->use_ms, sa->hard.usetime)) {
		hard_expire(mem, sa);
		return;
	}
	if (!sa->dying && sa->state == PFKM_SA_MATURE &&
	    (passed(now, sa->add_ms, sa->soft.addtime) || passed(now, sa->use_ms, sa->soft.usetime))) {
		soft_expire(mem, sa);
		return;
	}
	pfkm_expire_sa_update(mem, sa);
}

static uint64_t pol_deadline(const struct pfkm_policy *p)
{
	uint64_t d = 0;

	consider(&d, p->add_ms, p->hard.addtime);
	consider(&d, p->use_ms ? p->use_ms : p->add_ms, p->hard.usetime);
	return d;
}

void pfkm_expire_policy_added(struct pfkm_mem *mem, struct pfkm_policy *pol)
{
	uint64_t d = pol_deadline(pol);

	if (!d)
		return;
	mem->pol_timed++;
	if (!mem->pol_next_ms || d < mem->pol_next_ms) {
		mem->pol_next_ms = d;
		rearm(mem);
	}
}

/* Remove policies past a hard limit; recount the others. */
static void policy_scan(struct pfkm_mem *mem, uint64_t now)
{
	struct pfkm_walk *w, *next;

	mem->pol_timed = 0;
	mem->pol_next_ms = 0;
	for (w = mem->spd.all.next; w != &mem->spd.all; w = next) {
		struct pfkm_policy *p;
		uint64_t d;

		next = w->next;
		if (w->marker)
			continue;
		p = os_container_of(w, struct pfkm_policy, all);
		d = pol_deadline(p);
		if (!d)
			continue;
		if (d <= now) {
			pfkm_spd_remove(&mem->spd, p);
			pfkm_spd_policy_put(p);
			continue;
		}
		mem->pol_timed++;
		if (!mem->pol_next_ms || d < mem->pol_next_ms)
			mem->pol_next_ms = d;
	}
}

static void expire_timer(struct os_timer *t)
{
	struct pfkm_mem *mem = os_container_of(t, struct pfkm_mem, timer);
	uint64_t now;

	os_mutex_lock(mem->lock);
	mem->timer_at = 0;
	if (mem->closing) {
		os_mutex_unlock(mem->lock);
		return;
	}
	now = os_time_mono_ms();
	while (mem->heap_n && mem->heap[1]->deadline_ms <= now) {
		struct pfkm_sa *sa = mem->heap[1];

		heap_del(mem, sa);
		check_time(mem, sa, now);
	}
	if (mem->pol_timed && mem->pol_next_ms && mem->pol_next_ms <= now)
		policy_scan(mem, now);
	rearm(mem);
	os_mutex_unlock(mem->lock);
}

void pfkm_expire_init(struct pfkm_mem *mem)
{
	os_timer_init(&mem->timer, expire_timer);
}

void pfkm_expire_fini(struct pfkm_mem *mem)
{
	os_mutex_lock(mem->lock);
	mem->closing = true;
	os_mutex_unlock(mem->lock);
	os_timer_cancel(&mem->timer);
}

/*
 * xfrm_state_check_expire: before a packet goes through the SA. The first
 * use starts the use-time limits; a hard byte/packet limit already reached
 * removes the SA (-EKEYEXPIRED, sa freed); a soft one sends the soft
 * EXPIRE. Nothing is counted here: a packet refused after this check (path
 * MTU, sequence numbers exhausted, transform error) is not in CURRENT.
 */
int pfkm_expire_check(struct pfkm_mem *mem, struct pfkm_sa *sa)
{
	os_assert_held(mem->lock);
	if (!sa->cur.usetime) {
		sa->cur.usetime = os_time_real();
		sa->use_ms = os_time_mono_ms();
		pfkm_expire_sa_update(mem, sa);
	}
	if ((sa->hard.bytes && sa->cur.bytes >= sa->hard.bytes) ||
	    (sa->hard.packets && sa->cur.packets >= sa->hard.packets)) {
		hard_expire(mem, sa);
		return -EKEYEXPIRED;
	}
	if (!sa->dying && ((sa->soft.bytes && sa->cur.bytes >= sa->soft.bytes) ||
			   (sa->soft.packets && sa->cur.packets >= sa->soft.packets)))
		soft_expire(mem, sa);
	return 0;
}

/* xfrm_output_one / xfrm_input's curlft update: the packet went through
 * the SA. The limits it may cross are seen by the next check. */
void pfkm_expire_count(struct pfkm_mem *mem, struct pfkm_sa *sa, uint32_t bytes)
{
	os_assert_held(mem->lock);
	sa->cur.bytes += bytes;
	sa->cur.packets++;
}

/* Check and count at once, for a packet already processed: inbound after
 * the decapsulation, and pfkm_net_sa_account. */
int pfkm_expire_account(struct pfkm_mem *mem, struct pfkm_sa *sa, uint32_t bytes)
{
	int ret = pfkm_expire_check(mem, sa);

	if (!ret)
		pfkm_expire_count(mem, sa, bytes);
	return ret;
}

int pfkm_net_sa_account(struct pfkm_net *net, const struct sockaddr *dst, uint32_t spi_be,
			uint8_t proto, uint32_t bytes)
{
	struct pfkm_mem *mem = pfkm_mem_of(net);
	struct pfkm_addr d;
	struct pfkm_sa *sa;
	unsigned int fam = pfkm_addr_from_sockaddr(dst, &d, NULL);
	int ret = -ESRCH;

	if (!mem)
		return -EOPNOTSUPP;
	if (!fam)
		return -EINVAL;
	os_mutex_lock(mem->lock);
	sa = pfkm_sadb_lookup(&mem->sadb, fam, &d, spi_be, proto);
	if (sa && sa->state == PFKM_SA_MATURE)
		ret = pfkm_expire_account(mem, sa, bytes);
	os_mutex_unlock(mem->lock);
	return ret;
}
