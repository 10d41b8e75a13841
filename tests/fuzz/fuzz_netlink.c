/* The rtnetlink message and attribute parser on arbitrary bytes: the first byte picks the
 * object kind (link, address, route, neighbour), the rest is a receive buffer. Also the CNI
 * config classifier on the same bytes as text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/cni.h"
#include "netlink/netlink.h"

static int touch_link(const void *item, void *arg)
{
	const struct nl_link *l = item;
	char mac[3 * NL_HWADDR];

	(*(size_t *)arg)++;
	if (strlen(l->name) >= NL_IFNAMSIZ || strlen(l->kind) >= NL_KINDSIZ)
		abort();
	if (l->mac_len < 0 || l->mac_len > NL_HWADDR)
		abort();
	nl_mac_str(l->mac, l->mac_len, mac, sizeof mac);
	nl_operstate_name(l->operstate);
	return 1;
}

static int touch_neigh(const void *item, void *arg)
{
	const struct nl_neigh *n = item;
	char mac[3 * NL_HWADDR];

	(*(size_t *)arg)++;
	if (n->mac_len < 0 || n->mac_len > NL_HWADDR)
		abort();
	nl_mac_str(n->mac, n->mac_len, mac, sizeof mac);
	nl_neigh_state_name(n->state);
	return 1;
}

static int count(const void *item, void *arg)
{
	(void)item;
	(*(size_t *)arg)++;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[4097];
	static const char *const ifs[] = { "lo", "eth0" };
	int (*cb)(const void *, void *) = count;
	unsigned char *p;
	struct nr_err e;
	size_t n = 0;
	int kind;

	if (size < 1 || size - 1 > NL_BUF)
		return 0;
	kind = data[0] & 3;
	if (kind == NL_OBJ_LINK)
		cb = touch_link;
	else if (kind == NL_OBJ_NEIGH)
		cb = touch_neigh;
	/* A heap copy of exactly size-1 bytes, so ASan sees any read past the end. */
	p = malloc(size > 1 ? size - 1 : 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, size - 1);
	nl_parse_buf(p, size - 1, (enum nl_obj)kind, cb, &n, &e);
	free(p);
	if (size - 1 < sizeof text) {
		memcpy(text, data + 1, size - 1);
		text[size - 1] = 0;
		cni_classify(text, ifs, 2);
	}
	return 0;
}
