#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kmsg/match.h"
#include "report/words.h"

/* MATCH_NEEDLES: the spellings of one kind (kernels changed wording over the years). */
#define MATCH_NEEDLES 4

struct pattern {
	struct kmsg_kind k;
	const char *needles[MATCH_NEEDLES]; /* any of these, anywhere in the text */
	int runtime_only;                   /* only when the text begins with a runtime's name */
};

static const struct pattern patterns[] = {
	{ { "conntrack-table-full", "conntrack", "conntrack table full" },
	  { "nf_conntrack: table full", "ip_conntrack: table full" }, 0 },
	{ { "conntrack-expect-full", "conntrack", "conntrack expectation table full" },
	  { "expectation table full" }, 0 },
	{ { "neigh-table-overflow", "neighbours", "neighbour table overflow" },
	  { "neighbour table overflow", "neighbor table overflow" }, 0 },
	{ { "oom-kill", "runtime", "OOM kill" },
	  { "oom-kill:", "invoked oom-killer", "Out of memory: Killed process", "Memory cgroup out of memory" }, 0 },
	{ { "runtime-crash", "runtime", "container runtime or network agent crashed" },
	  { "segfault at", "general protection fault", "trap invalid opcode" }, 1 },
	{ { "syn-flood", "ports", "SYN flood (listen queue)" },
	  { "Possible SYN flooding on port" }, 0 },
	{ { "tcp-memory", "ports", "TCP memory pressure" },
	  { "TCP: out of memory", "too many orphaned sockets" }, 0 },
	{ { "link-down", "links", "link down or stuck" },
	  { "Link is Down", "NETDEV WATCHDOG" }, 0 },
	{ { "bridge-loop", "bridges", "bridge sees its own address (loop)" },
	  { "with own address as source address" }, 0 },
	{ { "martian", "rp_filter", "martian packet (rp_filter)" },
	  { "martian source", "martian destination" }, 0 },
};

/* Processes whose crash takes pod networking with it: runtimes, shims, the kubelet, CNI agents. */
static const char *const runtimes[] = {
	"containerd", "dockerd", "runc", "crun", "crio", "conmon", "kubelet", "kube-proxy",
	"cilium", "calico", "bird", "felix", "flanneld", "coredns", "node-cache", NULL,
};

static int has(const char *text, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	for (i = 0; i + m <= n; i++)
		if (!strncasecmp(text + i, needle, m))
			return 1;
	return 0;
}

static int runtime_text(const char *text, size_t n)
{
	const char *const *r;

	for (r = runtimes; *r; r++)
		if (n >= strlen(*r) && !strncmp(text, *r, strlen(*r)))
			return 1;
	return 0;
}

const struct kmsg_kind *kmsg_match(const char *text, size_t n)
{
	size_t i, j;

	for (i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		const struct pattern *p = &patterns[i];

		if (p->runtime_only && !runtime_text(text, n))
			continue;
		for (j = 0; j < MATCH_NEEDLES && p->needles[j]; j++)
			if (has(text, n, p->needles[j]))
				return &p->k;
	}
	return NULL;
}

const char *kmsg_span_str(unsigned long long secs, char *buf, size_t cap)
{
	return words_span(secs, buf, cap);
}

const char *kmsg_age_str(long long wall_us, long long now_us, char *buf, size_t cap)
{
	return words_age(wall_us, now_us, buf, cap);
}

long long kmsg_now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}
