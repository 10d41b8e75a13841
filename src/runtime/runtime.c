/* Runtime knowledge from the node's files. Everything is bounded: paths in RT_PATH_MAX, config
 * files and the Docker API answer read into the one buffer struct rt owns (private.h). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/io.h"
#include "base/parse.h"
#include "runtime/private.h"

#define TASK_ROOT "/run/containerd/io.containerd.runtime.v2.task"
/* containerd namespaces: k8s.io for the CRI plugin, moby for Docker's own containerd. */
static const char *const task_ns[] = { "k8s.io", "moby" };
#define DOCKER_DIR "/var/lib/docker/containers"
#define CRIO_DIR "/run/containers/storage/overlay-containers"
#define KUBELET_PODS "/var/lib/kubelet/pods"
#define LOG_PODS "/var/log/pods"

/* The node path (as the node sees it; resolved inside rt->root by base/io's hostfs). */
static int under(const struct rt *rt, char *buf, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int under(const struct rt *rt, char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)rt;
	va_start(ap, fmt);
	n = vsnprintf(buf, RT_PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= RT_PATH_MAX ? -1 : 0;
}

/* Copies s into d (cap bytes), cut to fit, always NUL-terminated. */
static void scopy(char *d, size_t cap, const char *s)
{
	size_t n = strnlen(s, cap - 1);

	memcpy(d, s, n);
	d[n] = 0;
}

static int is_dir(const struct rt *rt, const char *p)
{
	struct stat st;
	return hostfs_stat(rt->root, p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const struct rt *rt, const char *p)
{
	struct stat st;
	return hostfs_stat(rt->root, p, &st) == 0;
}

/* An id or uid that goes into a path must not climb out of it. */
static int safe_name(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

/* --- documents ------------------------------------------------------------------------------ */
/* Reads a node file into rt's buffer (a regular file only, within the deadline); its length,
 * or -1. */
static long read_cfg(const struct rt *rt, const char *path)
{
	size_t got;

	if (!rt->w || io_read_file(rt->root, path, rt->w->doc, sizeof rt->w->doc, &got, NULL) < 0)
		return -1;
	return (long)got;
}

/* GET what from Docker into rt's buffer: its length when the answer is 200, else -1. */
static long docker_doc(const struct rt *rt, const char *what)
{
	size_t len;

	if (!rt->w || rt_docker_get(rt, what, rt->w->doc, sizeof rt->w->doc, &len, &rt->w->resp) != 200)
		return -1;
	return (long)len;
}

static int running(const struct rt *rt, long len)
{
	return len >= 0 && rt_doc_running(rt->w->doc, (size_t)len, rt->w->tok, RT_TOKENS);
}

/* --- public ------------------------------------------------------------------------------ */
void rt_open(struct rt *rt, const char *host_root)
{
	char p[RT_PATH_MAX];

	memset(rt, 0, sizeof *rt);
	scopy(rt->root, sizeof rt->root, host_root && *host_root ? host_root : "/");
	rt->w = malloc(sizeof *rt->w);
	if (under(rt, p, TASK_ROOT) == 0 && is_dir(rt, p))
		rt->have |= RT_CONTAINERD;
	if (docker_doc(rt, "/_ping") >= 0)
		rt->have |= RT_DOCKER_API;
	if (under(rt, p, DOCKER_DIR) == 0 && is_dir(rt, p))
		rt->have |= RT_DOCKER_DIR;
	if (under(rt, p, CRIO_DIR) == 0 && is_dir(rt, p))
		rt->have |= RT_CRIO;
	if (under(rt, p, KUBELET_PODS) == 0 && is_dir(rt, p))
		rt->have |= RT_KUBELET;
	if (under(rt, p, LOG_PODS) == 0 && is_dir(rt, p))
		rt->have |= RT_LOGPODS;
}

void rt_close(struct rt *rt)
{
	free(rt->w);
	rt->w = NULL;
}

int rt_have_runtime(const struct rt *rt)
{
	return (rt->have & (RT_CONTAINERD | RT_DOCKER_API | RT_DOCKER_DIR | RT_CRIO)) != 0;
}

const char *rt_sources(const struct rt *rt, char *buf, size_t cap)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ RT_CONTAINERD, "containerd" }, { RT_DOCKER_API, "docker-api" },
		{ RT_DOCKER_DIR, "docker-dir" }, { RT_CRIO, "cri-o" },
		{ RT_KUBELET, "kubelet" }, { RT_LOGPODS, "pod-logs" },
	};
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if ((rt->have & names[i].bit) && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "," : "", names[i].name);
	if (!buf[0])
		snprintf(buf, cap, "none");
	return buf;
}

static int docker_running(const struct rt *rt, const char *id)
{
	char what[RT_PATH_MAX], p[RT_PATH_MAX];

	if (rt->have & RT_DOCKER_API) {
		snprintf(what, sizeof what, "/containers/%s/json", id);
		return running(rt, docker_doc(rt, what));
	}
	if ((rt->have & RT_DOCKER_DIR) && under(rt, p, DOCKER_DIR "/%s/config.v2.json", id) == 0)
		return running(rt, read_cfg(rt, p));
	return 0;
}

