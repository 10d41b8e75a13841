/* Pod network namespaces the /proc walk cannot see (held only by a bind mount: the CNI's
 * /run/netns/cni-<uuid> after the sandbox process died), and the index of every pod-side
 * address behind the node's veths, built once per context: `locate -` with hundreds of IPs,
 * and wirings with no per-pod route (Dataplane V2 / Cilium), look each IP up there instead of
 * asking every pod netns again per IP. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "locate/locate.h"
#include "proc/proc.h"
#include "runtime/runtime.h"

#define MOD "locate"
/* NSFS_MAGIC (linux/magic.h): the file system of /proc/PID/ns/net and its bind mounts. */
#define NR_NSFS_MAGIC 0x6e736673
/* NS_GET_NSTYPE (linux/nsfs.h, 4.11): the namespace type of an nsfs fd. */
#define NR_NS_GET_NSTYPE _IO(0xb7, 0x3)
/* MNT_LINE: one mountinfo line; longer ones (deep overlay paths) are skipped whole. */
#define MNT_LINE 8192
_Static_assert(MNT_LINE <= LOCATE_SCRATCH, "a mountinfo line fits the context's scratch");

/* --- mountinfo ------------------------------------------------------------------------------- */

/* The next space-separated field of [*p, end): its start and length; 0 at the end. */
static int field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s >= end)
		return 0;
	*f = s;
	while (s < end && *s != ' ')
		s++;
	*n = (size_t)(s - *f);
	*p = s;
	return 1;
}

/* Undoes mountinfo's octal escapes (\040 for a space, \011, \012, \134). -1 when it does
 * not fit or an escape is malformed. */
static int unescape(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		unsigned v = (unsigned char)s[i];

		if (s[i] == '\\') {
			if (i + 3 >= n)
				return -1;
			if (s[i + 1] < '0' || s[i + 1] > '3' || s[i + 2] < '0' || s[i + 2] > '7' ||
			    s[i + 3] < '0' || s[i + 3] > '7')
				return -1;
			v = (unsigned)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		}
		if (k + 1 >= cap || v == 0)
			return -1;
		out[k++] = (char)v;
	}
	out[k] = 0;
	return 0;
}

int locate_mountinfo_netns(const char *line, size_t len, char *path, size_t cap,
			   unsigned long long *ino)
{
	const char *p = line, *end = line + len, *f[5], *x;
	size_t n[5], xn;
	unsigned long long v = 0;
	int i;

	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	/* id parent major:minor root mount-point options [optional...] - fstype source super */
	for (i = 0; i < 5; i++)
		if (!field(&p, end, &f[i], &n[i]))
			return -1;
	do {
		if (!field(&p, end, &x, &xn))
			return -1;
	} while (!(xn == 1 && x[0] == '-'));
	if (!field(&p, end, &x, &xn))
		return -1;
	if (xn != 4 || memcmp(x, "nsfs", 4) || n[3] < 6 || memcmp(f[3], "net:[", 5) ||
	    f[3][n[3] - 1] != ']')
		return 0;
	for (i = 5; i < (int)n[3] - 1; i++) {
		if (f[3][i] < '0' || f[3][i] > '9' || v > (~0ULL - 9) / 10)
			return -1;
		v = v * 10 + (unsigned)(f[3][i] - '0');
	}
	if (n[3] == 6 || unescape(f[4], n[4], path, cap) < 0)
		return -1;
	*ino = v;
	return 1;
}

