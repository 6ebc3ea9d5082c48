// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_durable.c: with --state, an acknowledged change survives kill -9
 * (issue 14). A client pipelines ADDs of new SAs and DELETEs of
 * acknowledged ones (64 in flight) while a child kills keyd with SIGKILL
 * after a random delay; keyd is restarted on the same state and dumped:
 * every acknowledged ADD is there with its own keys, every acknowledged
 * DELETE is gone, nothing that was never sent exists, and a change that
 * was in flight at the kill is either wholly there or not at all. Rounds:
 * KEYD_CRASH_ROUNDS (default 8); the seed is printed to replay a failure.
 * Also: a compaction (SIGHUP) in the middle leaves the same state.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "drv.h"

#define NSPI 40000
#define WINDOW 64

enum { ABSENT, PRESENT, IN_ADD, IN_DEL };

static uint8_t model[NSPI];	/* by spi - 0x10000 */
static struct rx r;

static size_t build(struct mb *m, uint8_t type, uint32_t i, uint32_t seq)
{
	mb_hdr(m, type, SADB_SATYPE_ESP, seq);
	mb_sa(m, 0x10000 + i, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, "10.1.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(m, SADB_EXT_ADDRESS_DST, "10.1.0.2", 32, IPSEC_PROTO_ANY, 0);
	if (type == SADB_ADD) {
		/* keys derived from the SPI: a torn or mixed SA shows */
		mb_key(m, SADB_EXT_KEY_AUTH, 160, (uint8_t)(i * 7 + 1));
		mb_key(m, SADB_EXT_KEY_ENCRYPT, 128, (uint8_t)(i * 13 + 3));
	}
	return mb_done(m);
}

static bool key_is(const struct sadb_key *k, unsigned int bits, uint8_t fill)
{
	const uint8_t *p = (const uint8_t *)(k + 1);
	unsigned int i;

	if (!k || k->sadb_key_bits != bits)
		return false;
	for (i = 0; i < bits / 8; i++)
		if (p[i] != fill)
			return false;
	return true;
}

/* Dump keyd into seen[] (1 = present), checking every SA's keys. */
static int dump_check(int fd, uint8_t *seen)
{
	struct mb m;
	int n = 0;

	memset(seen, 0, NSPI);
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_ESP, 7);
	if (drv_send(fd, m.b, m.len))
		return -1;
	for (;;) {
		const struct sadb_sa *sa;
		uint32_t i;

		if (rx_get(fd, &r, 5000))
			return -1;
		if (r.h->sadb_msg_errno == ENOENT)
			return 0;	/* empty */
		sa = rx_ext(&r, SADB_EXT_SA);
		if (!sa)
			return -1;
		i = ntohl(sa->sadb_sa_spi) - 0x10000;
		if (i >= NSPI) {
			drv_fail(__FILE__, __LINE__, "SA %#x was never sent", ntohl(sa->sadb_sa_spi));
		} else {
			seen[i] = 1;
			if (!key_is(rx_ext(&r, SADB_EXT_KEY_AUTH), 160, (uint8_t)(i * 7 + 1)) ||
			    !key_is(rx_ext(&r, SADB_EXT_KEY_ENCRYPT), 128, (uint8_t)(i * 13 + 3)))
				drv_fail(__FILE__, __LINE__, "SA %#x has other keys", 0x10000 + i);
		}
		n++;
		if (r.h->sadb_msg_seq == 0)
			return n;
	}
}

/* One round: write until keyd dies. Returns acknowledged changes. */
static int write_until_killed(struct keyd *k, uint32_t *next, unsigned int *seed)
{
	uint32_t inflight[WINDOW * 4], seq = 1;
	int fd = drv_connect(k), nin = 0, acked = 0, delay_ms;
	pid_t killer;

	if (fd < 0)
		return -1;
	delay_ms = 20 + (int)(rand_r(seed) % 400);
	if (getenv("KEYSH_VALGRIND") && strcmp(getenv("KEYSH_VALGRIND"), "0"))
		delay_ms = delay_ms * 10 + 2000;	/* valgrind starts slowly */
	killer = fork();
	if (killer == 0) {
		usleep((useconds_t)delay_ms * 1000);
		kill(k->pid, SIGKILL);
		_exit(0);
	}
	memset(inflight, 0xff, sizeof(inflight));
	for (;;) {
		struct mb m;
		int ret;

		while (nin < WINDOW && *next < NSPI) {
			uint32_t i = *next, slot = seq % (WINDOW * 4);
			uint8_t type = SADB_ADD;

			if (rand_r(seed) % 5 == 0) {
				/* delete an acknowledged SA, if we find one quickly */
				uint32_t j = *next ? (uint32_t)rand_r(seed) % *next : 0;

				if (*next && model[j] == PRESENT) {
					i = j;
					type = SADB_DELETE;
				}
			}
			if (type == SADB_ADD)
				(*next)++;
			build(&m, type, i, seq);
			if (drv_send(fd, m.b, m.len))
				goto dead;
			model[i] = type == SADB_ADD ? IN_ADD : IN_DEL;
			inflight[slot] = i;
			seq++;
			nin++;
		}
		ret = rx_get(fd, &r, 10000);
		if (ret)
			goto dead;
		if (r.h->sadb_msg_pid != DRV_PID)
			continue;	/* not ours */
		{
			uint32_t slot = r.h->sadb_msg_seq % (WINDOW * 4), i = inflight[slot];

			if (i >= NSPI) {
				drv_fail(__FILE__, __LINE__, "reply to unknown seq %u",
					 r.h->sadb_msg_seq);
				goto dead;
			}
			if (r.h->sadb_msg_errno) {
				drv_fail(__FILE__, __LINE__, "%s of %#x failed: %d",
					 r.h->sadb_msg_type == SADB_ADD ? "ADD" : "DELETE",
					 0x10000 + i, r.h->sadb_msg_errno);
				goto dead;
			}
			model[i] = r.h->sadb_msg_type == SADB_ADD ? PRESENT : ABSENT;
			inflight[slot] = 0xffffffffu;
			nin--;
			acked++;
		}
	}
dead:
	close(fd);
	waitpid(killer, NULL, 0);
	kill(k->pid, SIGKILL);	/* in case the window closed before the killer */
	waitpid(k->pid, NULL, 0);
	k->pid = -1;
	return acked;
}