int rt_container_running(const struct rt *rt, const char *id)
{
	char p[RT_PATH_MAX];
	size_t i;

	if (!rt_have_runtime(rt))
		return -1;
	if (!safe_name(id))
		return 0;
	if (rt->have & RT_CONTAINERD)
		for (i = 0; i < sizeof task_ns / sizeof task_ns[0]; i++)
			if (under(rt, p, TASK_ROOT "/%s/%s", task_ns[i], id) == 0 && exists(rt, p))
				return 1;
	if ((rt->have & RT_CRIO) && under(rt, p, CRIO_DIR "/%s/userdata", id) == 0 && exists(rt, p))
		return 1;
	if ((rt->have & (RT_DOCKER_API | RT_DOCKER_DIR)) && docker_running(rt, id))
		return 1;
	return 0;
}

int rt_pod_known(const struct rt *rt, const char *uid)
{
	char p[RT_PATH_MAX];

	if (!(rt->have & RT_KUBELET))
		return -1;
	return safe_name(uid) && under(rt, p, KUBELET_PODS "/%s", uid) == 0 && exists(rt, p);
}

int rt_names_from_json(const char *doc, size_t len, struct rt_container *out)
{
	/* Not on a per-process path (a dead sandbox's config, tests): one allocation per call. */
	struct jt_tok *tok = malloc(RT_TOKENS * sizeof *tok);
	int rc = rt_doc_names(doc, len, tok, tok ? RT_TOKENS : 0, out); /* no tokens: out cleared, -1 */

	free(tok);
	return rc;
}

/* The names in the document of len bytes in rt's buffer; 0 or -1. */
static int names(const struct rt *rt, long len, struct rt_container *out)
{
	if (len < 0)
		return -1;
	rt_doc_names(rt->w->doc, (size_t)len, rt->w->tok, RT_TOKENS, out);
	return 0;
}

int rt_container_info(const struct rt *rt, const char *id, struct rt_container *out)
{
	char p[RT_PATH_MAX], what[RT_PATH_MAX];
	size_t i;

	memset(out, 0, sizeof *out);
	scopy(out->id, sizeof out->id, id);
	if (!safe_name(id))
		return -1;
	for (i = 0; (rt->have & RT_CONTAINERD) && i < sizeof task_ns / sizeof task_ns[0]; i++)
		if (under(rt, p, TASK_ROOT "/%s/%s/config.json", task_ns[i], id) == 0 &&
		    names(rt, read_cfg(rt, p), out) == 0)
			return 0;
	if (rt->have & RT_DOCKER_API) {
		snprintf(what, sizeof what, "/containers/%s/json", id);
		if (names(rt, docker_doc(rt, what), out) == 0)
			return 0;
	}
	if ((rt->have & RT_DOCKER_DIR) && under(rt, p, DOCKER_DIR "/%s/config.v2.json", id) == 0 &&
	    names(rt, read_cfg(rt, p), out) == 0)
		return 0;
	return -1;
}

int rt_stale(const struct rt *rt, const char *pod_uid, const char *cid, char *why, size_t cap)
{
	int run = -1, known = -1;

	if (why && cap)
		why[0] = 0;
	if ((!cid || !*cid) && (!pod_uid || !*pod_uid))
		return 0;
	if (cid && *cid) {
		run = rt_container_running(rt, cid);
		if (run == 0) {
			if (why)
				snprintf(why, cap, "container %.12s is not a running container of the runtime", cid);
			return 1;
		}
	}
	if (pod_uid && *pod_uid) {
		known = rt_pod_known(rt, pod_uid);
		if (known == 0) {
			if (why)
				snprintf(why, cap, "pod %s is unknown to the kubelet", pod_uid);
			return 1;
		}
	}
	return run == -1 && known == -1 ? -1 : 0;
}

/* --- pods --------------------------------------------------------------------------------- */
/* var/log/pods/<namespace>_<name>_<uid>: names never hold '_' (DNS labels), so split on it. */
static int split_logdir(const char *s, struct rt_pod *p)
{
	const char *a = strchr(s, '_'), *b = a ? strrchr(s, '_') : NULL;

	if (!a || b == a)
		return -1;
	memset(p, 0, sizeof *p);
	snprintf(p->namespace_, sizeof p->namespace_, "%.*s", (int)(a - s), s);
	snprintf(p->name, sizeof p->name, "%.*s", (int)(b - a - 1), a + 1);
	scopy(p->uid, sizeof p->uid, b + 1);
	return 0;
}

