#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/portrange.h"
#include "checks/sysval.h"

#define RANGE_PATH "/proc/sys/net/ipv4/ip_local_port_range"
#define RESERVED_PATH "/proc/sys/net/ipv4/ip_local_reserved_ports"
/* RESERVED_BUF: the kernel prints the reserved bitmap as ranges; a pathological list of
 * alternating ports is ~400 KiB, a real one a few dozen bytes. Bigger is refused (unknown). */
#define RESERVED_BUF 65536

/* One unsigned decimal port at *p; advances *p. -1 when none or above 65535. */
static int port_at(const char **p, const char *end, unsigned *v)
{
	const char *s = *p;

	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9' && *v <= 65535)
		*v = *v * 10 + (unsigned)(*(*p)++ - '0');
	return *p == s || *v > 65535 ? -1 : 0;
}

static void skip_space(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n'))
		(*p)++;
}

int portrange_parse_range(const char *s, size_t n, unsigned *lo, unsigned *hi)
{
	const char *p = s, *end = s + n;

	skip_space(&p, end);
	if (port_at(&p, end, lo) < 0)
		return -1;
	skip_space(&p, end);
	if (port_at(&p, end, hi) < 0)
		return -1;
	skip_space(&p, end);
	return p == end && *lo <= *hi ? 0 : -1;
}

long portrange_unreserved(const char *list, size_t n, unsigned lo, unsigned hi)
{
	const char *p = list, *end = list + n;
	long covered = 0;
	unsigned a, b, x, y;

	skip_space(&p, end);
	while (p < end) {
		if (port_at(&p, end, &a) < 0)
			return -1;
		b = a;
		if (p < end && *p == '-') {
			p++;
			if (port_at(&p, end, &b) < 0 || b < a)
				return -1;
		}
		/* The kernel prints sorted, disjoint ranges; overlap is counted once per range. */
		x = a > lo ? a : lo;
		y = b < hi ? b : hi;
		if (x <= y)
			covered += (long)(y - x + 1);
		skip_space(&p, end);
		if (p < end && *p != ',')
			return -1;
		if (p < end)
			p++;
	}
	covered = covered > (long)(hi - lo + 1) ? (long)(hi - lo + 1) : covered;
	return (long)(hi - lo + 1) - covered;
}

static void reserved_text(struct portrange_report *r, char *buf, unsigned lo, unsigned hi)
{
	long n = sysval_slurp(RESERVED_PATH, buf, RESERVED_BUF), u;

	if (n < 0) {
		r->reserved_err = errno;
		return;
	}
	u = portrange_unreserved(buf, (size_t)n, lo, hi);
	if (u < 0) {
		r->reserved_err = EINVAL;
		return;
	}
	r->reserved_ok = 1;
	r->unreserved = (unsigned)u;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	snprintf(r->reserved, sizeof r->reserved, "%.*s", (int)(sizeof r->reserved - 1), buf);
}

/* The reserved list, read into one allocation per run. */
static void read_reserved(struct portrange_report *r, unsigned lo, unsigned hi)
{
	char *buf = malloc(RESERVED_BUF);

	if (!buf) {
		r->reserved_err = ENOMEM;
		return;
	}
	reserved_text(r, buf, lo, hi);
	free(buf);
}

void check_portrange_run(struct portrange_report *r, struct findings *fs)
{
	char buf[64];
	long n;

	memset(r, 0, sizeof *r);
	n = sysval_slurp(RANGE_PATH, buf, sizeof buf);
	if (n < 0)
		r->range_err = errno;
	else if (portrange_parse_range(buf, (size_t)n, &r->lo, &r->hi) < 0)
		r->range_err = EINVAL;
	else
		r->range_ok = 1;
	if (!r->range_ok || r->hi < NODEPORT_LO || r->lo > NODEPORT_HI)
		return;
	r->overlap_lo = r->lo > NODEPORT_LO ? r->lo : NODEPORT_LO;
	r->overlap_hi = r->hi < NODEPORT_HI ? r->hi : NODEPORT_HI;
	read_reserved(r, r->overlap_lo, r->overlap_hi);
	if (!r->reserved_ok || !r->unreserved)
		return;
	findings_add(fs, "nodeport-range-conflict", SEV_WARN, "net.ipv4.ip_local_port_range",
		     "sysctl -w net.ipv4.ip_local_reserved_ports=30000-32767",
		     "ephemeral ports %u-%u overlap the NodePort range %d-%d and %u of the %u overlapping ports "
		     "are not in ip_local_reserved_ports (%s): a local or masqueraded connection can take a "
		     "NodePort's port, a documented cause of intermittent failures on GKE",
		     r->lo, r->hi, NODEPORT_LO, NODEPORT_HI, r->unreserved, r->overlap_hi - r->overlap_lo + 1,
		     r->reserved[0] ? r->reserved : "empty");
}

void check_portrange_json(struct jw *w, const struct portrange_report *r)
{
	jw_key(w, "ephemeral_ports");
	jw_obj(w);
	if (r->range_ok) {
		jw_kuint(w, "lo", r->lo);
		jw_kuint(w, "hi", r->hi);
	} else {
		jw_knull(w, "lo");
		jw_knull(w, "hi");
		jw_kstr(w, "error", strerror(r->range_err));
	}
	jw_kbool(w, "overlaps_nodeports", r->range_ok && r->overlap_hi);
	if (r->reserved_ok) {
		jw_kstr(w, "reserved", r->reserved);
		jw_kuint(w, "unreserved_nodeports", r->unreserved);
	} else {
		jw_knull(w, "reserved");
		jw_knull(w, "unreserved_nodeports");
	}
	jw_obj_end(w);
}

void check_portrange_text(FILE *f, const struct portrange_report *r)
{
	if (!r->range_ok) {
		fprintf(f, "local ports    ? (ip_local_port_range: %s)\n", strerror(r->range_err));
		return;
	}
	fprintf(f, "local ports    %u-%u", r->lo, r->hi);
	if (!r->overlap_hi)
		fprintf(f, ", no overlap with NodePorts %d-%d\n", NODEPORT_LO, NODEPORT_HI);
	else if (!r->reserved_ok)
		fprintf(f, " overlap NodePorts; reserved ports ? (%s)\n", strerror(r->reserved_err));
	else
		fprintf(f, " overlap NodePorts %u-%u, reserved '%s', %u unreserved\n", r->overlap_lo, r->overlap_hi,
			r->reserved, r->unreserved);
}
