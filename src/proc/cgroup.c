/* Pod UID and container ID from cgroup paths. The kubelet names a pod's cgroup after its UID
 * ("pod<UID>" with the cgroupfs driver, "kubepods-<qos>-pod<UID with _>.slice" with systemd);
 * the runtime names the container's cgroup after its ID (bare 64 hex with cgroupfs,
 * "cri-containerd-<ID>.scope", "docker-<ID>.scope", "crio-<ID>.scope" with systemd). */
#include <string.h>

#include "proc/proc.h"

/* CID_HEX: runtimes name containers by a full sha256 (64 hex digits). */
#define CID_HEX 64

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A pod UID: 36-byte UUID (dashes or systemd's underscores at 8,13,18,23) or, for static pods,
 * the 32-hex config hash. Writes the dashed form. */
static int take_uid(const char *s, size_t n, char *out)
{
	size_t i;

	if (n == 32) {
		for (i = 0; i < n; i++)
			if (!is_hex(s[i]))
				return 0;
	} else if (n == 36) {
		for (i = 0; i < n; i++) {
			int sep = i == 8 || i == 13 || i == 18 || i == 23;
			if (sep ? (s[i] != '-' && s[i] != '_') : !is_hex(s[i]))
				return 0;
		}
	} else {
		return 0;
	}
	for (i = 0; i < n; i++)
		out[i] = s[i] == '_' ? '-' : s[i];
	out[n] = 0;
	return 1;
}

static int has_prefix(const char *s, size_t n, const char *p)
{
	size_t l = strlen(p);
	return n >= l && !memcmp(s, p, l);
}

static int has_suffix(const char *s, size_t n, const char *p)
{
	size_t l = strlen(p);
	return n >= l && !memcmp(s + n - l, p, l);
}

/* One path component: a pod? */
static int comp_pod(const char *s, size_t n, char *uid)
{
	const char *p;

	if (has_prefix(s, n, "pod"))
		return take_uid(s + 3, n - 3, uid);
	/* systemd: kubepods[-qos]-pod<UID>.slice */
	if (!has_prefix(s, n, "kubepods") || !has_suffix(s, n, ".slice"))
		return 0;
	n -= 6;
	for (p = s + n - 4; p > s; p--)
		if (!memcmp(p, "-pod", 4))
			return take_uid(p + 4, (size_t)(s + n - p - 4), uid);
	return 0;
}

/* One path component: a container? (conmon scopes of CRI-O are not the container.) */
static int comp_container(const char *s, size_t n, char *cid)
{
	static const char *const prefixes[] = { "cri-containerd-", "docker-", "crio-", "containerd-" };
	size_t i;

	if (has_suffix(s, n, ".scope")) {
		n -= 6;
		for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
			if (has_prefix(s, n, prefixes[i])) {
				s += strlen(prefixes[i]);
				n -= strlen(prefixes[i]);
				break;
			}
		if (i == sizeof prefixes / sizeof prefixes[0])
			return 0;
	}
	if (n != CID_HEX)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return 0;
	memcpy(cid, s, n);
	cid[n] = 0;
	return 1;
}

static void copy_path(char *dst, const char *s, size_t n)
{
	if (n >= PROC_CGROUP_MAX)
		n = PROC_CGROUP_MAX - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

int proc_parse_cgroup_path(const char *path, size_t len, struct proc_cgroup *out)
{
	const char *s = path, *end = path + len, *c;

	memset(out, 0, sizeof *out);
	copy_path(out->path, path, len);
	while (s < end) {
		while (s < end && *s == '/')
			s++;
		c = s;
		while (s < end && *s != '/')
			s++;
		if (s == c)
			break;
		if (!out->pod_uid[0] && comp_pod(c, (size_t)(s - c), out->pod_uid))
			continue;
		comp_container(c, (size_t)(s - c), out->container_id);
	}
	return out->pod_uid[0] || out->container_id[0];
}

int proc_parse_cgroup(const char *buf, size_t len, struct proc_cgroup *out)
{
	const char *s = buf, *end = buf + len, *nl, *c1, *c2;
	const char *fb = NULL;
	size_t fbn = 0;
	int lines = 0;

	memset(out, 0, sizeof *out);
	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		c1 = memchr(s, ':', (size_t)(nl - s));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(nl - c1 - 1)) : NULL;
		if (!c2 || c2 + 1 >= nl || c2[1] != '/')
			continue;
		lines++;
		if (proc_parse_cgroup_path(c2 + 1, (size_t)(nl - c2 - 1), out) > 0)
			return 1;
		/* Fallback shown when no pod is found: the unified (v2) line, else the first. */
		if (!fb || (c1 == s + 1 && s[0] == '0' && c2 == c1 + 1)) {
			fb = c2 + 1;
			fbn = (size_t)(nl - c2 - 1);
		}
	}
	memset(out, 0, sizeof *out);
	if (!lines)
		return -1;
	copy_path(out->path, fb, fbn);
	return 0;
}