/* After a restart: acknowledged state holds; resolve what was in flight. */
static void verify(struct keyd *k, uint32_t next, int round)
{
	static uint8_t seen[NSPI];
	int fd = drv_connect(k), n, lost = 0, ghost = 0;
	uint32_t i;

	REQUIRE(fd >= 0);
	n = dump_check(fd, seen);
	REQUIRE(n >= 0);
	for (i = 0; i < next; i++) {
		if (model[i] == PRESENT && !seen[i])
			lost++;
		else if (model[i] == ABSENT && seen[i])
			ghost++;
		else if (model[i] == IN_ADD || model[i] == IN_DEL)
			model[i] = seen[i] ? PRESENT : ABSENT;	/* either is right */
	}
	if (lost || ghost)
		drv_fail(__FILE__, __LINE__, "round %d: %d acknowledged ADDs lost, %d "
			 "acknowledged DELETEs undone", round, lost, ghost);
	close(fd);
}

DTEST(durable_kill9_keeps_acknowledged)
{
	const char *env = getenv("KEYD_CRASH_ROUNDS");
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	int rounds = env ? atoi(env) : 8, round, total = 0;
	uint32_t next = 0;
	struct keyd k;

	if (drv_keyd_only("keyd --state journal"))
		return;
	if (getenv("KEYD_CRASH_SEED"))
		seed = (unsigned int)strtoul(getenv("KEYD_CRASH_SEED"), NULL, 0);
	printf("    seed %u (KEYD_CRASH_SEED), %d rounds\n", seed, rounds);
	memset(model, ABSENT, sizeof(model));
	REQUIRE_EQ(drv_keyd_start(&k, true, NULL), 0);
	for (round = 0; round < rounds && next < NSPI - WINDOW * 40; round++) {
		int acked = write_until_killed(&k, &next, &seed);

		REQUIRE(acked >= 0);
		total += acked;
		REQUIRE_EQ(drv_keyd_restart(&k), 0);
		verify(&k, next, round);
	}
	printf("    %d acknowledged changes over %d kill -9, %u SAs sent\n", total, round, next);
	CHECK(total > 0);
	CHECK_EQ(drv_keyd_term(&k), 0);
	/* A clean restart after the journal was folded in at shutdown. */
	REQUIRE_EQ(drv_keyd_restart(&k), 0);
	verify(&k, next, round);
	drv_keyd_stop(&k);
}

DTEST(durable_compaction_keeps_state)
{
	static uint8_t seen[NSPI];
	struct keyd k;
	struct mb m;
	uint32_t i;
	int fd, n;

	if (drv_keyd_only("keyd --state journal"))
		return;
	REQUIRE_EQ(drv_keyd_start(&k, true, NULL), 0);
	fd = drv_connect(&k);
	REQUIRE(fd >= 0);
	for (i = 0; i < 300; i++) {
		build(&m, SADB_ADD, i, i + 1);
		REQUIRE(drv_roundtrip(fd, &m, SADB_ADD, 0));
		if (i == 150)
			kill(k.pid, SIGHUP);	/* compaction while changes go on */
	}
	for (i = 0; i < 300; i += 3) {
		build(&m, SADB_DELETE, i, i + 1);
		REQUIRE(drv_roundtrip(fd, &m, SADB_DELETE, 0));
	}
	kill(k.pid, SIGHUP);
	usleep(200000);
	close(fd);
	kill(k.pid, SIGKILL);
	waitpid(k.pid, NULL, 0);
	k.pid = -1;
	REQUIRE_EQ(drv_keyd_restart(&k), 0);
	fd = drv_connect(&k);
	REQUIRE(fd >= 0);
	n = dump_check(fd, seen);
	CHECK_EQ(n, 200);
	for (i = 0; i < 300; i++)
		if (seen[i] != (i % 3 != 0))
			drv_fail(__FILE__, __LINE__, "SA %#x %s", 0x10000 + i,
				 seen[i] ? "deleted but back" : "lost");
	close(fd);
	drv_keyd_stop(&k);
}
