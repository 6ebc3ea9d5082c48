// SPDX-License-Identifier: BSD-2-Clause
/*
 * dptcp.c: a TCP transfer with a checksum for the VM's IPsec peer tests (busybox nc
 * may quit at its stdin's end before the peer's data has arrived, so the
 * transfer is done here). The sender writes BYTES of a fixed pseudo-random
 * stream; both sides print the count and an FNV-1a 64 sum of the bytes.
 *   dptcp recv PORT SECONDS        -> "bytes N sum HEX" after the peer closes
 *   dptcp send ADDR PORT BYTES     -> "bytes N sum HEX" of what it sent
 * recv listens on IPv6 and IPv4 (one dual-stack socket); ADDR is an IPv4 or
 * IPv6 literal. send retries a refused connection for 10 s, so it may be
 * started right after recv (no sleep waiting for the listener).
 * Exit 0 on a complete transfer, 1 on any error or timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static int do_recv(int port, int secs)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = secs };
	uint64_t h = 0xcbf29ce484222325ull, n = 0;
	unsigned char buf[65536];
	int one = 1, zero = 0, l, c;
	ssize_t r;

	l = socket(AF_INET6, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1)) {
		perror("dptcp: listen");
		return 1;
	}
	c = accept(l, NULL, NULL);
	if (c < 0 || setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		perror("dptcp: accept");
		return 1;
	}
	while ((r = read(c, buf, sizeof(buf))) > 0) {
		h = fnv(h, buf, (size_t)r);
		n += (uint64_t)r;
	}
	if (r < 0) {
		perror("dptcp: read");
		return 1;
	}
	printf("bytes %llu sum %016llx\n", (unsigned long long)n, (unsigned long long)h);
	return 0;
}

static int do_send(const char *ip, int port, uint64_t total)
{
	struct sockaddr_storage a;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&a;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a;
	uint64_t h = 0xcbf29ce484222325ull, n = 0, x = 0x9e3779b97f4a7c15ull;
	unsigned char buf[16384];
	socklen_t alen;
	int s, tries;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		alen = sizeof(*a4);
	} else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		alen = sizeof(*a6);
	} else {
		fprintf(stderr, "dptcp: bad address %s\n", ip);
		return 1;
	}
	for (tries = 0;; tries++) {	/* refused: 200 x 50 ms for the listener */
		s = socket(a.ss_family, SOCK_STREAM, 0);
		if (s < 0) {
			perror("dptcp: socket");
			return 1;
		}
		if (!connect(s, (struct sockaddr *)&a, alen))
			break;
		if (errno != ECONNREFUSED || tries == 200) {
			perror("dptcp: connect");
			return 1;
		}
		close(s);
		usleep(50000);
	}
	while (n < total) {
		size_t len = total - n < sizeof(buf) ? (size_t)(total - n) : sizeof(buf), i, off = 0;

		for (i = 0; i < len; i++) {	/* xorshift64 */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (unsigned char)x;
		}
		while (off < len) {
			ssize_t w = write(s, buf + off, len - off);

			if (w <= 0) {
				perror("dptcp: write");
				return 1;
			}
			off += (size_t)w;
		}
		h = fnv(h, buf, len);
		n += len;
	}
	if (shutdown(s, SHUT_WR) || close(s)) {
		perror("dptcp: close");
		return 1;
	}
	printf("bytes %llu sum %016llx\n", (unsigned long long)n, (unsigned long long)h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: dptcp recv PORT SECONDS | dptcp send ADDR PORT BYTES\n");
	return 2;
}
