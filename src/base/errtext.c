/* The one table that turns error codes into words: modules add their codes to base/err.h
 * and one row here. Whether a code is a usage error (exit 2) is part of its row; the CLI maps
 * the rest to exit 3. */
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

	/* drops */

	/* netfilter */

	/* ctnl */
	{ NR_E_CTNL_DUMP, 0, "cannot read the conntrack table over ctnetlink" },
	{ NR_E_CTNL_NOMOD, 0, "no conntrack here (nf_conntrack and nf_conntrack_netlink not in this kernel)" },

	/* probe */

	/* dns */

	/* health */
	{ NR_E_HEALTH_PROC, 0, "cannot walk /proc for the runtime health view" },

	/* io */

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
#undef ADD
}
