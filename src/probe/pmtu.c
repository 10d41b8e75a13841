/* Path-MTU search from a pod: ICMP echo requests with DF set (IP_PMTUDISC_PROBE: DF, and the
 * kernel's cached path MTU ignored, so every size really goes out), bisecting between a size
 * that came back and one that did not. Each answer is one of: an echo reply (the size
 * passes), "fragmentation needed" with the next hop's MTU (RFC 1191: the path says where it
 * narrows), or nothing (the size vanishes: a black hole when smaller ones pass and no ICMP
 * ever says why). The raw socket is not connect()ed: the ICMP error comes from the router,
 * not from the target, and a connected raw socket would filter it out.
 * Where the target does not answer ICMP echo, UDP datagrams to port 33434 (traceroute's) with
 * IP_PMTUDISC_PROBE and IP_RECVERR do the same: "port unreachable" from the target means the
 * size arrived, "fragmentation needed" comes back on the error queue with its MTU. The
 * target rate-limits those errors (net.ipv4.icmp_ratelimit, ~1/s after a burst of 6), which
 * the second send of a lost size, a second later, rides out. */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
/* After <time.h>: it declares struct scm_timestamping with struct timespec. */
#include <linux/errqueue.h>

#include "base/clock.h"
#include "netns/netns.h"
#include "probe/probe.h"

/* PMTU_MIN: the smallest size every IPv4 path must carry (RFC 791: 576 bytes reassembled). */
#define PMTU_MIN 576
/* PMTU_TRIES: sends per size; one random loss must not read as "this size vanishes". */
#define PMTU_TRIES 2
/* PMTU_WAIT_MS: wait per send at most; answers within a LAN/VPC come in milliseconds. */
#define PMTU_WAIT_MS 1000
/* PMTU_PROBES_MAX: bisecting 576..9000 takes 14 sizes; a bound on packets sent. */
#define PMTU_PROBES_MAX 40
/* PMTU_BUF: the largest packet we send or read (jumbo frames). */
#define PMTU_BUF 9216
/* PMTU_UDP_PORT: traceroute's first port: nothing listens there, so the target answers
 * "port unreachable". */
#define PMTU_UDP_PORT 33434

enum { P_LOST = 0, P_OK = 1, P_FRAG = 2, P_UNREACH = 3 };

struct pm {
	int fd, netns_fd, udp;
	struct sockaddr_in dst;
	unsigned id, seq, wait_ms;
	struct probe_pmtu *m;
	unsigned char pkt[PMTU_BUF];  /* the packet sent or read, one at a time: no allocation per packet */
};

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

int probe_icmp_classify(const unsigned char *pkt, size_t n, unsigned id, unsigned seq, int *mtu)
{
	size_t ihl, iihl;
	const unsigned char *ic, *in;

	if (n < 20 || (pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_ICMP)
		return 0;
	ihl = (size_t)(pkt[0] & 0xf) * 4;
	if (ihl < 20 || n < ihl + 8)
		return 0;
	ic = pkt + ihl;
	if (ic[0] == 0 && get16(ic + 4) == id && get16(ic + 6) == seq)
		return P_OK;
	if (ic[0] != 3 && ic[0] != 11)
		return 0;
	/* The error quotes our IP header and the first 8 bytes of our echo request. */
	in = ic + 8;
	if (n < ihl + 8 + 20)
		return 0;
	iihl = (size_t)(in[0] & 0xf) * 4;
	if ((in[0] >> 4) != 4 || iihl < 20 || n < ihl + 8 + iihl + 8 || in[9] != IPPROTO_ICMP)
		return 0;
	if (in[iihl] != 8 || get16(in + iihl + 4) != id || get16(in + iihl + 6) != seq)
		return 0;
	if (ic[0] == 3 && ic[1] == 4) {
		*mtu = (int)get16(ic + 6);
		return P_FRAG;
	}
	return P_UNREACH;
}

static unsigned csum(const unsigned char *p, size_t n)
{
	unsigned long s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += get16(p + i);
	if (n & 1)
		s += (unsigned)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned)~s & 0xffff;
}

static int send_echo(struct pm *p, int size)
{
	unsigned char *pkt = p->pkt;
	size_t n = (size_t)size - 20; /* ICMP header + payload; the kernel adds the IP header */
	unsigned c;

	memset(pkt, 0xa5, n);
	pkt[0] = 8;
	pkt[1] = 0;
	pkt[2] = pkt[3] = 0;
	pkt[4] = (unsigned char)(p->id >> 8);
	pkt[5] = (unsigned char)p->id;
	pkt[6] = (unsigned char)(p->seq >> 8);
	pkt[7] = (unsigned char)p->seq;
	c = csum(pkt, n);
	pkt[2] = (unsigned char)(c >> 8);
	pkt[3] = (unsigned char)c;
	return sendto(p->fd, pkt, n, 0, (struct sockaddr *)&p->dst, sizeof p->dst) < 0 ? -1 : 0;
}

