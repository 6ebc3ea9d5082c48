// SPDX-License-Identifier: BSD-2-Clause
/*
 * dpcap.c: count IPv4 packets by protocol on one interface for a while
 * (tests/vm/dp.sh runs it in namespace a on the veth, proving that no
 * clear-text ICMP crossed while ESP/AH did). A raw AF_PACKET socket, so
 * no tcpdump is needed in the VM.
 *   dpcap IFNAME SECONDS  ->  "icmp N esp N ah N other N ah_esp N"
 * ah_esp counts the AH frames whose AH next header is ESP (an AH+ESP bundle
 * in transport mode: AH outermost, ESP inside it).
 * Stops after SECONDS or at SIGTERM/SIGINT (then prints what it counted).
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	unsigned long icmp = 0, esp = 0, ah = 0, other = 0, ah_esp = 0;
	unsigned char buf[2048];
	time_t end;
	int fd;

	if (argc != 3)
		return 2;
	/* ETH_P_ALL: packet taps see outgoing frames only through ptype_all */
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	ll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (fd < 0 || !ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		perror("dpcap");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	end = time(NULL) + atoi(argv[2]);
	while (!stop && time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 20 || from.sll_protocol != htons(ETH_P_IP))
			continue;
		switch (buf[9]) {
		case 1: icmp++; break;
		case 50: esp++; break;
		case 51:
			ah++;
			/* AH next header: first byte after the IPv4 header */
			if (n > (ssize_t)((buf[0] & 15) * 4) && buf[(buf[0] & 15) * 4] == 50)
				ah_esp++;
			break;
		default: other++; break;
		}
	}
	printf("icmp %lu esp %lu ah %lu other %lu ah_esp %lu\n", icmp, esp, ah, other, ah_esp);
	return 0;
}
