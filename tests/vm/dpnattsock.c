// SPDX-License-Identifier: BSD-2-Clause
/*
 * dpnattsock.c: UDP sockets for the NAT-T (RFC 3948) cases of the VM's
 * IPsec peer tests.
 *   dpnattsock encap PORT SECONDS
 *       Linux xfrm decapsulates ESP in UDP only when it arrives on a UDP
 *       socket with UDP_ENCAP_ESPINUDP set (what an IKE daemon opens): an
 *       IPv4 and an IPv6-only one bound to PORT, kept open SECONDS (or
 *       until killed). Prints "ready" once both are set up.
 *   dpnattsock recv PORT SECONDS
 *       an ordinary UDP socket (IPv4) bound to PORT: prints
 *       "got LEN HEX" (first 16 bytes) per datagram, then "count N".
 *   dpnattsock send ADDR PORT HEX [SPORT]
 *       one datagram with payload HEX to ADDR:PORT (from SPORT if given).
 * Exit status 0 on success, 1 on any socket error (printed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

static int fail(const char *what)
{
	fprintf(stderr, "dpnattsock: %s: %s\n", what, strerror(errno));
	return 1;
}

static int bound(int family, unsigned int port)
{
	int fd = socket(family, SOCK_DGRAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a)))
			goto err;
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

		if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
			goto err;
	}
	return fd;
err:
	close(fd);
	return -1;
}

static int do_encap(unsigned int port, unsigned int secs)
{
	int type = UDP_ENCAP_ESPINUDP, fd4, fd6;

	fd4 = bound(AF_INET, port);
	if (fd4 < 0)
		return fail("ipv4 socket");
	if (setsockopt(fd4, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)))
		return fail("ipv4 UDP_ENCAP");
	fd6 = bound(AF_INET6, port);
	if (fd6 < 0)
		return fail("ipv6 socket");
	if (setsockopt(fd6, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)))
		return fail("ipv6 UDP_ENCAP");
	printf("ready\n");
	fflush(stdout);
	sleep(secs);
	close(fd4);
	close(fd6);
	return 0;
}

static int do_recv(unsigned int port, unsigned int secs)
{
	int fd = bound(AF_INET, port);
	time_t end = time(NULL) + secs;
	unsigned int n = 0;
	unsigned char b[2048];

	if (fd < 0)
		return fail("socket");
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;
		ssize_t i;

		if (poll(&p, 1, 200) <= 0)
			continue;
		r = recv(fd, b, sizeof(b), 0);
		if (r < 0)
			return fail("recv");
		printf("got %zd ", r);
		for (i = 0; i < r && i < 16; i++)
			printf("%02x", b[i]);
		printf("\n");
		fflush(stdout);
		n++;
	}
	printf("count %u\n", n);
	close(fd);
	return 0;
}

static int do_send(const char *addr, unsigned int port, const char *hex, unsigned int sport)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	unsigned char b[1024];
	size_t n = 0, len = strlen(hex);
	int fd;

	if (len % 2 || len / 2 > sizeof(b) || inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "dpnattsock: bad address or hex\n");
		return 1;
	}
	for (n = 0; n < len / 2; n++) {
		unsigned int v;

		if (sscanf(hex + 2 * n, "%2x", &v) != 1)
			return 1;
		b[n] = (unsigned char)v;
	}
	fd = sport ? bound(AF_INET, sport) : socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket");
	if (sendto(fd, b, n, 0, (struct sockaddr *)&a, sizeof(a)) != (ssize_t)n)
		return fail("sendto");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "encap"))
		return do_encap((unsigned int)atoi(argv[2]), (unsigned int)atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "recv"))
		return do_recv((unsigned int)atoi(argv[2]), (unsigned int)atoi(argv[3]));
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "send"))
		return do_send(argv[2], (unsigned int)atoi(argv[3]), argv[4],
			       argc == 6 ? (unsigned int)atoi(argv[5]) : 0);
	fprintf(stderr, "usage: dpnattsock encap PORT SECONDS | recv PORT SECONDS |"
		" send ADDR PORT HEX [SPORT]\n");
	return 2;
}
