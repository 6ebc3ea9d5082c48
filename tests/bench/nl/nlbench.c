// SPDX-License-Identifier: BSD-2-Clause
/*
 * nlbench.c: the PF_KEY engine on the XFRM netlink store against iproute2,
 * in the VM (tests/vm/nl-run.sh bench): N ESP SAs (AES-CBC + HMAC-SHA1,
 * transport, 10.a.b.1 -> 10.a.b.2, the SAs of tests/vm/suite.sh's bench)
 * installed by PF_KEY ADD through the engine, then by `ip -batch`; a DUMP
 * of the N SAs through the engine against `ip xfrm state list`. Every run
 * is checked (the kernel holds N SAs; the dump saw N). Prints
 *   BENCH name N seconds
 * Usage: nlbench N [events]   (events: the store subscribes to the groups,
 * so its own notifications are read back too, as keysh's would be; and a
 * monitor run: `ip -batch` adds N SAs in another process while the store's
 * event socket, default 4 MiB, is read as fast as it goes: SADB_ADDs
 * delivered and ENOBUFS losses counted, "BENCH monitor N delivered lost")
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../../unit/test_core.h"
#include "../../../src/xfrm/store_nl.h"

/* test_core.h's helpers report through these (unit.h). */
void unit_fail(const char *file, int line, const char *expr)
{
	fprintf(stderr, "%s:%d: %s\n", file, line, expr);
	exit(1);
}

void unit_failf(const char *file, int line, const char *fmt, ...)
{
	fprintf(stderr, "%s:%d: %s\n", file, line, fmt);
	exit(1);
}

void unit_register(struct unit_case *c)
{
	(void)c;
}

static struct pfkm_store *kept;

static int keep_store(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out)
{
	int ret = xfrm_store_nl_create(cb, arg, out);

	kept = ret ? NULL : *out;
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long kernel_sas(void)
{
	unsigned long n = 0;
	FILE *f = popen("$IP xfrm state count", "r");

	if (f) {
		if (fscanf(f, " SAD count %lu", &n) != 1)
			n = 0;
		pclose(f);
	}
	return n;
}

/* A socket whose deliveries are counted and dropped (dumps of 100k). */
static size_t dumped;

static int count_deliver(struct pfkm_sock *sk, const void *msg, size_t len)
{
	(void)sk;
	(void)msg;
	(void)len;
	dumped++;
	return 0;
}

static size_t zero(struct pfkm_sock *sk)
{
	(void)sk;
	return 0;
}

static size_t big(struct pfkm_sock *sk)
{
	(void)sk;
	return 1u << 30;
}

static const struct pfkm_sock_ops count_ops = { .deliver = count_deliver, .rmem = zero, .rcvbuf = big };

int main(int argc, char **argv)
{
	struct xfrm_store_nl_opts opts = { .no_events = true };
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 10000, i;
	bool events = argc > 2 && !strcmp(argv[2], "events");
	struct pfkm_net *net;
	struct pfkm_sock *sk;
	struct cap c;
	double t;
	FILE *f;
	struct mb m;
	int ret;

	if (system("$IP xfrm state flush"))
		return 1;
	ret = pfkm_net_create_on(xfrm_store_nl_create, events ? NULL : &opts, &net);
	if (ret) {
		fprintf(stderr, "nlbench: %s\n", strerror(-ret));
		return 1;
	}
	cap_open(net, &c);
	t = now();
	for (i = 0; i < n; i++) {
		char s[32], d[32];

		snprintf(s, sizeof(s), "10.%lu.%lu.1", i / 250 % 250, i % 250);
		snprintf(d, sizeof(d), "10.%lu.%lu.2", i / 250 % 250, i % 250);
		mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, (uint32_t)i + 1);
		mb_sa(&m, 65536 + (uint32_t)i, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, s, -1, 0, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, d, -1, 0, 0);
		mb_key(&m, SADB_EXT_KEY_AUTH, 160, 0xaa);
		mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0xee);
		if (mb_send(&c, &m) || cap_errno(&c) != -1) {
			fprintf(stderr, "nlbench: ADD %lu failed (%d)\n", i, cap_errno(&c));
			return 1;
		}
		cap_clear(&c);
	}
	printf("BENCH nl-engine-add%s %lu %.3f\n", events ? "-events" : "", n, now() - t);
	if (kernel_sas() != n) {
		fprintf(stderr, "nlbench: the kernel holds %lu SAs\n", kernel_sas());
		return 1;
	}
	sk = pfkm_sock_create(net, &count_ops, NULL);
	mb_hdr(&m, SADB_DUMP, SADB_SATYPE_ESP, 1);
	t = now();
	if (pfkm_sock_send(sk, m.b, mb_done(&m)) || dumped != n) {
		fprintf(stderr, "nlbench: DUMP gave %zu of %lu\n", dumped, n);
		return 1;
	}
	printf("BENCH nl-engine-dump %lu %.3f\n", n, now() - t);
	pfkm_sock_release(sk);
	t = now();
	if (system("$IP xfrm state list > /tmp/ip.list"))
		return 1;
	printf("BENCH ip-xfrm-state-list %lu %.3f\n", n, now() - t);
	if (system("$IP xfrm state flush"))
		return 1;
	f = fopen("/tmp/ip.batch", "w");
	if (!f)
		return 1;
	for (i = 0; i < n; i++)
		fprintf(f, "xfrm state add src 10.%lu.%lu.1 dst 10.%lu.%lu.2 proto esp spi 0x%lx "
			"mode transport enc cbc(aes) 0x00112233445566778899aabbccddeeff auth-trunc "
			"hmac(sha1) 0x00112233445566778899aabbccddeeff00112233 96\n",
			i / 250 % 250, i % 250, i / 250 % 250, i % 250, 65536 + i);
	fclose(f);
	t = now();
	if (system("$IP -batch /tmp/ip.batch"))
		return 1;
	printf("BENCH ip-batch-add %lu %.3f\n", n, now() - t);
	if (kernel_sas() != n)
		return 1;
	if (events) {
		struct xfrm_store_nl_stats st;
		struct pfkm_store *store = NULL;
		unsigned long adds = 0;
		pid_t pid;
		size_t k;
		int wst;

		if (system("$IP xfrm state flush"))
			return 1;
		/* the store's event socket: the net's store via a fresh engine */
		cap_close(&c);
		pfkm_net_destroy(net);
		ret = pfkm_net_create_on(keep_store, NULL, &net);
		if (ret)
			return 1;
		store = kept;
		cap_open(net, &c);
		pid = fork();
		if (pid == 0)
			_exit(system("$IP -batch /tmp/ip.batch") ? 1 : 0);
		t = now();
		for (;;) {
			struct pollfd pf = { .fd = xfrm_store_nl_monitor_fd(store), .events = POLLIN };

			if (poll(&pf, 1, 2000) <= 0 && waitpid(pid, &wst, WNOHANG) == pid)
				break;
			xfrm_store_nl_monitor_read(store);
			for (k = 0; k < c.n; k++)
				adds += cap_hdr(&c, k)->sadb_msg_type == SADB_ADD;
			cap_clear(&c);
		}
		xfrm_store_nl_stats(store, &st);
		printf("BENCH monitor %lu %lu %lu %.3f\n", n, adds, (unsigned long)st.lost, now() - t);
		if (!WIFEXITED(wst) || WEXITSTATUS(wst) || adds + st.lost == 0 ||
		    (st.lost == 0 && adds != n))
			return 1;
	}
	cap_close(&c);
	pfkm_net_destroy(net);
	return system("$IP xfrm state flush") ? 1 : 0;
}
