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

#include "base/io.h"
#include "base/parse.h"
#include "checks/cni.h"
#include "netlink/netlink.h"

#define MOD "cni"
#define NETD "/etc/cni/net.d"
/* CNI_CONF_MAX: CNI configs are a few hundred bytes; a 16 KiB prefix holds every plugin type. */
#define CNI_CONF_MAX 16384
/* CNI_PATH: --host-root plus /etc/cni/net.d/ plus a file name (NAME_MAX 255). */
#define CNI_PATH 1024
/* CNI_IFS: interface names considered (the first few hundred links tell as well as all). */
#define CNI_IFS 512

/* The string value of the next member "key" from *at on: its start in *v and length in *n;
 * *at moves past it. 0 when there is none. A config is JSON; matching the member is enough to
 * tell plugins apart (no escapes in the values looked for). */
static int member(const char **at, const char *key, const char **v, size_t *n)
{
	const char *p = *at, *q;
	size_t kl = strlen(key);

	while ((p = strstr(p, key))) {
		if (p == *at || p[-1] != '"' || p[kl] != '"') {
			p += kl;
			continue;
		}
		p += kl + 1;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p != ':')
			continue;
		p++;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p != '"' || !(q = strchr(p + 1, '"')))
			continue;
		*v = p + 1;
		*n = (size_t)(q - p - 1);
		*at = q + 1;
		return 1;
	}
	return 0;
}