static void mnt_add(struct locate_ctx *c, const char *path, unsigned long long ino)
{
	int i;

	for (i = 0; i < c->nmnt; i++)
		if (c->mnt[i].ino == ino) {
			/* The CNI's own name (cni-<uuid>) is the better evidence of the two. */
			if (strstr(path, "/cni-") && !strstr(c->mnt[i].path, "/cni-"))
				snprintf(c->mnt[i].path, LOCATE_PATH, "%s", path);
			return;
		}
	if (c->nmnt >= LOCATE_MNTS) {
		c->mnt_dropped++;
		return;
	}
	c->mnt[c->nmnt].ino = ino;
	c->mnt[c->nmnt].nsid = -1;
	c->mnt[c->nmnt].has_proc = 0;
	snprintf(c->mnt[c->nmnt].path, LOCATE_PATH, "%s", path);
	c->nmnt++;
}

static void from_mountinfo(struct locate_ctx *c)
{
	char *line = c->scratch;
	char path[LOCATE_PATH];
	unsigned long long ino;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t n;
	int whole = 1;

	if (!f)
		return; /* the directories below still tell */
	while (fgets(line, MNT_LINE, f)) {
		n = strlen(line);
		if (!whole || !n || line[n - 1] != '\n') {
			whole = n && line[n - 1] == '\n'; /* the rest of a too-long line */
			continue;
		}
		if (locate_mountinfo_netns(line, n, path, sizeof path, &ino) == 1)
			mnt_add(c, path, ino);
	}
	fclose(f);
}

/* An nsfs file of a network namespace: 1 with its inode, 0 when it is something else. */
static int netns_file(const char *path, unsigned long long *ino)
{
	struct statfs sf;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), ok;

	if (fd < 0)
		return 0;
	ok = fstatfs(fd, &sf) == 0 && (unsigned long)sf.f_type == NR_NSFS_MAGIC &&
	     ioctl(fd, NR_NS_GET_NSTYPE) == CLONE_NEWNET && fstat(fd, &st) == 0;
	if (ok)
		*ino = (unsigned long long)st.st_ino;
	close(fd);
	return ok;
}

/* The files of dir (the CNI's /run/netns, /var/run/netns) that are network namespaces: a
 * bind mount propagated from the host shows there even when mountinfo names it elsewhere. */
static void from_dir(struct locate_ctx *c, const char *root, const char *dir)
{
	char d[LOCATE_PATH], path[LOCATE_PATH];
	unsigned long long ino;
	struct dirent *de;
	DIR *dp;

	if (path_under(root, dir, d, sizeof d) < 0 || !(dp = opendir(d)))
		return;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.' &&
		    (size_t)snprintf(path, sizeof path, "%s/%s", d, de->d_name) < sizeof path &&
		    netns_file(path, &ino))
			mnt_add(c, path, ino);
	closedir(dp);
}

int locate_mounts_read(struct locate_ctx *c, struct nr_err *e)
{
	static const char *const dirs[] = { "/run/netns", "/var/run/netns" };
	struct nr_err ign;
	size_t i;
	int j, fd;

	(void)e;
	c->nmnt = c->mnt_dropped = 0;
	from_mountinfo(c);
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (c->host_root && strcmp(c->host_root, "/"))
			from_dir(c, c->host_root, dirs[i]);
		from_dir(c, "/", dirs[i]);
	}
	for (j = 0; j < c->nmnt; j++) {
		/* When some processes' namespaces could not be read, a namespace seen only through
		 * its mount may well have processes: never call it an empty sandbox then (the
		 * caller says what could not be read instead). */
		c->mnt[j].has_proc = netns_list_find(&c->ns, c->mnt[j].ino) != NULL || c->ns.unreadable;
		if (c->mnt[j].has_proc)
			continue; /* reached through its processes */
		fd = open(c->mnt[j].path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (nl_nsid_get(&c->nl, fd, &c->mnt[j].nsid, &ign) < 0)
			c->mnt[j].nsid = -1;
		close(fd);
	}
	return 0;
}

const char *locate_mount_only(struct locate_ctx *c, unsigned long long ino)
{
	int i;

	for (i = 0; i < c->nmnt; i++)
		if (c->mnt[i].ino == ino && !c->mnt[i].has_proc)
			return c->mnt[i].path;
	return NULL;
}

