/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stress.c: concurrency stress for a kernel PF_KEY implementation.
 *   stress N WRITERS
 * Forks WRITERS processes that ADD N ESP SAs in total (disjoint SPIs, one
 * address pair each), a dumper that runs SADB_DUMP once a second while they
 * write, and a monitor that reads every broadcast. Then checks:
 *   - every ADD was accepted (each writer reads its own replies: a writer's
 *     socket gets its reply as one of the ALL broadcasts, and it drains it);
 *   - each concurrent dump was well formed: seq counting up and ending at 0,
 *     no SPI twice, never more SAs than were added;
 *   - a final dump returns exactly the N SPIs, each once;
 *   - a registrar process, looping socket/REGISTER/close meanwhile (the
 *     CVE-2022-3028 race: REGISTER replies composed while the table is busy),
 *     always got a well-formed REGISTER reply with both SUPPORTED lists;
 *   - the monitor either received each ADD broadcast or the kernel counted
 *     a drop (with af_key semantics a slow reader loses messages, but the
 *     loss must be visible in /proc/net/pfkeyv2 when that file exists).
 * Prints "stress: ..." lines and exits 0 when every check held.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>
#include "../lib/msg.h"

#define MSGMAX 65536
#define SPI0 0x100000u

static uint8_t rb[MSGMAX];

static int pfkey(void)
{
	int s = socket(PF_KEY, SOCK_RAW, PF_KEY_V2);
	int sz = 4 << 20;

	if (s < 0) {
		perror("stress: socket");
		exit(2);
	}
	/* As large as the admin allows: the dumper and monitor must keep up. */
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	return s;
}

/* ADD of an ESP SA, our pid in the header (the writer finds its replies). */
static size_t build_add(struct mb *m, uint32_t spi, uint32_t seq)
{
	/* One host pair per SA (10.x.y.z -> 11.x.y.z), as a gateway with
	 * many peers has. */
	uint32_t src = htonl((10u << 24) | ((spi - SPI0) & 0xffffff));
	uint32_t dst = htonl((11u << 24) | ((spi - SPI0) & 0xffffff));

	mb_hdr(m, SADB_ADD, SADB_SATYPE_ESP, seq);
	m->h.sadb_msg_pid = getpid();
	mb_sa(m, spi, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 32);
	mb_addr_bin(m, SADB_EXT_ADDRESS_SRC, AF_INET, &src, 32, IPSEC_PROTO_ANY, 0);
	mb_addr_bin(m, SADB_EXT_ADDRESS_DST, AF_INET, &dst, 32, IPSEC_PROTO_ANY, 0);
	mb_key(m, SADB_EXT_KEY_AUTH, 160, 0x5a);
	mb_key(m, SADB_EXT_KEY_ENCRYPT, 128, 0xa5);
	return mb_done(m);
}

/* Writer w adds SPIs SPI0 + i for i = w, w + nw, ... < n. */
static int writer(unsigned w, unsigned nw, unsigned n)
{
	int s = pfkey(), bad = 0;
	unsigned pending = 0, acked = 0;
	static struct mb b;
	pid_t me = getpid();

	for (unsigned i = w; i < n; i += nw) {
		size_t l = build_add(&b, SPI0 + i, i + 1);

		if (send(s, b.b, l, 0) != (ssize_t)l) {
			bad++;
			continue;
		}
		pending++;
		/* Drain everything queued: others' broadcasts and our reply. */
		while (recv(s, rb, sizeof(rb), MSG_DONTWAIT) > 0) {
			struct sadb_msg *m = (struct sadb_msg *)rb;

			if (m->sadb_msg_pid == (uint32_t)me && m->sadb_msg_type == SADB_ADD) {
				acked++;
				if (m->sadb_msg_errno)
					bad++;
			}
		}
	}
	close(s);
	if (bad)
		fprintf(stderr, "stress: writer %u: %d failed ADDs\n", w, bad);
	printf("stress: writer %u sent %u, saw %u replies\n", w, pending, acked);
	return bad ? 1 : 0;
}

