/* The one table that turns error codes into words and exit codes. Modules add their codes to
 * base/err.h and a row here. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct errdef {
	int code;
	int exit;
	const char *text;
};

static const struct errdef table[] = {
	{ NR_E_USAGE, EXIT_USAGE, "invalid argument" },
	{ NR_E_NOMEM, EXIT_CANNOT, "out of memory" },
	{ NR_E_SYS, EXIT_CANNOT, "system call failed" },
	{ NR_E_PERM, EXIT_CANNOT, "permission denied (run as root: netrescue needs CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN, CAP_SYS_PTRACE)" },
	{ NR_E_NOENT, EXIT_CANNOT, "not found" },
	{ NR_E_NOIF, EXIT_CANNOT, "no such interface" },
	{ NR_E_PARSE, EXIT_CANNOT, "malformed data" },
	{ NR_E_TOOBIG, EXIT_CANNOT, "does not fit in netrescue's bounded buffer" },
	{ NR_E_EXISTS, EXIT_CANNOT, "already exists (use --force to overwrite)" },
	{ NR_E_UNSUPPORTED, EXIT_CANNOT, "not supported by this kernel or node" },
	/* netlink */
	{ NR_E_NL_NOROUTE, EXIT_CANNOT, "no route to this address" },
	{ NR_E_NL_PROTO, EXIT_CANNOT, "unexpected netlink reply" },
	{ NR_E_NL_KERNEL, EXIT_CANNOT, "the kernel refused the request" },
	{ NR_E_NL_NONETNS, EXIT_CANNOT, "network namespace is gone" },
	{ NR_E_NL_NOTBRIDGE, EXIT_CANNOT, "not a bridge" },
	/* proc */
	{ NR_E_PROC_NOPID, EXIT_CANNOT, "no such process" },
	{ NR_E_PROC_NOPOD, EXIT_CANNOT, "no such pod" },
	{ NR_E_PROC_NONETNS, EXIT_CANNOT, "cannot enter its network namespace" },
	{ NR_E_PROC_SOCKDIAG, EXIT_CANNOT, "cannot list sockets (sock_diag and /proc/net both failed)" },
	/* capture */
	{ NR_E_CAP_FILTER, EXIT_USAGE, "invalid capture filter (libpcap syntax, as tcpdump)" },
	{ NR_E_CAP_PCAP, EXIT_CANNOT, "capture failed" },
	{ NR_E_CAP_NODIR, EXIT_CANNOT, "no disk-backed writable directory for the capture (name one with -w DIR/FILE)" },
	{ NR_E_CAP_IFDOWN, EXIT_CANNOT, "interface is down (ip link set IFACE up)" },
	{ NR_E_CAP_SYMLINK, EXIT_CANNOT, "is a symlink: refusing to write through it" },
	{ NR_E_CAP_OPEN, EXIT_CANNOT, "cannot create the capture file" },
	{ NR_E_CAP_NOPOD, EXIT_CANNOT, "no pod with this IP on this node ('netrescue locate IP' says why)" },
	/* tls */
	{ NR_E_TLS_CLOCK, EXIT_CANNOT, "the node clock is before netrescue's build date, so certificates cannot be checked: set the clock (date -s) and retry" },
	{ NR_E_TLS_UNTRUSTED, EXIT_CANNOT, "TLS: certificate not trusted (unknown CA; add the CA with --ca-file)" },
	{ NR_E_TLS_NAME, EXIT_CANNOT, "TLS: certificate name mismatch (the certificate is not for this host; check --resolve and the URL)" },
	{ NR_E_TLS_EXPIRED, EXIT_CANNOT, "TLS: certificate expired or not yet valid (check the node clock)" },
	{ NR_E_TLS_HANDSHAKE, EXIT_CANNOT, "TLS handshake failed" },
	{ NR_E_TLS_IO, EXIT_CANNOT, "TLS connection broken" },
	{ NR_E_TLS_CAFILE, EXIT_CANNOT, "no usable CA certificate in the --ca-file (PEM expected)" },
	/* http */
	{ NR_E_URL_BAD, EXIT_USAGE, "invalid URL" },
	{ NR_E_HTTP_RESOLVE, EXIT_CANNOT, "cannot resolve the host name (try --resolve HOST:443:ADDR, e.g. private.googleapis.com's 199.36.153.8)" },
	{ NR_E_HTTP_CONNECT, EXIT_CANNOT, "cannot connect" },
	{ NR_E_HTTP_PROXY, EXIT_CANNOT, "the proxy refused CONNECT" },
	{ NR_E_HTTP_PARSE, EXIT_CANNOT, "malformed HTTP reply" },
	{ NR_E_HTTP_CLOSED, EXIT_CANNOT, "connection closed before the reply was complete" },
	{ NR_E_HTTP_TIMEOUT, EXIT_CANNOT, "timed out" },
	/* upload */
	{ NR_E_UPLOAD_MISSING_HEADER, EXIT_USAGE, "header is signed in the URL but not given: add it with -H 'Name: value' (the value that was signed)" },
	{ NR_E_UPLOAD_OPTION, EXIT_USAGE, "invalid value" },
	{ NR_E_UPLOAD_EXPIRED, EXIT_CANNOT, "the signed URL has expired: make a new one" },
	{ NR_E_UPLOAD_SIGNATURE, EXIT_CANNOT, "the server refused the signature (URL altered, other method, or a signed header value differs)" },
	{ NR_E_UPLOAD_SKEW, EXIT_CANNOT, "the server says the request time is too skewed: fix the node clock" },
	{ NR_E_UPLOAD_DENIED, EXIT_CANNOT, "access denied: the signer may not write this object" },
	{ NR_E_UPLOAD_REFUSED, EXIT_CANNOT, "the server refused the upload" },
	{ NR_E_UPLOAD_RETRIES, EXIT_CANNOT, "gave up after retries" },
	{ NR_E_UPLOAD_HASH, EXIT_CANNOT, "the server's checksum differs from the file's: the object is corrupt, upload again" },
	{ NR_E_UPLOAD_SHORT, EXIT_CANNOT, "the server did not get the whole file" },
	/* checks */
	{ NR_E_KMSG, EXIT_CANNOT, "cannot read the kernel log" },
	{ NR_E_KMSG_PERM, EXIT_CANNOT, "kernel log not readable (kernel.dmesg_restrict is set: run as root)" },
	{ NR_E_CT_RO, EXIT_CANNOT, "nf_conntrack_max is read-only here (a child network namespace cannot set it on recent kernels, or /proc/sys is mounted read-only): run in the node's initial netns with a writable /proc/sys; sysctl.conf left untouched" },
	{ NR_E_CT_CONF, EXIT_CANNOT, "cannot update sysctl.conf safely" },
	{ NR_E_MTU, EXIT_CANNOT, "cannot read the links" },
	{ NR_E_MTU, EXIT_CANNOT, "cannot read the links" },
	/* diagnose, bundle */
	{ NR_E_DIAG, EXIT_CANNOT, "diagnose failed" },
	{ NR_E_BUNDLE_NAME, EXIT_CANNOT, "name too long for a bundle member" },
	{ NR_E_BUNDLE_WRITE, EXIT_CANNOT, "cannot write the bundle" },
	{ NR_E_DIAG_NOTHING, EXIT_CANNOT, "no check could run" },
};