static int sandbox_pod(struct locate_ctx *c, const char *netns_path, struct rt_container *k);

int locate_netns_is_pod(struct locate_ctx *c, unsigned long long ino)
{
	struct rt_container k;
	struct proc_info pi;
	const char *mnt;
	int i;

	if (!ino)
		return 0;
	/* A netns with no process left is a pod's when the CNI named it (cni-<uuid>) or a
	 * sandbox task names it; `ip netns add` helpers and test namespaces are not. */
	if ((mnt = locate_mount_only(c, ino)))
		return strstr(mnt, "/cni-") != NULL || sandbox_pod(c, mnt, &k);
	i = netns_pids_first(c->pairs, c->npairs, ino);
	for (; i >= 0 && i < c->npairs && c->pairs[i].ino == ino; i++)
		if (proc_read(c->pairs[i].pid, PROC_F_CGROUP, &pi, NULL) == 0)
			return pi.pod_uid[0] != 0;
	return 0;
}

/* --- whose sandbox it was --------------------------------------------------------------------- */

/* TASK_ROOT: containerd's v2 task dirs, one per task, each with the OCI config.json. */
#define TASK_ROOT "/run/containerd/io.containerd.runtime.v2.task"

ssize_t locate_read_regular(const char *path, char *buf, size_t cap, int tail)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	ssize_t n = -1;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (tail && st.st_size > (off_t)cap)
			lseek(fd, st.st_size - (off_t)cap, SEEK_SET);
		n = read(fd, buf, cap);
	}
	close(fd);
	return n;
}

/* A task's config.json whose network namespace is the bind mount named base ("cni-<uuid>"):
 * its CRI annotations name the pod whose sandbox died. 1 found, 0 not. */
static int task_owner(struct locate_ctx *c, const char *dir, const char *base, struct rt_container *k)
{
	char *doc = c->scratch;
	char path[LOCATE_PATH], want[LOCATE_PATH];
	ssize_t n;

	if ((size_t)snprintf(path, sizeof path, "%s/config.json", dir) >= sizeof path ||
	    (size_t)snprintf(want, sizeof want, "/netns/%s\"", base) >= sizeof want ||
	    (n = locate_read_regular(path, doc, LOCATE_SCRATCH - 1, 0)) <= 0)
		return 0;
	doc[n] = 0;
	return strstr(doc, want) && rt_names_from_json(doc, (size_t)n, k) == 0 && k->pod_uid[0];
}

/* The pod whose sandbox task names netns_path as its network namespace. 1 found, 0 not. */
static int sandbox_pod(struct locate_ctx *c, const char *netns_path, struct rt_container *k)
{
	const char *host_root = c->host_root;
	char root[LOCATE_PATH], ns[LOCATE_PATH];
	const char *base = strrchr(netns_path, '/');
	struct dirent *de, *te;
	DIR *d, *t;
	int found = 0;

	if (!base || !base[1] || path_under(host_root ? host_root : "/", TASK_ROOT, root, sizeof root) < 0 ||
	    !(d = opendir(root)))
		return 0;
	while (!found && (de = readdir(d))) { /* containerd namespaces: k8s.io, moby, ... */
		if (de->d_name[0] == '.' ||
		    (size_t)snprintf(ns, sizeof ns, "%s/%s", root, de->d_name) >= sizeof ns || !(t = opendir(ns)))
			continue;
		while (!found && (te = readdir(t))) {
			char dir[LOCATE_PATH];

			found = te->d_name[0] != '.' &&
				(size_t)snprintf(dir, sizeof dir, "%s/%s", ns, te->d_name) < sizeof dir &&
				task_owner(c, dir, base + 1, k);
		}
		closedir(t);
	}
	closedir(d);
	return found;
}

