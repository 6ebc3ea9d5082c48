// SPDX-License-Identifier: BSD-2-Clause
/*
 * tun.c: the TUN device of keyd's data path and the routes into it. The
 * device is IFF_TUN | IFF_NO_PI (bare IPv4/IPv6 packets), non-blocking,
 * brought up with the MTU KEYD_TUN_MTU; routes are added and removed with
 * plain rtnetlink requests (RTM_NEWROUTE / RTM_DELROUTE in the main table
 * or keyd's own, RTM_NEWRULE / RTM_DELRULE for the rule that sends every
 * packet without keyd's mark to keyd's table; one request and its ACK at
 * a time). Nothing here prints: -errno back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "keyd.h"

int keyd_tun_open(const char *name, char *ifname, int *ifindex)
{
	struct ifreq ifr;
	int fd, s, ret;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (name) {
		if (!*name || strlen(name) >= IFNAMSIZ)
			return -EINVAL;
		strcpy(ifr.ifr_name, name);
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		goto err_fd;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		ret = -errno;
		goto err_fd;
	}
	ifr.ifr_mtu = KEYD_TUN_MTU;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
		goto err_sock;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0 || ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
		ret = -errno;
		goto err_sock;
	}
	*ifindex = ifr.ifr_ifindex;
	close(s);
	snprintf(ifname, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;

err_sock:
	close(s);
err_fd:
	close(fd);
	return ret;
}

/* Send one rtnetlink request and wait for its ACK: 0 or -errno. */
static int nl_request(struct nlmsghdr *req)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint8_t ans[1024];
	struct nlmsghdr *nh;
	ssize_t n;
	int fd, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, ans, sizeof(ans), 0);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	nh = (struct nlmsghdr *)ans;
	ret = -EPROTO;
	if (NLMSG_OK(nh, (size_t)n) && nh->nlmsg_type == NLMSG_ERROR)
		ret = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
out:
	close(fd);
	return ret;
}

/* Append attribute type with len bytes of data to the request. */
static void nl_attr(void *msg, unsigned short type, const void *data, size_t len)
{
	struct nlmsghdr *nh = msg;
	struct rtattr *ra = (struct rtattr *)((uint8_t *)msg + NLMSG_ALIGN(nh->nlmsg_len));

	ra->rta_type = type;
	ra->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(ra), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(ra->rta_len);
}

int keyd_tun_route(int ifindex, bool add, uint32_t table, int family, const uint8_t *dst,
		   unsigned int plen, const uint8_t *src)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		uint8_t attrs[128];
	} req;
	size_t alen = family == AF_INET ? 4 : 16;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	req.nh.nlmsg_seq = 1;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.rt.rtm_family = (unsigned char)family;
	req.rt.rtm_dst_len = (unsigned char)plen;
	req.rt.rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	req.rt.rtm_protocol = RTPROT_STATIC;
	req.rt.rtm_scope = RT_SCOPE_LINK;
	req.rt.rtm_type = RTN_UNICAST;
	nl_attr(&req, RTA_DST, dst, alen);
	nl_attr(&req, RTA_OIF, &ifindex, sizeof(ifindex));
	if (src)
		nl_attr(&req, RTA_PREFSRC, src, alen);
	nl_attr(&req, RTA_TABLE, &table, sizeof(table));
	return nl_request(&req.nh);
}

int keyd_tun_rule(bool add, int family, uint32_t mark, uint32_t table, uint32_t pref)
{
	struct {
		struct nlmsghdr nh;
		struct fib_rule_hdr fr;
		uint8_t attrs[64];
	} req;
	uint32_t mask = 0xffffffffu;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = add ? RTM_NEWRULE : RTM_DELRULE;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	req.nh.nlmsg_seq = 1;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct fib_rule_hdr));
	req.fr.family = (unsigned char)family;
	req.fr.table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	req.fr.action = FR_ACT_TO_TBL;
	req.fr.flags = FIB_RULE_INVERT;		/* every packet NOT carrying mark */
	nl_attr(&req, FRA_FWMARK, &mark, sizeof(mark));
	nl_attr(&req, FRA_FWMASK, &mask, sizeof(mask));
	nl_attr(&req, FRA_TABLE, &table, sizeof(table));
	nl_attr(&req, FRA_PRIORITY, &pref, sizeof(pref));
	return nl_request(&req.nh);
}
