/* The one table that turns error codes into words: modules add their codes to base/err.h
 * and one row here. Whether a code is a usage error (exit 2) is part of its row; the CLI maps
 * the rest to exit 3. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"

static const struct nr_errdef table[] = {
	{ NR_E_USAGE, 1, "invalid argument" },
	{ NR_E_NOMEM, 0, "out of memory" },
	{ NR_E_SYS, 0, "system call failed" },
	{ NR_E_PERM, 0, "permission denied (run as root: netrescue needs CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN, CAP_SYS_PTRACE)" },
	{ NR_E_NOENT, 0, "not found" },
	{ NR_E_NOIF, 0, "no such interface" },
	{ NR_E_PARSE, 0, "malformed data" },
	{ NR_E_TOOBIG, 0, "does not fit in netrescue's bounded buffer" },
	{ NR_E_EXISTS, 0, "already exists (use --force to overwrite)" },
	{ NR_E_UNSUPPORTED, 0, "not supported by this kernel or node" },
	/* netlink */
	{ NR_E_NL_NOROUTE, 0, "no route to this address" },
	{ NR_E_NL_PROTO, 0, "unexpected netlink reply" },
	{ NR_E_NL_KERNEL, 0, "the kernel refused the request" },
	{ NR_E_NL_NONETNS, 0, "network namespace is gone" },
	{ NR_E_NL_NOTBRIDGE, 0, "not a bridge" },
	/* proc */
	{ NR_E_PROC_NOPID, 0, "no such process" },
	{ NR_E_PROC_NOPOD, 0, "no such pod" },
	{ NR_E_PROC_NONETNS, 0, "cannot enter its network namespace" },
	{ NR_E_PROC_SOCKDIAG, 0, "cannot list sockets (sock_diag and /proc/net both failed)" },
	/* capture */
	{ NR_E_CAP_FILTER, 1, "invalid capture filter (libpcap syntax, as tcpdump)" },
	{ NR_E_CAP_PCAP, 0, "capture failed" },
	{ NR_E_CAP_NODIR, 0, "no disk-backed writable directory for the capture (name one with -w DIR/FILE)" },
	{ NR_E_CAP_IFDOWN, 0, "interface is down (ip link set IFACE up)" },
	{ NR_E_CAP_SYMLINK, 0, "is a symlink: refusing to write through it" },
	{ NR_E_CAP_OPEN, 0, "cannot create the capture file" },
	{ NR_E_CAP_NOTREG, 0, "exists and is not a regular file: --force replaces only regular files" },
	{ NR_E_CAP_LINKTYPE, 1, "link type not offered by this interface (-y)" },
	{ NR_E_CAP_TRUNC, 0, "the capture file is cut short (packets before the cut were read)" },
	{ NR_E_CAP_NOPOD, 0, "no pod with this IP on this node ('netrescue locate IP' says why)" },
	/* tls */
	{ NR_E_TLS_CLOCK, 0, "the node clock is before netrescue's build date, so certificates cannot be checked: set the clock (date -s) and retry" },
	{ NR_E_TLS_UNTRUSTED, 0, "TLS: certificate not trusted (unknown CA; add the CA with --ca-file)" },
	{ NR_E_TLS_NAME, 0, "TLS: certificate name mismatch (the certificate is not for this host; check --resolve and the URL)" },
	{ NR_E_TLS_EXPIRED, 0, "TLS: certificate expired or not yet valid (check the node clock)" },
	{ NR_E_TLS_HANDSHAKE, 0, "TLS handshake failed" },
	{ NR_E_TLS_IO, 0, "TLS connection broken" },
	{ NR_E_TLS_CAFILE, 0, "no usable CA certificate in the --ca-file (PEM expected)" },
	/* http */
	{ NR_E_URL_BAD, 1, "invalid URL" },
	{ NR_E_HTTP_RESOLVE, 0, "cannot resolve the host name (try --resolve HOST:443:ADDR, e.g. private.googleapis.com's 199.36.153.8)" },
	{ NR_E_HTTP_CONNECT, 0, "cannot connect" },
	{ NR_E_HTTP_PROXY, 0, "the proxy refused CONNECT" },
	{ NR_E_HTTP_PARSE, 0, "malformed HTTP reply" },
	{ NR_E_HTTP_CLOSED, 0, "connection closed before the reply was complete" },
	{ NR_E_HTTP_TIMEOUT, 0, "timed out" },
	{ NR_E_HTTP_REFUSED, 0, "connection refused (nothing listens on that port, or a firewall rejects it; check the URL's port and --resolve)" },
	{ NR_E_HTTP_PROXY_AUTH, 0, "the proxy wants a user name and password (407): give them as --proxy http://USER:PASS@HOST:PORT or in HTTPS_PROXY, or fix the ones given" },
	{ NR_E_HTTP_PROXY_DENIED, 0, "the proxy's rules forbid this destination (403): ask its admin to allow CONNECT to this host and port, or bypass it (NO_PROXY, --proxy none)" },
	{ NR_E_HTTP_STOPPED, 0, "interrupted" },
	/* upload */
	{ NR_E_UPLOAD_MISSING_HEADER, 1, "header is signed in the URL but not given: add it with -H 'Name: value' (the value that was signed)" },
	{ NR_E_UPLOAD_OPTION, 1, "invalid value" },
	{ NR_E_UPLOAD_EXPIRED, 0, "the signed URL has expired: make a new one" },
	{ NR_E_UPLOAD_SIGNATURE, 0, "the server refused the signature (URL altered, other method, or a signed header value differs)" },
	{ NR_E_UPLOAD_SKEW, 0, "the server says the request time is too skewed: fix the node clock" },
	{ NR_E_UPLOAD_DENIED, 0, "access denied: the signer may not write this object" },
	{ NR_E_UPLOAD_REFUSED, 0, "the server refused the upload" },
	{ NR_E_UPLOAD_RETRIES, 0, "gave up after retries" },
	{ NR_E_UPLOAD_HASH, 0, "the server's checksum differs from the file's: the object is corrupt, upload again" },
	{ NR_E_UPLOAD_SHORT, 0, "the server did not get the whole file" },
	{ NR_E_UPLOAD_REDIRECT, 0, "the server answered with a redirect, not followed (the signature is for this URL): sign a URL for the place it names" },
	{ NR_E_UPLOAD_INSECURE, 1, "plain http:// would send the file and the URL in clear text: use https://, or --insecure-http if you mean it" },
	{ NR_E_UPLOAD_INTERRUPTED, 0, "interrupted" },
	{ NR_E_UPLOAD_STALLED, 0, "the server stopped answering" },
	{ NR_E_UPLOAD_POLICY, 1, "unusable POST policy (want the JSON {\"url\", \"fields\"} that generateSignedPostPolicyV4 or createPresignedPost return)" },
	/* checks */
	{ NR_E_KMSG, 0, "cannot read the kernel log" },
	{ NR_E_KMSG_PERM, 0, "kernel log not readable (kernel.dmesg_restrict is set: run as root)" },
	{ NR_E_CT_RO, 0, "nf_conntrack_max is read-only here (a child network namespace cannot set it on recent kernels, or /proc/sys is mounted read-only): run in the node's initial netns with a writable /proc/sys; sysctl.conf left untouched" },
	{ NR_E_CT_CONF, 0, "cannot update sysctl.conf safely" },
	{ NR_E_MTU, 0, "cannot read the links" },
	/* diagnose, bundle */
	{ NR_E_BUNDLE_NAME, 0, "name too long for a bundle member" },
	{ NR_E_BUNDLE_WRITE, 0, "cannot write the bundle" },
	{ NR_E_DIAG_NOTHING, 0, "no check could run" },

	/* trace */
	{ NR_E_TRACE_NOEVENT, 0, "this kernel has no such tracepoint" },
	{ NR_E_TRACE_TRACEFS, 0, "cannot read tracefs (not mounted, and a private mount needs CAP_SYS_ADMIN)" },
	{ NR_E_TRACE_PERF, 0, "cannot open the tracepoint with perf_event_open (needs root or CAP_PERFMON)" },
	{ NR_E_TRACE_BTF, 0, "no usable kernel BTF (/sys/kernel/btf/vmlinux)" },
	{ NR_E_TRACE_BPF, 0, "the kernel refused the BPF program (needs root or CAP_BPF+CAP_PERFMON)" },

	/* drops */
	{ NR_E_DROPS_NOPOD, 0, "no pod holds this IP on this node ('netrescue locate IP' says why)" },

	/* netfilter */
	{ NR_E_NF_NOSERVICE, 0, "no such Service in the node's kube-proxy rules" },

	/* ctnl */
	{ NR_E_CTNL_DUMP, 0, "cannot read the conntrack table over ctnetlink" },
	{ NR_E_CTNL_NOMOD, 0, "no conntrack here (nf_conntrack and nf_conntrack_netlink not in this kernel)" },

	/* probe */
	{ NR_E_PROBE_NONETNS, 0, "the pod's network namespace is gone (the pod was deleted or restarted)" },
	{ NR_E_PROBE_NOPOD, 0, "no pod with this IP on this node ('netrescue locate IP' says why)" },
	{ NR_E_PROBE_RESOLVE, 0, "the name does not resolve through the pod's DNS ('netrescue dns --from POD_IP NAME' says why)" },
	{ NR_E_PROBE_TARGET, 1, "invalid target (TARGET[:PORT], port 1-65535)" },

	/* dns */
	{ NR_E_DNS_RESOLV, 0, "cannot read the pod's /etc/resolv.conf" },

	/* health */
	{ NR_E_HEALTH_PROC, 0, "cannot walk /proc for the runtime health view" },

	/* io */
	{ NR_E_IO_OPEN, 0, "cannot open" },
	{ NR_E_IO_READ, 0, "cannot read" },
	{ NR_E_IO_NOTREG, 0, "is not a regular file (FIFOs, devices and sockets are never read)" },
	{ NR_E_IO_TIMEOUT, 0, "did not answer within its deadline" },

};