void locate_sandbox_owner(struct locate_ctx *c, struct locate_report *r)
{
	struct rt_container k;

	if (!sandbox_pod(c, r->netns_path, &k))
		return;
	snprintf(r->pod_uid, sizeof r->pod_uid, "%s", k.pod_uid);
	snprintf(r->sandbox_pod, sizeof r->sandbox_pod, "%s/%s", k.pod_namespace, k.pod_name);
}

/* --- the index of pod addresses -------------------------------------------------------------- */

static int veth_add(const struct nl_link *l, void *arg)
{
	struct locate_ctx *c = arg;

	if (l->link_netnsid < 0 || !l->link)
		return 1;
	if (c->nveth >= LOCATE_VETHS) {
		c->veth_dropped++;
		return 1;
	}
	c->veth[c->nveth++] = *l;
	return 1;
}

struct addr_walk {
	struct locate_ctx *c;
	int nsid;
};

static int addr_add(const struct nl_ifaddr *a, void *arg)
{
	struct addr_walk *w = arg;
	struct locate_ctx *c = w->c;
	struct locate_podaddr *p;
	int i;

	if (a->family == AF_INET6 && a->scope != 0)
		return 1; /* link-local: every pod has fe80::, none is its IP */
	for (i = 0; i < c->nveth; i++)
		if (c->veth[i].link_netnsid == w->nsid && c->veth[i].link == a->ifindex)
			break;
	if (i == c->nveth)
		return 1; /* not the peer of a node veth (lo, a second interface) */
	if (c->naddr >= LOCATE_ADDRS) {
		c->addr_dropped++;
		return 1;
	}
	p = &c->addr[c->naddr++];
	memset(p, 0, sizeof *p);
	p->ip.family = a->family;
	memcpy(p->ip.a, a->addr, a->family == AF_INET ? 4 : 16);
	p->host_ifindex = c->veth[i].ifindex;
	p->nsid = w->nsid;
	return 1;
}

/* Reads the addresses of one pod netns (nsid as the node names it). */
static void index_netns(struct locate_ctx *c, int nsid)
{
	struct nl *pn = &c->podnl;
	struct addr_walk w = { c, nsid };
	struct nr_err ign;
	int fd = locate_nsid_open(c, nsid, NULL, &ign);

	if (fd < 0)
		return; /* gone meanwhile, or not ours to enter */
	if (nl_open_in(pn, fd, &ign) == 0) {
		nl_addr_dump(pn, AF_UNSPEC, addr_add, &w, &ign);
		nl_close(pn);
	}
	close(fd);
}

int locate_index_build(struct locate_ctx *c, struct nr_err *e)
{
	int i, j;

	if (c->index_ready)
		return 0;
	c->nveth = c->veth_dropped = c->naddr = c->addr_dropped = 0;
	if (nl_link_dump(&c->nl, veth_add, c, e) < 0)
		return -1;
	for (i = 0; i < c->nveth; i++) {
		for (j = 0; j < i && c->veth[j].link_netnsid != c->veth[i].link_netnsid; j++)
			;
		if (j == i) /* each pod netns once, whatever number of veths lead there */
			index_netns(c, c->veth[i].link_netnsid);
	}
	c->index_ready = 1;
	return 0;
}

int locate_index_find(struct locate_ctx *c, const struct nr_addr *ip, int bridge,
		      struct nl_link *host, struct nr_err *e)
{
	size_t alen = ip->family == AF_INET ? 4 : 16;
	int i, j;

	if (locate_index_build(c, e) < 0)
		return -1;
	for (i = 0; i < c->naddr; i++) {
		if (c->addr[i].ip.family != ip->family || memcmp(c->addr[i].ip.a, ip->a, alen))
			continue;
		for (j = 0; j < c->nveth; j++)
			if (c->veth[j].ifindex == c->addr[i].host_ifindex &&
			    (!bridge || c->veth[j].master == bridge)) {
				*host = c->veth[j];
				return 0;
			}
	}
	return 1;
}