/* A UDP datagram of size bytes (IP) whose payload starts with the sequence number. */
static int send_udp(struct pm *p, int size)
{
	unsigned char *pkt = p->pkt;
	size_t n = (size_t)size - 28; /* the kernel adds IP (20) and UDP (8) headers */

	memset(pkt, 0xa5, n);
	pkt[0] = (unsigned char)(p->seq >> 8);
	pkt[1] = (unsigned char)p->seq;
	return send(p->fd, pkt, n, 0) < 0 ? -1 : 0;
}

/* What one error-queue entry (or a reply) of the UDP socket says, 0 when nothing (yet). */
static int udp_result(struct pm *p, int *mtu)
{
	unsigned char *data = p->pkt, ctl[512];
	struct iovec iov = { data, PMTU_BUF };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t k;

	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof ctl;
	k = recvmsg(p->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (k < 0)
		return recv(p->fd, data, PMTU_BUF, MSG_DONTWAIT) >= 0 ? P_OK : 0;
	/* A late error of an earlier size quotes another sequence number. */
	if (k >= 2 && (unsigned)(data[0] << 8 | data[1]) != p->seq)
		return 0;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		const struct sock_extended_err *ee = (const void *)CMSG_DATA(cm);

		if (cm->cmsg_level != IPPROTO_IP || cm->cmsg_type != IP_RECVERR)
			continue;
		if (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == 3 && ee->ee_code == 3)
			return P_OK;
		if (ee->ee_errno == EMSGSIZE || (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == 3 &&
						 ee->ee_code == 4)) {
			*mtu = (int)ee->ee_info;
			return P_FRAG;
		}
		return P_UNREACH;
	}
	return 0;
}

/* One reading of the ICMP socket: what it says about the current probe, 0 when not ours. */
static int icmp_result(struct pm *p, int *mtu)
{
	ssize_t k = recv(p->fd, p->pkt, PMTU_BUF, MSG_DONTWAIT);

	return k > 0 ? probe_icmp_classify(p->pkt, (size_t)k, p->id, p->seq, mtu) : 0;
}

/* One size: up to PMTU_TRIES sends, each waited for. */
static int try_size(struct pm *p, int size, int *mtu)
{
	struct pollfd pf = { .fd = p->fd, .events = POLLIN };
	int t, r;
	double t0, rest;

	for (t = 0; t < PMTU_TRIES && p->m->nprobes < PMTU_PROBES_MAX; t++) {
		p->seq = (p->seq + 1) & 0xffff;
		p->m->nprobes++;
		while (p->udp && udp_result(p, mtu)) /* stale errors of earlier sizes */
			;
		if ((p->udp ? send_udp(p, size) : send_echo(p, size)) < 0)
			return errno == EMSGSIZE ? P_FRAG : P_LOST;
		t0 = nr_now_ms();
		while ((rest = (double)p->wait_ms - (nr_now_ms() - t0)) > 0) {
			if (poll(&pf, 1, (int)rest + 1) <= 0)
				continue;
			r = p->udp ? udp_result(p, mtu) : icmp_result(p, mtu);
			if (r)
				return r;
		}
	}
	return P_LOST;
}

static int if_mtu(int netns_fd, const char *ifname)
{
	struct ifreq ifr;
	int fd, mtu = 0;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return 0;
	fd = netns_socket(netns_fd, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, NULL);
	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

/* The node's own route MTU towards the target (this thread is in the node's netns). */
static int node_route_mtu(const struct sockaddr_in *dst)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 0;
	socklen_t l = sizeof mtu;
	struct sockaddr_in d = *dst;

	if (fd < 0)
		return 0;
	d.sin_port = htons(9);
	if (connect(fd, (struct sockaddr *)&d, sizeof d) || getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &l))
		mtu = 0;
	close(fd);
	return mtu;
}

/* Between largest_ok (passes) and smallest_lost (does not), narrowing to one byte. */
static void bisect(struct pm *p)
{
	struct probe_pmtu *m = p->m;
	int mid, r, nh = 0;

	while (m->smallest_lost - m->largest_ok > 1 && m->nprobes < PMTU_PROBES_MAX) {
		mid = m->largest_ok + (m->smallest_lost - m->largest_ok) / 2;
		r = try_size(p, mid, &nh);
		if (r == P_OK) {
			m->largest_ok = mid;
			continue;
		}
		m->smallest_lost = mid;
		if (r == P_FRAG && nh > 0) {
			m->icmp_seen = 1;
			m->icmp_mtu = nh;
			if (nh > m->largest_ok && nh < mid && try_size(p, nh, &nh) == P_OK)
				m->largest_ok = nh;
		}
	}
}