static int has_type(const char *conf, const char *type)
{
	const char *p = conf, *v;
	size_t n;

	while (member(&p, "type", &v, &n))
		if (n == strlen(type) && !strncmp(v, type, n))
			return 1;
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

/* The lexically first config file after `after` (NULL: the first of all; libcni's ConfFiles
 * + sort, as containerd and CRI-O pick, and as Multus picks its default delegate). */
static int first_conf(const char *root, const char *after, char *name, size_t cap)
{
	DIR *d = hostfs_opendir(root, NETD);
	struct dirent *de;

	name[0] = 0;
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (conf_name(de->d_name) && strlen(de->d_name) < cap &&
		    (!after || strcmp(de->d_name, after) > 0) &&
		    (!name[0] || strcmp(de->d_name, name) < 0))
			snprintf(name, cap, "%s", de->d_name);
	closedir(d);
	return name[0] != 0;
}

/* A config file as the node sees it (node_path), read inside the host root: symlinked configs
 * are common (netd) and resolve there; a FIFO or a device is refused, never waited on. */
static int read_conf(const char *root, const char *node_path, char *buf, size_t cap)
{
	size_t n;

	return io_read_file(root, node_path, buf, cap, &n, NULL);
}

/* NETD/file as the node sees it. */
static int netd_path(const char *file, char *out, size_t cap)
{
	return (size_t)snprintf(out, cap, NETD "/%s", file) < cap ? 0 : -1;
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

/* What the runtime's config says: the first file, or for Multus (a meta-plugin that
 * delegates the cluster network) the delegate's file. */
struct conf {
	int have;
	char path[CNI_PATH];          /* the first file */
	int multus;
	char dpath[CNI_PATH];         /* Multus: the delegate's file ("" when embedded) */
	char text[CNI_CONF_MAX];      /* the text that names the plugin */
	char other[CNI_CONF_MAX];     /* Multus: a candidate delegate's text, read while searching */
};

static int is_multus(const char *t)
{
	return has_type(t, "multus") || has_type(t, "multus-shim");
}

/* Multus's delegate: "clusterNetwork" as a path (under the host root) or a network name,
 * else the next config file in lexical order (Multus's own default). */
static void multus_delegate(const char *host_root, const char *dir, const char *first,
			    struct conf *c)
{
	char *other = c->other;
	char want[256], file[256], prev[256], np[CNI_PATH];
	const char *p = c->text, *v;
	size_t n;

	if (strcmp(cni_classify(c->text, NULL, 0), "unknown"))
		return; /* delegates embedded in its own file (the auto-generated 00-multus.conf) */
	want[0] = 0;
	if (member(&p, "clusterNetwork", &v, &n) && n && n < sizeof want)
		snprintf(want, sizeof want, "%.*s", (int)n, v);
	if (want[0] == '/') {
		if (path_under(host_root, want, c->dpath, sizeof c->dpath) == 0 &&
		    read_conf(host_root, want, c->text, sizeof c->text) == 0)
			return;
		c->dpath[0] = 0;
		return;
	}
	for (snprintf(prev, sizeof prev, "%s", first); first_conf(host_root, prev, file, sizeof file);
	     snprintf(prev, sizeof prev, "%s", file)) {
		if ((size_t)snprintf(c->dpath, sizeof c->dpath, "%s/%s", dir, file) >= sizeof c->dpath ||
		    netd_path(file, np, sizeof np) || read_conf(host_root, np, other, sizeof c->other) < 0)
			continue;
		p = other;
		if (want[0] && !(member(&p, "name", &v, &n) && n == strlen(want) && !strncmp(v, want, n)))
			continue;
		memcpy(c->text, other, sizeof c->text);
		return;
	}
	c->dpath[0] = 0;
}

static void conf_read(const char *host_root, const char *dir, struct conf *c)
{
	char file[256], np[CNI_PATH];

	c->have = c->multus = 0;
	c->dpath[0] = 0;
	if (!first_conf(host_root, NULL, file, sizeof file) ||
	    (size_t)snprintf(c->path, sizeof c->path, "%s/%s", dir, file) >= sizeof c->path ||
	    netd_path(file, np, sizeof np) || read_conf(host_root, np, c->text, sizeof c->text) < 0)
		return;
	c->have = 1;
	if ((c->multus = is_multus(c->text)))
		multus_delegate(host_root, dir, file, c);
}

static void evidence(const struct conf *c, const char *res, const char *dir, char *why, size_t cap)
{
	if (c->have && strcmp(res, cni_classify(c->text, NULL, 0)) == 0) {
		if (c->multus && c->dpath[0])
			snprintf(why, cap, "%s (multus) delegates to %s", c->path, c->dpath);
		else if (c->multus)
			snprintf(why, cap, "%s (multus, delegates embedded)", c->path);
		else
			snprintf(why, cap, "%s", c->path);
	} else if (c->have && c->multus && strcmp(res, "unknown")) {
		snprintf(why, cap, "%s (multus: no known delegate) and the node's interfaces", c->path);
	} else if (strcmp(res, "unknown")) {
		snprintf(why, cap, "the node's interfaces (no CNI config in %s)", dir);
	} else {
		snprintf(why, cap, "no known CNI config in %s and no telling interface", dir);
	}
}

/* One detection's working state: 40 KiB of config text and names, one allocation per call. */
struct cni_work {
	struct conf conf;
	struct ifnames ifs;
};

int cni_detect(struct nl *given, const char *host_root, char *name, size_t cap, char *why,
	       size_t why_cap, struct nr_err *e)
{
	struct cni_work *w;
	char dir[CNI_PATH];
	struct nl own, *nl;
	const char *res;
	int rc;

	host_root = host_root ? host_root : "/";
	if (path_under(host_root, "/etc/cni/net.d", dir, sizeof dir) < 0)
		return nr_fail(e, NR_E_TOOBIG, 0, MOD, "%s", host_root);
	if (!(w = malloc(sizeof *w)))
		return nr_fail(e, NR_E_NOMEM, ENOMEM, MOD, NULL);
	conf_read(host_root, dir, &w->conf);
	w->ifs.n = 0;
	if (!(nl = nl_use(given, &own, e))) {
		free(w);
		return -1;
	}
	rc = nl_link_dump(nl, add_if, &w->ifs, e);
	nl_done(nl, &own);
	if (rc == 0) {
		res = cni_classify(w->conf.have ? w->conf.text : NULL, w->ifs.p, w->ifs.n);
		snprintf(name, cap, "%s", res);
		if (why && why_cap)
			evidence(&w->conf, res, dir, why, why_cap);
	}
	free(w);
	return rc < 0 ? -1 : 0;
}

int cni_pod_bridges(const char *host_root, char (*names)[NL_IFNAMSIZ], int max)
{
	/* Default bridge names: kubenet's cbr0, and cni0 of the bridge plugin (Flannel's). */
	static const char *const defaults[] = { "cbr0", "cni0" };
	char dir[CNI_PATH];
	struct conf *c;
	const char *p, *v;
	size_t n, i;
	int k = 0;

	for (i = 0; i < sizeof defaults / sizeof defaults[0] && k < max; i++)
		snprintf(names[k++], NL_IFNAMSIZ, "%s", defaults[i]);
	if (path_under(host_root ? host_root : "/", "/etc/cni/net.d", dir, sizeof dir) < 0)
		return k;
	if (!(c = malloc(sizeof *c)))
		return k; /* the default names still count */
	conf_read(host_root ? host_root : "/", dir, c);
	for (p = c->text; c->have && k < max && member(&p, "bridge", &v, &n);)
		if (n && n < NL_IFNAMSIZ)
			snprintf(names[k++], NL_IFNAMSIZ, "%.*s", (int)n, v);
	free(c);
	return k;
}