static const struct errdef *lookup(int code)
{
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].code == code)
			return &table[i];
	return NULL;
}

int cli_err_exit(const struct nr_err *e)
{
	const struct errdef *d = lookup(e->code);

	return d ? d->exit : EXIT_CANNOT;
}

void cli_err_text(const struct nr_err *e, char *buf, size_t cap)
{
	const struct errdef *d = lookup(e->code);
	size_t n = 0;

#define ADD(...) do { if (n < cap) n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__); } while (0)
	buf[0] = 0;
	if (e->module)
		ADD("%s: ", e->module);
	if (e->ctx[0])
		ADD("%s: ", e->ctx);
	ADD("%s", d ? d->text : "failed");
	/* errno adds facts only where the code does not already say them. */
	if (e->sys && e->code != NR_E_PERM && e->code != NR_E_NOIF)
		ADD(" (%s)", strerror(e->sys));
#undef ADD
}

int cli_fail(struct cli *c, const struct nr_err *e)
{
	char msg[NR_ERR_CTX + 512];

	(void)c;
	cli_err_text(e, msg, sizeof msg);
	fprintf(stderr, "netrescue: %s\n", msg);
	return cli_err_exit(e);
}

int cli_usage(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fputs("netrescue: ", stderr);
	if (c && c->cmd)
		fprintf(stderr, "%s: ", c->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

void cli_warn(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fputs("netrescue: ", stderr);
	if (c && c->cmd)
		fprintf(stderr, "%s: ", c->cmd->name);
	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