/* 0 when done, -1 when even PMTU_MIN is not answered (this method cannot see the target). */
static int search(struct pm *p)
{
	struct probe_pmtu *m = p->m;
	int r, nh = 0, top = m->pod_mtu;

	r = try_size(p, top, &nh);
	if (r == P_OK) {
		m->largest_ok = m->mtu = top;
		m->done = 1;
		return 0;
	}
	m->smallest_lost = top;
	if (r == P_FRAG && nh > 0) {
		m->icmp_seen = 1;
		m->icmp_mtu = nh;
		if (nh >= PMTU_MIN && nh < top && try_size(p, nh, &nh) == P_OK)
			m->largest_ok = nh;
	}
	if (!m->largest_ok) {
		if (try_size(p, PMTU_MIN, &nh) != P_OK) {
			m->smallest_lost = 0;
			return -1;
		}
		m->largest_ok = PMTU_MIN;
	}
	bisect(p);
	m->mtu = m->largest_ok;
	m->done = 1;
	return 0;
}

/* The UDP socket of the fallback: connected (errors of its flow come back to it), DF set and
 * the cached path MTU ignored, errors queued. */
static int udp_open(struct pm *p, struct nr_err *e)
{
	struct sockaddr_in d = p->dst;
	int v = IP_PMTUDISC_PROBE, one = 1;

	p->fd = netns_socket(p->netns_fd, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, e);
	if (p->fd < 0)
		return -1;
	d.sin_port = htons(PMTU_UDP_PORT);
	if (setsockopt(p->fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v) ||
	    setsockopt(p->fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one) ||
	    connect(p->fd, (struct sockaddr *)&d, sizeof d)) {
		snprintf(p->m->error, sizeof p->m->error, "UDP probe socket: %s", strerror(errno));
		close(p->fd);
		p->fd = -1;
		return 0;
	}
	return 1;
}

/* ICMP echo did not reach the target: the same search with UDP. */
static int udp_fallback(struct pm *p, struct nr_err *e)
{
	struct probe_pmtu *m = p->m;
	int r = udp_open(p, e);

	if (r <= 0)
		return r;
	p->udp = 1;
	snprintf(m->method, sizeof m->method, "udp");
	m->largest_ok = m->smallest_lost = m->icmp_seen = m->icmp_mtu = 0;
	if (search(p))
		snprintf(m->error, sizeof m->error,
			 "no answer even for %d-byte packets, neither to ICMP echo nor to UDP port %d", PMTU_MIN,
			 PMTU_UDP_PORT);
	close(p->fd);
	return 0;
}

int probe_pmtu_run(int netns_fd, const struct nr_addr *a, const char *pod_if, unsigned timeout_ms,
		   struct probe_pmtu *m, struct nr_err *e)
{
	struct pm p;
	int v = IP_PMTUDISC_PROBE;
	unsigned short rnd = 0;

	memset(m, 0, sizeof *m);
	m->tried = 1;
	snprintf(m->method, sizeof m->method, "icmp");
	if (a->family != AF_INET) {
		snprintf(m->error, sizeof m->error, "the path-MTU search is IPv4 only");
		return 0;
	}
	memset(&p, 0, sizeof p);
	p.m = m;
	p.netns_fd = netns_fd;
	p.dst.sin_family = AF_INET;
	memcpy(&p.dst.sin_addr, a->a, 4);
	p.wait_ms = timeout_ms && timeout_ms < PMTU_WAIT_MS ? timeout_ms : PMTU_WAIT_MS;
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		rnd = (unsigned short)nr_now_ms();
	p.id = rnd;
	m->pod_mtu = if_mtu(netns_fd, pod_if);
	m->node_mtu = node_route_mtu(&p.dst);
	if (!m->pod_mtu)
		m->pod_mtu = 1500;
	if (m->pod_mtu > PMTU_BUF)
		m->pod_mtu = PMTU_BUF;
	p.fd = netns_socket(netns_fd, AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP, e);
	if (p.fd < 0)
		return -1;
	if (setsockopt(p.fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v)) {
		snprintf(m->error, sizeof m->error, "IP_PMTUDISC_PROBE: %s", strerror(errno));
		close(p.fd);
		return 0;
	}
	if (!search(&p)) {
		close(p.fd);
		return 0;
	}
	close(p.fd);
	return udp_fallback(&p, e);
}
