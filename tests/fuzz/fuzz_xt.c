/* The x_tables entry parser (iptables-legacy's IPT_SO_GET_ENTRIES blob) and every xt match and
 * target decoder on arbitrary bytes: the first 44 bytes are IPT_SO_GET_INFO's valid_hooks,
 * hook_entry[5], underflow[5]; the first byte's low bit picks IPv4 or IPv6 entries. Also each
 * decoder alone on the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netfilter/netfilter.h"

static const char *const names[] = { "tcp", "udp", "multiport", "comment", "state", "conntrack",
	"mark", "connmark", "addrtype", "set", "statistic", "physdev", "limit", "icmp", "REJECT", "DNAT",
	"SNAT", "MASQUERADE", "MARK", "CONNMARK", "LOG", "NFLOG", "TRACE", "unknown" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nf_ruleset rs;
	struct nf_xt_info info;
	struct nf_text t;
	struct nf_rule r;
	struct nr_err e;
	unsigned char *p;
	size_t i;

	if (size < 44 || size > 1 << 20)
		return 0;
	memcpy(&info.valid_hooks, data, 4);
	memcpy(info.hook_entry, data + 4, 20);
	memcpy(info.underflow, data + 24, 20);
	/* A heap copy of exactly the blob, so ASan sees any read past its end. */
	p = malloc(size - 44 ? size - 44 : 1);
	if (!p)
		return 0;
	memcpy(p, data + 44, size - 44);
	nf_init(&rs);
	nf_xt_parse(&rs, data[0] & 1 ? AF_INET6 : AF_INET, "filter", &info, p, size - 44, &e);
	nf_free(&rs);
	nf_init(&rs);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		memset(&t, 0, sizeof t);
		memset(&r, 0, sizeof r);
		r.family = data[1] & 1 ? AF_INET6 : AF_INET;
		if (names[i][0] >= 'a')
			nf_xt_match(&rs, &t, &r, names[i], data[2] & 3, p, size - 44);
		else
			nf_xt_target(&rs, &t, &r, names[i], data[2] & 3, p, size - 44);
		if (t.n >= sizeof t.b || strlen(t.b) != t.n)
			abort();
	}
	nf_free(&rs);
	free(p);
	return 0;
}
