/* The ephemeral port range against Kubernetes' NodePort range: when
 * net.ipv4.ip_local_port_range overlaps 30000-32767 and net.ipv4.ip_local_reserved_ports does
 * not cover the overlap, a local connection (or a masqueraded one, whose source port the
 * kernel picks from that range) can take a NodePort: intermittent failures GKE documents.
 * Both sysctls are per network namespace: read them in the node's. */
#ifndef NR_CHECKS_PORTRANGE_H
#define NR_CHECKS_PORTRANGE_H
#include <stddef.h>
#include <stdio.h>

#include "report/findings.h"
#include "report/json.h"

/* Kubernetes' default --service-node-port-range. */
#define NODEPORT_LO 30000
#define NODEPORT_HI 32767

struct portrange_report {
	int range_ok, range_err;        /* ip_local_port_range read; else errno */
	unsigned lo, hi;
	int reserved_ok, reserved_err;  /* ip_local_reserved_ports read; else errno */
	char reserved[128];             /* as the kernel prints it ("" = none), cut to fit */
	unsigned overlap_lo, overlap_hi;/* 0/0: no overlap */
	unsigned unreserved;            /* ports of the overlap not reserved */
};

/* Parses "LO\tHI\n". 0, or -1 when malformed. */
int portrange_parse_range(const char *s, size_t n, unsigned *lo, unsigned *hi);
/* Counts the ports of [lo, hi] that the reserved list text ("30000-32767,40000", n bytes)
 * does not cover. -1 when the list is malformed. */
long portrange_unreserved(const char *list, size_t n, unsigned lo, unsigned hi);

/* Reads both sysctls of this netns into r and adds nodeport-range-conflict (warn). Values
 * that cannot be read leave the verdict unknown: no finding. */
void check_portrange_run(struct portrange_report *r, struct findings *fs);
void check_portrange_json(struct jw *w, const struct portrange_report *r);
/* One line: "ports         ephemeral 32768-60999, reserved none: no NodePort overlap". */
void check_portrange_text(FILE *f, const struct portrange_report *r);

#endif
