/* What the container runtime and the kubelet know, read from the node's files (--host-root)
 * with no runtime client: containerd's task dirs (a running task has
 * run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>/ with the OCI config.json whose
 * annotations name the pod and container), Docker (the Engine API over var/run/docker.sock,
 * in-process HTTP over the unix socket; else var/lib/docker/containers/<id>/config.v2.json),
 * CRI-O (run/containers/storage/overlay-containers/<id>), the kubelet's var/lib/kubelet/pods/<uid>
 * and var/log/pods/<namespace>_<name>_<uid>.
 *
 * When none of these can be read the runtime's view is unknown: rt_stale() then answers -1 and
 * nothing may be called stale. */
#ifndef NR_RUNTIME_RUNTIME_H
#define NR_RUNTIME_RUNTIME_H
#include <stddef.h>

#include "base/err.h"

/* RT_PATH_MAX: host root + the longest runtime path we build (task dir + id + file). */
#define RT_PATH_MAX 512
/* RT_NAME_MAX: Kubernetes names are DNS labels/subdomains (<= 253 bytes). */
#define RT_NAME_MAX 256
#define RT_UID_MAX 40
#define RT_ID_MAX 72

/* Which sources could be read (bits of struct rt.have). */
enum {
	RT_CONTAINERD = 1 << 0, /* containerd's v2 task root exists */
	RT_DOCKER_API = 1 << 1, /* docker.sock answered */
	RT_DOCKER_DIR = 1 << 2, /* var/lib/docker/containers readable */
	RT_CRIO = 1 << 3,       /* run/containers/storage/overlay-containers readable */
	RT_KUBELET = 1 << 4,    /* var/lib/kubelet/pods readable */
	RT_LOGPODS = 1 << 5,    /* var/log/pods readable */
};

struct rt_work;
struct rt {
	char root[RT_PATH_MAX]; /* --host-root */
	unsigned have;          /* RT_* bits */
	struct rt_work *w;      /* one document's buffers (~0.5 MiB), owned: rt_close frees it */
};

struct rt_container {
	char id[RT_ID_MAX];
	char name[RT_NAME_MAX];          /* container name; "" for a sandbox or unknown */
	char type[16];                   /* "sandbox", "container" or "" */
	char pod_uid[RT_UID_MAX];
	char pod_name[RT_NAME_MAX];
	char pod_namespace[RT_NAME_MAX];
};

struct rt_pod {
	char uid[RT_UID_MAX];
	char name[RT_NAME_MAX];          /* "" when only the kubelet's UID dir is known */
	char namespace_[RT_NAME_MAX];
};

/* Probes which sources exist under host_root. Never fails: a node with none is legitimate (the
 * caller reports "runtime state unknown"); without memory for the buffers no config can be
 * read (names unknown, Docker unasked). Every rt_open is paired with one rt_close. */
void rt_open(struct rt *rt, const char *host_root);
void rt_close(struct rt *rt);
/* Some container runtime state (containerd, Docker or CRI-O) could be read. */
int rt_have_runtime(const struct rt *rt);
/* Short text of the sources read ("containerd,kubelet,pod-logs"), or "none". */
const char *rt_sources(const struct rt *rt, char *buf, size_t cap);

/* 1 when the runtime runs container id, 0 when it does not, -1 when no runtime state. */
int rt_container_running(const struct rt *rt, const char *id);
/* 1 when the kubelet knows pod uid, 0 when not, -1 when the kubelet's dirs are unreadable. */
int rt_pod_known(const struct rt *rt, const char *uid);
/* Names of a running container from its config (containerd annotations or Docker labels).
 * Returns 0, or -1 when unknown (out is then zeroed, id kept). */
int rt_container_info(const struct rt *rt, const char *id, struct rt_container *out);

/* The names in an OCI config.json (CRI annotations) or a Docker container JSON (labels); len
 * bytes, need not be NUL-terminated; out->id is kept. 0 when some name was found, else -1.
 * Each key is looked up where it belongs ("annotations", "Config"."Labels"), \u escapes
 * decoded. rt_container_info() reads the file and calls the same code. */
int rt_names_from_json(const char *doc, size_t len, struct rt_container *out);

/* The stale verdict for a process in pod pod_uid / container cid (either may be ""):
 * 1 stale (why says which fact), 0 not stale, -1 unknown (no runtime state to judge by). A
 * process in no container and no pod is never stale. */
int rt_stale(const struct rt *rt, const char *pod_uid, const char *cid, char *why, size_t cap);

/* Each pod the node knows (var/log/pods names it; var/lib/kubelet/pods adds UID-only ones).
 * cb as for every walker: <0 error, 0 stop, >0 go on. */
int rt_pod_walk(const struct rt *rt, int (*cb)(const struct rt_pod *p, void *arg), void *arg);
/* The pod with this UID (0), or -1. One scan of var/log/pods per call: for many UIDs, use
 * an rt_pod_index. */
int rt_pod_by_uid(const struct rt *rt, const char *uid, struct rt_pod *out);

/* The pods named by var/log/pods, by UID, read in one directory scan (a node with 20,000 pod
 * log dirs is answered in one readdir, not one per question). */
struct rt_pod_ref {
	char uid[RT_UID_MAX];
	char *dir;                       /* "<namespace>_<name>_<uid>" (owned) */
};
struct rt_pod_index {
	struct rt_pod_ref *v;            /* sorted by uid */
	size_t n;
};
/* Loads the index (empty when var/log/pods is unreadable). 0, or -1 when out of memory. */
int rt_pod_index_load(const struct rt *rt, struct rt_pod_index *ix);
/* The pod with this UID from the index (0), or -1. */
int rt_pod_index_find(const struct rt_pod_index *ix, const char *uid, struct rt_pod *out);
void rt_pod_index_free(struct rt_pod_index *ix);

#endif
