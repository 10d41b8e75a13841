/* The nf_tables netlink parser on arbitrary bytes: a receive buffer of netlink messages
 * (chains, sets, set elements, rules with nested expression lists), as nf_read_nft gets them.
 * Then the rendering and walks over whatever model came out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netfilter/netfilter.h"

static int touch(const struct nf_rule *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nf_ruleset rs;
	static char line[2 * NF_TEXT + 512];
	struct nf_traffic t;
	struct nr_err e;
	unsigned char *p;
	size_t n = 0;
	uint32_t i;

	if (size > 1 << 20)
		return 0;
	p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data, size);
	nf_init(&rs);
	nf_nft_parse_buf(&rs, p, size, &e);
	for (i = 0; i < rs.nrules; i++)
		nf_rule_line(&rs, &rs.rules[i], line, sizeof line);
	memset(&t, 0, sizeof t);
	parse_ip("10.4.0.7", &t.pod);
	nf_walk_traffic(&rs, &t, touch, &n);
	nf_free(&rs);
	free(p);
	return 0;
}