/* One DUMP; returns the number of SAs or -1 when malformed. */
static long dump_once(int s, uint8_t *seen, unsigned n)
{
	static struct mb q;
	long count = 0;
	uint32_t expect_seq = 1;

	memset(seen, 0, n);
	mb_hdr(&q, SADB_DUMP, SADB_SATYPE_ESP, 0);
	if (send(s, q.b, mb_done(&q), 0) != (ssize_t)q.len)
		return -1;
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		struct sadb_msg *m = (struct sadb_msg *)rb;
		ssize_t r;
		size_t off;

		if (poll(&p, 1, 20000) <= 0)
			return -1;
		r = recv(s, rb, sizeof(rb), 0);
		if (r < (ssize_t)sizeof(*m))
			return -1;
		if (m->sadb_msg_type != SADB_DUMP)
			continue;	/* a broadcast interleaved with the dump */
		if (m->sadb_msg_errno)
			return m->sadb_msg_errno == ENOENT ? 0 : -1;
		for (off = sizeof(*m); off + 16 <= (size_t)r;) {
			struct sadb_ext *e = (struct sadb_ext *)(rb + off);

			if (!e->sadb_ext_len)
				return -1;
			if (e->sadb_ext_type == SADB_EXT_SA) {
				uint32_t spi = ntohl(((struct sadb_sa *)e)->sadb_sa_spi);

				if (spi < SPI0 || spi - SPI0 >= n || seen[spi - SPI0]++)
					return -1;
			}
			off += e->sadb_ext_len * 8u;
		}
		count++;
		if (m->sadb_msg_seq == 0)
			return count;
		if (m->sadb_msg_seq != expect_seq++)
			return -1;
	}
}

/* Until the pipe closes: fresh socket, REGISTER (ESP or AH), check the reply. */
static int registrar(int stop_fd)
{
	unsigned n = 0, bad = 0;
	static struct mb q;

	for (;;) {
		struct pollfd p = { .fd = stop_fd, .events = POLLIN };
		int s = pfkey(), lists = 0;
		ssize_t r = -1;
		char c;

		if (s < 0)
			return 1;
		mb_hdr(&q, SADB_REGISTER, n % 2 ? SADB_SATYPE_AH : SADB_SATYPE_ESP, n + 1);
		if (send(s, q.b, mb_done(&q), 0) == (ssize_t)q.len) {
			/* Skip broadcasts until our own reply. */
			do {
				struct pollfd ps = { .fd = s, .events = POLLIN };

				r = poll(&ps, 1, 10000) > 0 ? recv(s, rb, sizeof(rb), 0) : -1;
			} while (r >= 16 && (((struct sadb_msg *)rb)->sadb_msg_type != SADB_REGISTER ||
					     ((struct sadb_msg *)rb)->sadb_msg_seq != n + 1));
		}
		if (r >= 16 && ((struct sadb_msg *)rb)->sadb_msg_len * 8 == r &&
		    !((struct sadb_msg *)rb)->sadb_msg_errno) {
			for (size_t off = 16; off + 8 <= (size_t)r;) {
				struct sadb_ext *e = (struct sadb_ext *)(rb + off);

				if (!e->sadb_ext_len || off + e->sadb_ext_len * 8u > (size_t)r)
					break;
				if (e->sadb_ext_type == SADB_EXT_SUPPORTED_AUTH ||
				    e->sadb_ext_type == SADB_EXT_SUPPORTED_ENCRYPT)
					lists++;
				off += e->sadb_ext_len * 8u;
			}
		}
		if (lists != 2)
			bad++;
		close(s);
		n++;
		if (poll(&p, 1, 0) > 0 && read(stop_fd, &c, 1) <= 0)
			break;
	}
	printf("stress: registrar did %u REGISTERs, %u bad replies\n", n, bad);
	return bad ? 1 : 0;
}

