/* CNI detection: the first config file in net.d (the one the runtime uses) says which plugin
 * wires pods; the interfaces present tell when there is none (kubenet writes no file: kubelet
 * builds its config in memory). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/parse.h"
#include "base/io.h"
#include "checks/cni.h"
#include "netlink/netlink.h"

#define MOD "cni"
/* CNI_CONF_MAX: CNI configs are a few hundred bytes; a 16 KiB prefix holds every plugin type. */
#define CNI_CONF_MAX 16384
#define NETD "/etc/cni/net.d"
/* CNI_PATH: --host-root plus /etc/cni/net.d/ plus a file name (NAME_MAX 255). */
#define CNI_PATH 1024
/* CNI_IFS: interface names considered (the first few hundred links tell as well as all). */
#define CNI_IFS 512

static int has_type(const char *conf, const char *type)
{
	const char *p = conf;
	size_t n = strlen(type);

	/* "type" : "X" — a config is JSON; matching the member is enough to tell plugins apart. */
	while ((p = strstr(p, "\"type\""))) {
		p += 6;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p++ != ':')
			continue;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '"' && !strncmp(p + 1, type, n) && p[1 + n] == '"')
			return 1;
	}
	return 0;
}

static int has_if(const char *const *ifs, int n, const char *name, int prefix)
{
	int i;

	for (i = 0; i < n; i++)
		if (prefix ? !strncmp(ifs[i], name, strlen(name)) : !strcmp(ifs[i], name))
			return 1;
	return 0;
}

const char *cni_classify(const char *conf, const char *const *ifs, int n)
{
	/* Plugins that chain bridge/ptp/portmap inside their own config come first; flannel's
	 * conflist is even named "cbr0". */
	if (conf) {
		if (has_type(conf, "cilium-cni")) return "cilium";
		if (has_type(conf, "calico")) return "calico";
		if (has_type(conf, "flannel")) return "flannel";
		if (has_type(conf, "weave-net")) return "weave";
		if (has_type(conf, "ptp") || has_type(conf, "gke")) return "gke-ptp";
		if (has_type(conf, "bridge") && (strstr(conf, "\"cbr0\"") || strstr(conf, "kubenet")))
			return "kubenet";
	}
	if (has_if(ifs, n, "cilium_host", 0)) return "cilium";
	if (has_if(ifs, n, "cali", 1)) return "calico";
	if (has_if(ifs, n, "flannel.", 1) || has_if(ifs, n, "cni0", 0)) return "flannel";
	if (has_if(ifs, n, "weave", 0)) return "weave";
	if (has_if(ifs, n, "cbr0", 0)) return "kubenet";
	if (has_if(ifs, n, "gke", 1)) return "gke-ptp";
	return "unknown";
}

static int conf_name(const char *n)
{
	size_t l = strlen(n);

	return n[0] != '.' && ((l > 5 && !strcmp(n + l - 5, ".conf")) ||
			       (l > 9 && !strcmp(n + l - 9, ".conflist")) ||
			       (l > 5 && !strcmp(n + l - 5, ".json")));
}

/* The lexically first config file (libcni's ConfFiles + sort, as containerd and CRI-O pick). */
static int first_conf(const char *root, char *name, size_t cap)
{
	DIR *d = hostfs_opendir(root, NETD);
	struct dirent *de;

	name[0] = 0;
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (conf_name(de->d_name) && strlen(de->d_name) < cap &&
		    (!name[0] || strcmp(de->d_name, name) < 0))
			snprintf(name, cap, "%s", de->d_name);
	closedir(d);
	return name[0] != 0;
}

/* Symlinked configs are common (netd): followed, inside the host root. */
static int read_conf(const char *root, const char *file, char *buf, size_t cap)
{
	char path[CNI_PATH];
	size_t n;

	if ((size_t)snprintf(path, sizeof path, NETD "/%s", file) >= sizeof path)
		return -1;
	return io_read_file(root, path, buf, cap, &n, NULL);
}

struct ifnames {
	int n;
	char names[CNI_IFS][NL_IFNAMSIZ];
	const char *p[CNI_IFS];
};

static int add_if(const struct nl_link *l, void *arg)
{
	struct ifnames *f = arg;

	if (f->n >= CNI_IFS)
		return 0;
	memcpy(f->names[f->n], l->name, NL_IFNAMSIZ);
	f->p[f->n] = f->names[f->n];
	f->n++;
	return 1;
}

int cni_detect(const char *host_root, char *name, size_t cap, char *why, size_t why_cap,
	       struct nr_err *e)
{
	static struct ifnames ifs; /* 8 KiB of names: static, one caller at a time */
	static char conf[CNI_CONF_MAX];
	char dir[CNI_PATH], path[CNI_PATH], file[256];
	struct nl nl;
	const char *res;
	int have = 0;

	if (path_under(host_root ? host_root : "/", NETD, dir, sizeof dir) < 0)
		return nr_fail(e, NR_E_TOOBIG, 0, MOD, "%s", host_root);
	if (first_conf(host_root, file, sizeof file) && (size_t)snprintf(path, sizeof path, "%s/%s", dir, file) < sizeof path)
		have = read_conf(host_root, file, conf, sizeof conf) == 0;
	ifs.n = 0;
	if (nl_open(&nl, e) < 0)
		return -1;
	if (nl_link_dump(&nl, add_if, &ifs, e) < 0) {
		nl_close(&nl);
		return -1;
	}
	nl_close(&nl);
	res = cni_classify(have ? conf : NULL, ifs.p, ifs.n);
	snprintf(name, cap, "%s", res);
	if (why && why_cap) {
		if (have && strcmp(res, cni_classify(conf, NULL, 0)) == 0)
			snprintf(why, why_cap, "%s", path);
		else if (strcmp(res, "unknown"))
			snprintf(why, why_cap, "the node's interfaces (no CNI config in %s)", dir);
		else
			snprintf(why, why_cap, "no known CNI config in %s and no telling interface", dir);
	}
	return 0;
}
