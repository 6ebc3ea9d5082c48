// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * expire.c: owns SA lifetimes: the per-net min-heap of SA deadlines and the
 * one timer that serves it, byte/packet accounting, and the EXPIRE messages
 * (SA, [HARD|SOFT], CURRENT, SRC, DST, SA2; no keys; seq = pid = 0; to
 * registered sockets), as Linux's xfrm_timer_handler,
 * xfrm_state_check_expire and key_notify_sa_expire. Byte/packet limits are
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
 * One timer per net instead of one per SA: os_timer_cancel must not be
 * called under a mutex its callback takes, and SAs die under net->lock.
 * The callback takes net->lock; pfkm_expire_fini cancels it without.
 */
#include "net.h"

/* Seconds beyond this never expire (and never overflow ms arithmetic). */
#define SEC_MAX 0x10000000000ull

static void heap_swap(struct pfkm_net *net, uint32_t a, uint32_t b)
{
	struct pfkm_sa *t = net->heap[a];

	net->heap[a] = net->heap[b];
	net->heap[b] = t;
	net->heap[a]->heap_idx = a;
	net->heap[b]->heap_idx = b;
}

static void heap_up(struct pfkm_net *net, uint32_t i)
{
	while (i > 1 && net->heap[i / 2]->deadline_ms > net->heap[i]->deadline_ms) {
		heap_swap(net, i, i / 2);
		i /= 2;
	}
}

static void heap_down(struct pfkm_net *net, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i, m = i;

		if (l <= net->heap_n && net->heap[l]->deadline_ms < net->heap[m]->deadline_ms)
			m = l;
		if (l + 1 <= net->heap_n && net->heap[l + 1]->deadline_ms < net->heap[m]->deadline_ms)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(net, i, m);
		i = m;
	}
}

static void heap_del(struct pfkm_net *net, struct pfkm_sa *sa)
{
	uint32_t i = sa->heap_idx;

	if (!i)
		return;
	sa->heap_idx = 0;
	if (i != net->heap_n) {
		struct pfkm_sa *moved = net->heap[net->heap_n];

		net->heap[i] = moved;
		moved->heap_idx = i;
		net->heap_n--;
		heap_up(net, i);
		heap_down(net, moved->heap_idx);
	} else {
		net->heap_n--;
	}
}

