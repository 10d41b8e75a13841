/* The pod's resolv.conf, read and applied as its stub resolver does (resolv.conf(5), glibc
 * res_init and res_query's search logic; musl reads the same keywords). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dns.h"

/* RESOLV_MAX: resolv.conf is a few hundred bytes; glibc reads lines of any length but a
 * file beyond 64 KiB is not a resolver configuration. */
#define RESOLV_MAX 65536
/* RESOLV_LINE: one line, with a long search list. */
#define RESOLV_LINE 2048

static void defaults(struct dns_resolv *r)
{
	memset(r, 0, sizeof *r);
	r->ndots = 1;
	r->timeout_s = 5;
	r->attempts = 2;
}

/* Next whitespace-separated word of *s into w (cap); 0 when none left. */
static int word(const char **s, char *w, size_t cap)
{
	size_t n;

	*s += strspn(*s, " \t\r");
	n = strcspn(*s, " \t\r");
	if (!n)
		return 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(w, *s, n);
	w[n] = 0;
	*s += strcspn(*s, " \t\r");
	return 1;
}

static void opt_num(const char *w, const char *key, unsigned max, unsigned *v)
{
	size_t kl = strlen(key);
	char *end;
	unsigned long x;

	if (strncmp(w, key, kl))
		return;
	x = strtoul(w + kl, &end, 10);
	if (end == w + kl || *end)
		return;
	*v = x > max ? max : (unsigned)x;
}

static void line_options(struct dns_resolv *r, const char *s)
{
	char w[64];
	unsigned nd = (unsigned)r->ndots;

	while (word(&s, w, sizeof w)) {
		opt_num(w, "ndots:", 15, &nd);
		opt_num(w, "timeout:", 30, &r->timeout_s);
		opt_num(w, "attempts:", 5, &r->attempts);
		r->rotate |= !strcmp(w, "rotate");
		r->single_request |= !strcmp(w, "single-request");
		r->single_request_reopen |= !strcmp(w, "single-request-reopen");
		r->use_vc |= !strcmp(w, "use-vc") || !strcmp(w, "tcp");
	}
	r->ndots = (int)nd;
}

static void line_search(struct dns_resolv *r, const char *s)
{
	char w[DNS_NAME_MAX];

	/* The last search/domain line wins (resolv.conf(5)). */
	r->nsearch = 0;
	r->search_dropped = 0;
	while (word(&s, w, sizeof w)) {
		if (r->nsearch >= DNS_SEARCH_MAX) {
			r->search_dropped++;
			continue;
		}
		strcpy(r->search[r->nsearch++], w);
	}
}

static void line(struct dns_resolv *r, const char *s)
{
	char key[16], w[64];

	if (!word(&s, key, sizeof key))
		return;
	if (!strcmp(key, "nameserver") && word(&s, w, sizeof w)) {
		struct nr_addr a;
		char *pct = strchr(w, '%'); /* fe80::1%eth0: the scope is not ours to use */

		if (pct)
			*pct = 0;
		if (parse_ip(w, &a))
			return;
		if (r->nns >= DNS_NS_MAX)
			r->ns_dropped++;
		else
			r->ns[r->nns++] = a;
	} else if (!strcmp(key, "search") || !strcmp(key, "domain")) {
		line_search(r, s);
	} else if (!strcmp(key, "options")) {
		line_options(r, s);
	}
}

int dns_resolv_parse(const char *buf, size_t n, struct dns_resolv *r)
{
	char ln[RESOLV_LINE];
	size_t i = 0, l;

	defaults(r);
	while (i < n) {
		const char *nl = memchr(buf + i, '\n', n - i);

		l = nl ? (size_t)(nl - (buf + i)) : n - i;
		if (l < sizeof ln && buf[i] != '#' && buf[i] != ';') {
			memcpy(ln, buf + i, l);
			ln[l] = 0;
			if (!memchr(ln, 0, l))
				line(r, ln);
		}
		i += l + 1;
	}
	if (!r->nns) {
		parse_ip("127.0.0.1", &r->ns[0]);
		r->nns = 1;
		r->defaulted = 1;
	}
	return 0;
}

int dns_resolv_read(int pid, struct dns_resolv *r, struct nr_err *e)
{
	char path[64], *buf;
	ssize_t k = 0;
	size_t n = 0;
	int fd, err, rc;

	snprintf(path, sizeof path, "/proc/%d/root/etc/resolv.conf", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		return nr_fail(e, NR_E_DNS_RESOLV, err, "dns", "%s", path);
	}
	if (!(buf = malloc(RESOLV_MAX))) { /* one per read */
		close(fd);
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "dns", "%s", path);
	}
	while (n < RESOLV_MAX && (k = read(fd, buf + n, RESOLV_MAX - n)) > 0)
		n += (size_t)k;
	err = errno;
	close(fd);
	if (k < 0)
		rc = nr_fail(e, NR_E_DNS_RESOLV, err, "dns", "%s", path);
	else
		rc = dns_resolv_parse(buf, n, r);
	free(buf);
	return rc;
}

static int add(char (*out)[DNS_NAME_MAX], int k, int max, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0;

	/* A name longer than DNS allows is not tried (the resolver skips it too). */
	if (k >= max || la + lb + 2 > DNS_NAME_MAX)
		return k;
	memcpy(out[k], a, la + 1);
	if (b) {
		out[k][la] = '.';
		memcpy(out[k] + la + 1, b, lb + 1);
	}
	return k + 1;
}

int dns_search_list(const struct dns_resolv *r, const char *name, char (*out)[DNS_NAME_MAX],
		    int max)
{
	size_t l = strlen(name);
	int dots = 0, k = 0, i;
	const char *p;

	if (l && name[l - 1] == '.')
		return add(out, 0, max, name, NULL);
	for (p = name; *p; p++)
		dots += *p == '.';
	if (dots >= r->ndots)
		k = add(out, k, max, name, NULL);
	for (i = 0; i < r->nsearch; i++)
		if (strcmp(r->search[i], ".")) /* "search ." means none */
			k = add(out, k, max, name, r->search[i]);
	if (dots < r->ndots)
		k = add(out, k, max, name, NULL);
	return k;
}