static uint64_t proc_value(const char *key)
{
	char line[128];
	size_t kl = strlen(key);
	uint64_t v = UINT64_MAX;
	FILE *f = fopen("/proc/net/pfkeyv2", "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtoull(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	unsigned n, nw, i;
	int fail = 0, st, mon, dumper_pipe[2], reg_pipe[2];
	uint8_t *seen;
	pid_t pids[64], dpid, rpid;
	long got, monitor_adds = 0;
	uint64_t drops0;

	if (argc != 3 || (n = (unsigned)atoi(argv[1])) == 0 || (nw = (unsigned)atoi(argv[2])) == 0 ||
	    nw > 64) {
		fprintf(stderr, "usage: stress N WRITERS(1..64)\n");
		return 2;
	}
	seen = calloc(n, 1);
	drops0 = proc_value("drops");
	mon = pfkey();
	if (pipe(dumper_pipe))
		return 2;
	dpid = fork();
	if (dpid == 0) {	/* dumper: until the parent closes the pipe */
		int s = pfkey(), dumps = 0;
		long last = 0;
		char c;

		close(dumper_pipe[1]);
		for (;;) {
			struct pollfd p = { .fd = dumper_pipe[0], .events = POLLIN };
			long c2 = dump_once(s, seen, n);

			if (c2 < 0) {
				fprintf(stderr, "stress: malformed concurrent dump\n");
				_exit(1);
			}
			if (c2 < last) {
				fprintf(stderr, "stress: dump shrank %ld -> %ld\n", last, c2);
				_exit(1);
			}
			last = c2;
			dumps++;
			/* A dump costs O(SAs): pace them (one a second) so the
			 * run stays linear in N while still overlapping the
			 * writers at every table size. */
			if (poll(&p, 1, 1000) > 0 && read(dumper_pipe[0], &c, 1) <= 0)
				break;
		}
		printf("stress: dumper ran %d dumps, last saw %ld SAs\n", dumps, last);
		_exit(0);
	}
	close(dumper_pipe[0]);
	if (pipe(reg_pipe))
		return 2;
	rpid = fork();
	if (rpid == 0) {
		close(reg_pipe[1]);
		_exit(registrar(reg_pipe[0]));
	}
	close(reg_pipe[0]);
	for (i = 0; i < nw; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(writer(i, nw, n));
	}
	/* Monitor in the parent until every writer is done. */
	for (unsigned done = 0; done < nw;) {
		struct pollfd p = { .fd = mon, .events = POLLIN };

		if (poll(&p, 1, 50) > 0) {
			while (recv(mon, rb, sizeof(rb), MSG_DONTWAIT) > 0)
				if (((struct sadb_msg *)rb)->sadb_msg_type == SADB_ADD)
					monitor_adds++;
		}
		for (i = 0; i < nw; i++) {
			if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
				if (!WIFEXITED(st) || WEXITSTATUS(st))
					fail = 1;
				pids[i] = 0;
				done++;
			}
		}
	}
	while (recv(mon, rb, sizeof(rb), MSG_DONTWAIT) > 0)
		if (((struct sadb_msg *)rb)->sadb_msg_type == SADB_ADD)
			monitor_adds++;
	close(dumper_pipe[1]);
	close(reg_pipe[1]);
	if (waitpid(dpid, &st, 0) != dpid || !WIFEXITED(st) || WEXITSTATUS(st))
		fail = 1;
	if (waitpid(rpid, &st, 0) != rpid || !WIFEXITED(st) || WEXITSTATUS(st))
		fail = 1;
	printf("stress: monitor saw %ld of %u ADD broadcasts\n", monitor_adds, n);
	got = dump_once(mon, seen, n);
	printf("stress: final dump %ld SAs (want %u)\n", got, n);
	if (got != (long)n)
		fail = 1;
	if (drops0 != UINT64_MAX) {
		uint64_t d = proc_value("drops") - drops0;

		printf("stress: /proc/net/pfkeyv2 sas %llu, drops %llu\n",
		       (unsigned long long)proc_value("sas"), (unsigned long long)d);
		if (proc_value("sas") != n)
			fail = 1;
		if (monitor_adds < (long)n && d == 0) {
			fprintf(stderr, "stress: monitor lost broadcasts but no drop was counted\n");
			fail = 1;
		}
	}
	close(mon);
	printf("stress: %s\n", fail ? "FAIL" : "pass");
	return fail;
}