const struct nr_errdef *nr_err_table(size_t *n)
{
	*n = sizeof table / sizeof table[0];
	return table;
}

static const struct nr_errdef *lookup(int code)
{
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].code == code)
			return &table[i];
	return NULL;
}

const char *nr_err_message(int code)
{
	const struct nr_errdef *d = lookup(code);

	return d ? d->text : NULL;
}

int nr_err_is_usage(int code)
{
	const struct nr_errdef *d = lookup(code);

	return d ? d->usage : 0;
}

const char *nr_errno_name(int sys)
{
	static const struct { int no; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" }, { EINTR, "EINTR" },
		{ EIO, "EIO" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" },
		{ EMFILE, "EMFILE" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
		{ EPIPE, "EPIPE" }, { ENAMETOOLONG, "ENAMETOOLONG" }, { ELOOP, "ELOOP" },
		{ ENOSYS, "ENOSYS" }, { ENXIO, "ENXIO" }, { EXDEV, "EXDEV" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ ECONNREFUSED, "ECONNREFUSED" }, { ECONNRESET, "ECONNRESET" }, { EPROTO, "EPROTO" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EADDRINUSE, "EADDRINUSE" }, { ENETUNREACH, "ENETUNREACH" },
		{ EHOSTUNREACH, "EHOSTUNREACH" }, { EDQUOT, "EDQUOT" }, { ENOTSOCK, "ENOTSOCK" },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].no == sys)
			return names[i].name;
	return "E?";
}

void nr_err_text(const struct nr_err *e, char *buf, size_t cap)
{
	const char *msg = nr_err_message(e->code);
	size_t n = 0;

	if (!cap)
		return;
#define ADD(...) do { if (n < cap) n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__); } while (0)
	buf[0] = 0;
	if (e->module)
		ADD("%s: ", e->module);
	if (e->ctx[0])
		ADD("%s: ", e->ctx);
	ADD("%s", msg ? msg : "failed");
	/* errno adds facts only where the code does not already say them. */
	if (e->sys && e->code != NR_E_PERM && e->code != NR_E_NOIF)
		ADD(" (%s)", strerror(e->sys));
	/* A refused read names its errno: EACCES (file modes, LSM) and EPERM (capabilities) differ
	 * in what the operator must change. */
	if (e->sys == EACCES || e->sys == EPERM)
		ADD(" [%s]", nr_errno_name(e->sys));
#undef ADD
}