static int heap_add(struct pfkm_net *net, struct pfkm_sa *sa)
{
	if (net->heap_n + 1 >= net->heap_cap) {
		uint32_t cap = net->heap_cap ? net->heap_cap * 2 : 64;
		struct pfkm_sa **h = os_zalloc(cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		if (net->heap)
			memcpy(h, net->heap, (net->heap_n + 1) * sizeof(*h));
		os_free(net->heap);
		net->heap = h;
		net->heap_cap = cap;
	}
	net->heap[++net->heap_n] = sa;
	sa->heap_idx = net->heap_n;
	heap_up(net, net->heap_n);
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

static void rearm(struct pfkm_net *net)
{
	uint64_t at = 0, now;

	if (net->closing)
		return;
	if (net->heap_n)
		at = net->heap[1]->deadline_ms;
	if (net->pol_next_ms && (!at || net->pol_next_ms < at))
		at = net->pol_next_ms;
	if (!at)
		return;
	if (net->timer_at && net->timer_at <= at)
		return;
	now = os_time_mono_ms();
	net->timer_at = at;
	os_timer_arm(&net->timer, at > now ? at - now : 0);
}

void pfkm_expire_sa_update(struct pfkm_net *net, struct pfkm_sa *sa)
{
	heap_del(net, sa);
	sa->deadline_ms = deadline(sa);
	if (sa->deadline_ms && sa->linked && !heap_add(net, sa))
		rearm(net);
}

void pfkm_expire_sa_remove(struct pfkm_net *net, struct pfkm_sa *sa)
{
	heap_del(net, sa);
}

/* key_notify_sa_expire */
static void send_expire(struct pfkm_net *net, const struct pfkm_sa *sa, bool hard)
{
	struct pfkm_mbuf m;

	if (pfkm_sa_msg_compose(sa, false, hard ? 2 : 1, SADB_EXPIRE, &m))
		return;
	net->st.expires++;
	pfkm_sock_bcast_mbuf(net, &m, PFKM_BCAST_REGISTERED, NULL);
}

static void hard_expire(struct pfkm_net *net, struct pfkm_sa *sa)
{
	if (sa->state == PFKM_SA_LARVAL && sa->spi == 0)
		sa->state = PFKM_SA_EXPIRED;
	pfkm_expire_sa_remove(net, sa);
	pfkm_sadb_unlink(&net->sadb, sa);
	send_expire(net, sa, true);
	pfkm_sadb_sa_free(sa);
}

void pfkm_expire_sa_hard(struct pfkm_net *net, struct pfkm_sa *sa)
{
	os_assert_held(&net->lock);
	hard_expire(net, sa);
}

static void soft_expire(struct pfkm_net *net, struct pfkm_sa *sa)
{
	sa->dying = true;
	send_expire(net, sa, false);
	pfkm_expire_sa_update(net, sa);
}

static bool passed(uint64_t now, uint64_t base_ms, uint64_t sec)
{
	return sec && base_ms && sec < SEC_MAX && base_ms + sec * 1000 <= now;
}

static void check_time(struct pfkm_net *net, struct pfkm_sa *sa, uint64_t now)
{
	if (passed(now, sa->add_ms, sa->hard.addtime) || passed(now, sa->use_ms, sa->hard.usetime)) {
		hard_expire(net, sa);
		return;
	}
	if (!sa->dying && sa->state == PFKM_SA_MATURE &&
	    (passed(now, sa->add_ms, sa->soft.addtime) || passed(now, sa->use_ms, sa->soft.usetime))) {
		soft_expire(net, sa);
		return;
	}
	pfkm_expire_sa_update(net, sa);
}

static uint64_t pol_deadline(const struct pfkm_policy *p)
{
	uint64_t d = 0;

	consider(&d, p->add_ms, p->hard.addtime);
	consider(&d, p->use_ms ? p->use_ms : p->add_ms, p->hard.usetime);
	return d;
}

void pfkm_expire_policy_added(struct pfkm_net *net, struct pfkm_policy *pol)
{
	uint64_t d = pol_deadline(pol);

	if (!d)
		return;
	net->pol_timed++;
	if (!net->pol_next_ms || d < net->pol_next_ms) {
		net->pol_next_ms = d;
		rearm(net);
	}
}

/* Remove policies past a hard limit; recount the others. */
static void policy_scan(struct pfkm_net *net, uint64_t now)
{
	struct pfkm_walk *w, *next;

	net->pol_timed = 0;
	net->pol_next_ms = 0;
	for (w = net->spd.all.next; w != &net->spd.all; w = next) {
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
			pfkm_spd_remove(&net->spd, p);
			pfkm_spd_policy_put(p);
			continue;
		}
		net->pol_timed++;
		if (!net->pol_next_ms || d < net->pol_next_ms)
			net->pol_next_ms = d;
	}
}

static void expire_timer(struct os_timer *t)
{
	struct pfkm_net *net = os_container_of(t, struct pfkm_net, timer);
	uint64_t now;

	os_mutex_lock(&net->lock);
	net->timer_at = 0;
	if (net->closing) {
		os_mutex_unlock(&net->lock);
		return;
	}
	now = os_time_mono_ms();
	while (net->heap_n && net->heap[1]->deadline_ms <= now) {
		struct pfkm_sa *sa = net->heap[1];

		heap_del(net, sa);
		check_time(net, sa, now);
	}
	if (net->pol_timed && net->pol_next_ms && net->pol_next_ms <= now)
		policy_scan(net, now);
	rearm(net);
	os_mutex_unlock(&net->lock);
}

void pfkm_expire_init(struct pfkm_net *net)
{
	os_timer_init(&net->timer, expire_timer);
}

void pfkm_expire_fini(struct pfkm_net *net)
{
	os_mutex_lock(&net->lock);
	net->closing = true;
	os_mutex_unlock(&net->lock);
	os_timer_cancel(&net->timer);
}

/*
 * xfrm_state_check_expire: before a packet goes through the SA. The first
 * use starts the use-time limits; a hard byte/packet limit already reached
 * removes the SA (-EKEYEXPIRED, sa freed); a soft one sends the soft
 * EXPIRE. Nothing is counted here: a packet refused after this check (path
 * MTU, sequence numbers exhausted, transform error) is not in CURRENT.
 */
int pfkm_expire_check(struct pfkm_net *net, struct pfkm_sa *sa)
{
	os_assert_held(&net->lock);
	if (!sa->cur.usetime) {
		sa->cur.usetime = os_time_real();
		sa->use_ms = os_time_mono_ms();
		pfkm_expire_sa_update(net, sa);
	}
	if ((sa->hard.bytes && sa->cur.bytes >= sa->hard.bytes) ||
	    (sa->hard.packets && sa->cur.packets >= sa->hard.packets)) {
		hard_expire(net, sa);
		return -EKEYEXPIRED;
	}
	if (!sa->dying && ((sa->soft.bytes && sa->cur.bytes >= sa->soft.bytes) ||
			   (sa->soft.packets && sa->cur.packets >= sa->soft.packets)))
		soft_expire(net, sa);
	return 0;
}

/* xfrm_output_one / xfrm_input's curlft update: the packet went through
 * the SA. The limits it may cross are seen by the next check. */
void pfkm_expire_count(struct pfkm_net *net, struct pfkm_sa *sa, uint32_t bytes)
{
	os_assert_held(&net->lock);
	sa->cur.bytes += bytes;
	sa->cur.packets++;
}

/* Check and count at once, for a packet already processed: inbound after
 * the decapsulation, and pfkm_net_sa_account. */
int pfkm_expire_account(struct pfkm_net *net, struct pfkm_sa *sa, uint32_t bytes)
{
	int ret = pfkm_expire_check(net, sa);

	if (!ret)
		pfkm_expire_count(net, sa, bytes);
	return ret;
}

int pfkm_net_sa_account(struct pfkm_net *net, const struct sockaddr *dst, uint32_t spi_be,
			uint8_t proto, uint32_t bytes)
{
	struct pfkm_addr d;
	struct pfkm_sa *sa;
	unsigned int fam = pfkm_addr_from_sockaddr(dst, &d, NULL);
	int ret = -ESRCH;

	if (!fam)
		return -EINVAL;
	os_mutex_lock(&net->lock);
	sa = pfkm_sadb_lookup(&net->sadb, fam, &d, spi_be, proto);
	if (sa && sa->state == PFKM_SA_MATURE)
		ret = pfkm_expire_account(net, sa, bytes);
	os_mutex_unlock(&net->lock);
	return ret;
}
