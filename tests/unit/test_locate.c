/* Node shapes (issue 13): the mountinfo reader that finds pod netns held only by a bind mount
 * (table-driven, every prefix in an exact-size buffer so ASan sees any overread), and the FDB
 * entry of a VXLAN device with its remote VTEP (NDA_DST) as the kernel sends it. */
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "locate/locate.h"
#include "netlink/netlink.h"
#include "t.h"

static const struct {
	const char *line;
	int want;
	const char *path;
	unsigned long long ino;
} mi[] = {
	/* `ip netns add` and the CNI's cni-<uuid>: nsfs, root net:[INO] */
	{ "1093 29 0:4 net:[4026532910] /run/netns/cni-8e1c2a7f rw shared:617 - nsfs nsfs rw\n", 1,
	  "/run/netns/cni-8e1c2a7f", 4026532910ULL },
	{ "611 25 0:4 net:[4026531840] /host/var/run/netns/x rw - nsfs nsfs rw", 1,
	  "/host/var/run/netns/x", 4026531840ULL },
	/* octal escapes in the mount point (a space, a backslash) */
	{ "7 1 0:4 net:[12] /run/netns/a\\040b\\134c rw master:1 shared:2 - nsfs nsfs rw\n", 1,
	  "/run/netns/a b\\c", 12 },
	/* other namespace types and other file systems are not ours */
	{ "7 1 0:4 mnt:[4026531841] /run/x rw - nsfs nsfs rw\n", 0, NULL, 0 },
	{ "25 1 0:22 / /run rw,nosuid shared:5 - tmpfs tmpfs rw,mode=755\n", 0, NULL, 0 },
	{ "7 1 0:4 net:[12] /run/netns/n rw - proc proc rw\n", 0, NULL, 0 },
	/* malformed */
	{ "7 1 0:4 net:[12] /run/netns/n rw\n", -1, NULL, 0 },
	{ "7 1 0:4 net:[1x2] /run/netns/n rw - nsfs nsfs rw\n", -1, NULL, 0 },
	{ "7 1 0:4 net:[] /run/netns/n rw - nsfs nsfs rw\n", -1, NULL, 0 },
	{ "7 1 0:4 net:[99999999999999999999999] /r rw - nsfs nsfs rw\n", -1, NULL, 0 },
	{ "7 1 0:4 net:[12] /run/netns/a\\04 rw - nsfs nsfs rw\n", -1, NULL, 0 },
	{ "7 1 0:4 net:[12] /run/netns/a\\000 rw - nsfs nsfs rw\n", -1, NULL, 0 },
	{ "", -1, NULL, 0 },
	{ "-", -1, NULL, 0 },
};

static void mountinfo_table(void)
{
	char path[LOCATE_PATH];
	unsigned long long ino;
	size_t i, k, n;
	char *copy;

	for (i = 0; i < sizeof mi / sizeof mi[0]; i++) {
		n = strlen(mi[i].line);
		copy = malloc(n ? n : 1);
		memcpy(copy, mi[i].line, n);
		ino = 0;
		CHECK_INT(locate_mountinfo_netns(copy, n, path, sizeof path, &ino), mi[i].want);
		if (mi[i].want == 1) {
			CHECK_STR(path, mi[i].path);
			CHECK_INT(ino, mi[i].ino);
		}
		free(copy);
		/* every prefix: no overread, never a bigger answer than the whole line's */
		for (k = 0; k < n; k++) {
			copy = malloc(k ? k : 1);
			memcpy(copy, mi[i].line, k);
			CHECK(locate_mountinfo_netns(copy, k, path, sizeof path, &ino) <= 1);
			free(copy);
		}
	}
	/* a path that does not fit the caller's buffer */
	CHECK_INT(locate_mountinfo_netns(mi[0].line, strlen(mi[0].line), path, 8, &ino), -1);
}

static void put_attr(unsigned char *b, size_t *off, int type, const void *v, size_t len)
{
	struct rtattr a;

	a.rta_len = (unsigned short)RTA_LENGTH(len);
	a.rta_type = (unsigned short)type;
	memcpy(b + *off, &a, sizeof a);
	memcpy(b + *off + RTA_LENGTH(0), v, len);
	*off += RTA_ALIGN(RTA_LENGTH(len));
}

static struct nl_neigh got;
static int ngot;

static int on_neigh(const void *item, void *arg)
{
	(void)arg;
	got = *(const struct nl_neigh *)item;
	ngot++;
	return 1;
}

/* `bridge fdb add 66:0a:0b:0c:0d:0e dev flannel.1 dst DST self permanent`, as dumped. */
static size_t vxlan_fdb(unsigned char *b, const void *dst, size_t dlen)
{
	static const unsigned char mac[6] = { 0x66, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e };
	struct nlmsghdr h = { 0 };
	struct ndmsg nd = { 0 };
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof nd);

	memset(b, 0, 256);
	nd.ndm_family = AF_BRIDGE;
	nd.ndm_ifindex = 7;
	nd.ndm_state = NUD_PERMANENT;
	nd.ndm_flags = NTF_SELF;
	memcpy(b + NLMSG_HDRLEN, &nd, sizeof nd);
	put_attr(b, &off, NDA_LLADDR, mac, 6);
	put_attr(b, &off, NDA_DST, dst, dlen);
	h.nlmsg_len = (unsigned)off;
	h.nlmsg_type = RTM_NEWNEIGH;
	h.nlmsg_flags = NLM_F_MULTI;
	memcpy(b, &h, sizeof h);
	return off;
}

static void fdb_remote_vtep(void)
{
	static const unsigned char v4[4] = { 10, 128, 0, 3 };
	static const unsigned char v6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 };
	unsigned char b[256];
	struct nr_err e;
	size_t n;

	n = vxlan_fdb(b, v4, 4);
	ngot = 0;
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_NEIGH, on_neigh, NULL, &e), 1);
	CHECK_INT(ngot, 1);
	CHECK_INT(got.dst_family, AF_INET);
	CHECK(!memcmp(got.dst, v4, 4));
	CHECK_INT(got.has_ip, 0);
	CHECK(got.flags & NTF_SELF);
	n = vxlan_fdb(b, v6, 16);
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_NEIGH, on_neigh, NULL, &e), 1);
	CHECK_INT(got.dst_family, AF_INET6);
	CHECK(!memcmp(got.dst, v6, 16));
	n = vxlan_fdb(b, v4, 3); /* a length of neither family: no remote */
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_NEIGH, on_neigh, NULL, &e), 1);
	CHECK_INT(got.dst_family, 0);
}

int main(void)
{
	RUN(mountinfo_table);
	RUN(fdb_remote_vtep);
	return T_EXIT();
}