static int walk_dir(const struct rt *rt, const char *rel, int logdirs, const struct rt_pod_index *ix,
		    int (*cb)(const struct rt_pod *p, void *arg), void *arg)
{
	char p[RT_PATH_MAX];
	struct dirent *d;
	struct rt_pod pod;
	DIR *dir;
	int r = 1;

	if (under(rt, p, "%s", rel) < 0 || !(dir = hostfs_opendir(rt->root, p)))
		return 1;
	while (r > 0 && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		if (logdirs) {
			if (split_logdir(d->d_name, &pod) < 0)
				continue;
		} else {
			/* A UID the log dirs already named was reported with its name. */
			if (ix && rt_pod_index_find(ix, d->d_name, &pod) == 0 && pod.name[0])
				continue;
			memset(&pod, 0, sizeof pod);
			scopy(pod.uid, sizeof pod.uid, d->d_name);
		}
		r = cb(&pod, arg);
	}
	closedir(dir);
	return r;
}

int rt_pod_walk(const struct rt *rt, int (*cb)(const struct rt_pod *p, void *arg), void *arg)
{
	struct rt_pod_index ix = { NULL, 0 };
	int r = 1;

	if (rt->have & RT_LOGPODS)
		r = walk_dir(rt, LOG_PODS, 1, NULL, cb, arg);
	if (r > 0 && (rt->have & RT_KUBELET)) {
		/* UIDs the log dirs already named were reported with their names. */
		if ((rt->have & RT_LOGPODS) && rt_pod_index_load(rt, &ix) < 0)
			return -1;
		r = walk_dir(rt, KUBELET_PODS, 0, &ix, cb, arg);
		rt_pod_index_free(&ix);
	}
	return r < 0 ? r : 0;
}

static int ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rt_pod_ref *)a)->uid, ((const struct rt_pod_ref *)b)->uid);
}

/* RT_INDEX_FIRST: entries allocated first; doubled as needed. */
#define RT_INDEX_FIRST 256

static int index_add(struct rt_pod_index *ix, size_t *cap, const char *dir, const struct rt_pod *p)
{
	struct rt_pod_ref *nv;

	if (ix->n == *cap) {
		nv = realloc(ix->v, (*cap ? *cap * 2 : RT_INDEX_FIRST) * sizeof *nv);
		if (!nv)
			return -1;
		ix->v = nv;
		*cap = *cap ? *cap * 2 : RT_INDEX_FIRST;
	}
	scopy(ix->v[ix->n].uid, sizeof ix->v[ix->n].uid, p->uid);
	ix->v[ix->n].dir = strdup(dir);
	if (!ix->v[ix->n].dir)
		return -1;
	ix->n++;
	return 0;
}

int rt_pod_index_load(const struct rt *rt, struct rt_pod_index *ix)
{
	struct dirent *d;
	struct rt_pod pod;
	size_t cap = 0;
	DIR *dir;
	int rc = 0;

	ix->v = NULL;
	ix->n = 0;
	if (!(rt->have & RT_LOGPODS) || !(dir = hostfs_opendir(rt->root, LOG_PODS)))
		return 0;
	while (rc == 0 && (d = readdir(dir)))
		if (d->d_name[0] != '.' && split_logdir(d->d_name, &pod) == 0)
			rc = index_add(ix, &cap, d->d_name, &pod);
	closedir(dir);
	if (rc < 0) {
		rt_pod_index_free(ix);
		return -1;
	}
	qsort(ix->v, ix->n, sizeof ix->v[0], ref_cmp);
	return 0;
}

int rt_pod_index_find(const struct rt_pod_index *ix, const char *uid, struct rt_pod *out)
{
	struct rt_pod_ref key;
	const struct rt_pod_ref *r;

	memset(out, 0, sizeof *out);
	if (!ix->n || strlen(uid) >= sizeof key.uid)
		return -1;
	scopy(key.uid, sizeof key.uid, uid);
	r = bsearch(&key, ix->v, ix->n, sizeof ix->v[0], ref_cmp);
	return r ? split_logdir(r->dir, out) : -1;
}

void rt_pod_index_free(struct rt_pod_index *ix)
{
	size_t i;

	for (i = 0; i < ix->n; i++)
		free(ix->v[i].dir);
	free(ix->v);
	ix->v = NULL;
	ix->n = 0;
}

int rt_pod_by_uid(const struct rt *rt, const char *uid, struct rt_pod *out)
{
	char p[RT_PATH_MAX];
	struct dirent *d;
	DIR *dir;
	size_t ul = strlen(uid), nl;
	int found = -1;

	memset(out, 0, sizeof *out);
	if (!ul || under(rt, p, LOG_PODS) < 0 || !(dir = hostfs_opendir(rt->root, p)))
		return -1;
	while ((d = readdir(dir))) {
		nl = strlen(d->d_name);
		if (nl > ul && d->d_name[nl - ul - 1] == '_' && !strcmp(d->d_name + nl - ul, uid) &&
		    split_logdir(d->d_name, out) == 0) {
			found = 0;
			break;
		}
	}
	closedir(dir);
	if (found < 0 && rt_pod_known(rt, uid) == 1) {
		scopy(out->uid, sizeof out->uid, uid);
		found = 0;
	}
	return found;
}
