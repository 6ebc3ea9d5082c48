// SPDX-License-Identifier: BSD-2-Clause
/*
 * keytui_load.c: load generator for the keytui benchmark, built on
 * libpfkey's builders.
 *   keytui_load SOCKET load N        add N ESP SAs (distinct SPI and dst)
 *   keytui_load SOCKET churn RATE S  for S seconds, ADD then DELETE SAs at
 *                                    RATE requests/s: each is one broadcast
 *                                    keytui's event socket has to take
 * Prints what it achieved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "pfk.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sa_of(struct pfk_sa *sa, uint32_t i)
{
	memset(sa, 0, sizeof(*sa));
	sa->has = PFK_SA_HAS_SA | PFK_SA_HAS_SA2 | PFK_SA_HAS_SRC | PFK_SA_HAS_DST |
		  PFK_SA_HAS_AUTH_KEY | PFK_SA_HAS_ENC_KEY;
	sa->satype = PFK_SATYPE_ESP;
	sa->spi = 0x1000 + i;
	sa->mode = PFK_MODE_TRANSPORT;
	sa->auth_alg = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256")->id;
	sa->enc_alg = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc")->id;
	sa->src.family = sa->dst.family = AF_INET;
	sa->src.prefixlen = sa->dst.prefixlen = 32;
	sa->src.proto = sa->dst.proto = 255;
	sa->src.a.v4.s_addr = htonl(0x0a000001);
	sa->dst.a.v4.s_addr = htonl(0x0a010000 + (i % 65000));
	sa->auth_key.bits = 256;
	memset(sa->auth_key.data, 0xa5, 32);
	sa->enc_key.bits = 128;
	memset(sa->enc_key.data, 0x5a, 16);
}

/* Send one request and wait for its reply (skipping broadcasts of others). */
static int request(struct pfk_conn *c, uint8_t *buf, int len, uint8_t *rx, enum pfk_msgtype type)
{
	struct pfk_msg *m = calloc(1, sizeof(*m));
	int n, ret = -ETIMEDOUT;
	uint32_t seq = c->seq;

	if (!m)
		return -ENOMEM;
	if (pfk_conn_send(c, buf, (size_t)len) < 0)
		goto out;
	for (;;) {
		n = pfk_conn_recv(c, rx, PFKM_MSG_MAX, 5000);
		if (n <= 0)
			break;
		if (pfk_parse(rx, (size_t)n, m))
			continue;
		if (m->type == type && m->seq == seq && m->pid == c->pid) {
			ret = -(int)m->errno_;
			break;
		}
	}
out:
	pfk_msg_wipe(m);
	free(m);
	return ret;
}

int main(int argc, char **argv)
{
	struct pfk_conn c;
	struct pfk_sa sa;
	uint8_t *buf = malloc(PFKM_MSG_MAX), *rx = malloc(PFKM_MSG_MAX);
	struct pfk_buf b;
	unsigned long n, i, errs = 0;
	double t0, t1;
	int len, ret;

	if (argc < 4 || !buf || !rx) {
		fprintf(stderr, "usage: keytui_load SOCKET load N | churn RATE SECONDS\n");
		return 2;
	}
	ret = pfk_conn_open(&c, PFK_BACKEND_KEYD, argv[1]);
	if (ret) {
		fprintf(stderr, "keytui_load: %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	if (!strcmp(argv[2], "load")) {
		n = strtoul(argv[3], NULL, 0);
		t0 = now();
		for (i = 0; i < n; i++) {
			sa_of(&sa, (uint32_t)i);
			b = (struct pfk_buf){ buf, PFKM_MSG_MAX, 0 };
			len = pfk_build_add(&b, &sa, ++c.seq, c.pid);
			if (len < 0 || request(&c, buf, len, rx, PFK_T_ADD))
				errs++;
		}
		t1 = now();
		printf("keytui_load: %lu SAs added in %.2f s (%lu errors)\n", n, t1 - t0, errs);
	} else if (!strcmp(argv[2], "churn") && argc > 4) {
		double rate = strtod(argv[3], NULL), secs = strtod(argv[4], NULL), t;
		unsigned long done = 0;

		t0 = now();
		for (i = 0; (t = now()) - t0 < secs; i++) {
			/* pace: never run ahead of RATE */
			while ((double)done / rate > t - t0) {
				struct timespec ts = { 0, 200000 };

				nanosleep(&ts, NULL);
				t = now();
			}
			sa_of(&sa, 0x800000 + (uint32_t)(i % 1000));
			b = (struct pfk_buf){ buf, PFKM_MSG_MAX, 0 };
			len = (i / 1000) % 2 ? pfk_build_delete(&b, &sa, ++c.seq, c.pid) :
					       pfk_build_add(&b, &sa, ++c.seq, c.pid);
			if (len < 0 || request(&c, buf, len, rx, (i / 1000) % 2 ? PFK_T_DELETE : PFK_T_ADD))
				errs++;
			done++;
		}
		t1 = now();
		printf("keytui_load: churn %lu requests in %.2f s = %.0f/s (%lu errors)\n",
		       done, t1 - t0, (double)done / (t1 - t0), errs);
	} else {
		fprintf(stderr, "usage: keytui_load SOCKET load N | churn RATE SECONDS\n");
		return 2;
	}
	pfk_conn_close(&c);
	explicit_bzero(&sa, sizeof(sa));
	free(buf);
	free(rx);
	return errs ? 1 : 0;
}
