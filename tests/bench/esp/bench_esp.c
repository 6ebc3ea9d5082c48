// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_esp.c: kmod/core ESP encapsulation (esp.c over xform_user.c) with
 * AES-GCM-16 against raw OpenSSL EVP AES-GCM on the same 1400-byte payload,
 * in the same run. Both sides keep one keyed context and encrypt in place;
 * the raw side does only nonce + 8-byte AAD + data + tag, the least any
 * RFC 4106 ESP implementation must do. Rounds alternate A/B and the best
 * round of each counts, so frequency changes hit both alike.
 * Prints one line per side and "ratio core/openssl".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>

#include "esp.h"

#define PAYLOAD 1400
#define ROUNDS 5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t key[20] = { 0x4c, 0x80, 0xcd, 0xef, 0xbb, 0x5d, 0x10, 0xda, 0x90, 0x6a,
			   0xc7, 0x3c, 0x36, 0x13, 0xa6, 0x34, 0x2e, 0x44, 0x3b, 0x68 };

/* Packets per second over `secs` of kmod/core encap. */
static double run_core(struct pfkm_esp *esp, uint8_t *buf, size_t cap, uint64_t *seq,
		       double secs)
{
	double t0 = now(), t;
	size_t n, i, done = 0;

	do {
		for (i = 0; i < 4096; i++)
			if (pfkm_esp_encap(esp, ++*seq, 4, NULL, buf, cap, PAYLOAD, &n))
				abort();
		done += 4096;
		t = now() - t0;
	} while (t < secs);
	return done / t;
}

static double run_raw(EVP_CIPHER_CTX *ctx, uint8_t *buf, uint64_t *seq, double secs)
{
	uint8_t nonce[12], aad[8] = { 0, 0, 0x43, 0x21 }, tag[16];
	double t0 = now(), t;
	size_t i, done = 0;
	int outl;

	memcpy(nonce, key + 16, 4);
	do {
		for (i = 0; i < 4096; i++) {
			++*seq;
			memcpy(nonce + 4, seq, 8);
			memcpy(aad + 4, seq, 4);
			if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
			    EVP_EncryptUpdate(ctx, NULL, &outl, aad, 8) != 1 ||
			    EVP_EncryptUpdate(ctx, buf, &outl, buf, PAYLOAD) != 1 ||
			    EVP_EncryptFinal_ex(ctx, tag, &outl) != 1 ||
			    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
				abort();
		}
		done += 4096;
		t = now() - t0;
	} while (t < secs);
	return done / t;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0, core = 0, raw = 0, r;
	static uint8_t cbuf[2048], rbuf[2048];
	const struct pfkm_alg *gcm = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm-16");
	struct pfkm_esp esp;
	EVP_CIPHER_CTX *ctx;
	uint64_t cseq = 0, rseq = 0;
	int i;

	if (!gcm || pfkm_esp_init(&esp, 0x4321, false, gcm, key, sizeof(key), NULL, NULL, 0))
		return 1;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, NULL) != 1)
		return 1;
	memset(cbuf, 0xa5, sizeof(cbuf));
	memset(rbuf, 0xa5, sizeof(rbuf));
	/* Warm up both paths (page faults, OpenSSL's lazy method fetch). */
	run_core(&esp, cbuf, sizeof(cbuf), &cseq, 0.1);
	run_raw(ctx, rbuf, &rseq, 0.1);
	for (i = 0; i < ROUNDS; i++) {
		r = run_core(&esp, cbuf, sizeof(cbuf), &cseq, secs);
		core = r > core ? r : core;
		r = run_raw(ctx, rbuf, &rseq, secs);
		raw = r > raw ? r : raw;
	}
	printf("esp-encap aes-gcm-16 %d B: kmod/core  %10.0f pkt/s  %8.1f MB/s\n", PAYLOAD, core,
	       core * PAYLOAD / 1e6);
	printf("esp-encap aes-gcm-16 %d B: openssl    %10.0f pkt/s  %8.1f MB/s\n", PAYLOAD, raw,
	       raw * PAYLOAD / 1e6);
	printf("ratio core/openssl: %.3f (goal >= 0.85)\n", core / raw);
	EVP_CIPHER_CTX_free(ctx);
	pfkm_esp_fini(&esp);
	return 0;
}
