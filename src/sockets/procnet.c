/* /proc/net/{tcp,tcp6,udp,udp6}: one header line, then per socket
 *   "  sl: LOCAL:PORT REMOTE:PORT ST TXQ:RXQ TR:WHEN RETR UID TIMEOUT INODE ..."
 * Addresses are the in-kernel 32-bit words printed with %08X (host byte order), so the bytes
 * come back by storing each word natively (see net/ipv4/tcp_ipv4.c get_tcp4_sock()). */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sockets/sockets.h"
#include "base/parse.h"

/* PN_FIELDS: the fields we use are the first 10 of a line. */
#define PN_FIELDS 10


/* n hex digits -> *v; 0 or -1. */
static int hexn(const char *s, size_t n, unsigned long long *v)
{
	size_t i;
	int h;

	*v = 0;
	if (!n || n > 16)
		return -1;
	for (i = 0; i < n; i++) {
		if ((h = hex_digit(s[i])) < 0)
			return -1;
		*v = *v << 4 | (unsigned)h;
	}
	return 0;
}

/* "0100007F:1F90" (v4) or 32 hex digits ":PORT" (v6). */
static int parse_endpoint(const char *s, size_t n, int family, struct nr_addr *a, unsigned *port)
{
	size_t words = family == AF_INET6 ? 4 : 1, i;
	unsigned long long v;
	unsigned int w;

	if (n != words * 8 + 5 || s[words * 8] != ':')
		return -1;
	memset(a, 0, sizeof *a);
	a->family = family;
	for (i = 0; i < words; i++) {
		if (hexn(s + i * 8, 8, &v) < 0)
			return -1;
		w = (unsigned int)v;
		memcpy(a->a + i * 4, &w, 4);
	}
	if (hexn(s + words * 8 + 1, 4, &v) < 0)
		return -1;
	*port = (unsigned)v;
	return 0;
}

static int dec(const char *s, size_t n, unsigned long long *v)
{
	size_t i;

	*v = 0;
	if (!n || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

/* Splits a line into whitespace-separated fields; returns how many (at most PN_FIELDS). */
static int fields(const char *s, size_t n, const char **f, size_t *fl)
{
	size_t i = 0;
	int k = 0;

	while (k < PN_FIELDS) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			break;
		f[k] = s + i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		fl[k] = (size_t)(s + i - f[k]);
		k++;
	}
	return k;
}

static int parse_line(const char *s, size_t n, int family, int proto, struct sock_entry *e)
{
	const char *f[PN_FIELDS];
	size_t fl[PN_FIELDS];
	unsigned long long v;

	if (fields(s, n, f, fl) < PN_FIELDS || fl[0] < 2 || f[0][fl[0] - 1] != ':')
		return -1;
	memset(e, 0, sizeof *e);
	e->family = family;
	e->proto = proto;
	if (parse_endpoint(f[1], fl[1], family, &e->local, &e->lport) < 0 ||
	    parse_endpoint(f[2], fl[2], family, &e->remote, &e->rport) < 0)
		return -1;
	if (fl[3] != 2 || hexn(f[3], 2, &v) < 0 || v == 0 || v > 12)
		return -1;
	e->state = (int)v;
	if (dec(f[7], fl[7], &v) < 0 || v > 0xffffffffu)
		return -1;
	e->uid = (unsigned)v;
	if (dec(f[9], fl[9], &v) < 0)
		return -1;
	e->inode = v;
	return 0;
}

int sock_parse_proc_net(const char *buf, size_t len, int family, int proto,
			int (*cb)(const struct sock_entry *s, void *arg), void *arg)
{
	const char *s = buf, *end = buf + len, *nl;
	struct sock_entry e;
	int n = 0, r, first = 1;

	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		if (first) { /* the header line */
			first = 0;
			continue;
		}
		if (parse_line(s, (size_t)(nl - s), family, proto, &e) < 0)
			continue;
		n++;
		r = cb(&e, arg);
		if (r <= 0)
			return r < 0 ? r : n;
	}
	return n;
}
