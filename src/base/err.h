/* Errors: modules never print and never exit. A failing function fills a caller-owned
 * struct nr_err and returns -1; nr_err_text turns it into one line through the table in
 * base/errtext.c ("capture: cbr0: no such interface"), and the CLI adds the exit code. */
#ifndef NR_BASE_ERR_H
#define NR_BASE_ERR_H
#include <stddef.h>

/* One enum, a range per module. NR_R_* mark where a range starts and are not errors; every
 * NR_E_* code has exactly one row in base/errtext.c (its message, and whether it is a usage
 * error, exit 2). tests/unit/test_errtext.c checks both ways. */
enum nr_code {
	NR_OK = 0,
	/* generic: 1-99 */
	NR_E_USAGE = 1,     /* bad option/argument: exit 2 */
	NR_E_NOMEM,
	NR_E_SYS,           /* a system call failed; sys holds errno */
	NR_E_PERM,          /* needs root / a capability */
	NR_E_NOENT,         /* named object does not exist */
	NR_E_NOIF,          /* no such interface */
	NR_E_PARSE,         /* malformed bytes from outside */
	NR_E_TOOBIG,        /* a bounded buffer is too small for what arrived */
	NR_E_EXISTS,        /* output exists and --force not given */
	NR_E_UNSUPPORTED,   /* the kernel/node lacks what is needed */
	/* netlink: 100-199 */
	NR_R_NL = 100,
	NR_E_NL_NOROUTE,      /* the kernel has no route to the address */
	NR_E_NL_PROTO,        /* a reply broke the netlink protocol (seq, port id, truncation) */
	NR_E_NL_KERNEL,       /* the kernel refused a request (NLMSG_ERROR); sys holds its errno */
	NR_E_NL_NONETNS,      /* the network namespace is gone */
	NR_E_NL_NOTBRIDGE,    /* the named interface exists but is not a bridge */
	/* proc: 200-299 */
	NR_R_PROC = 200,
	NR_E_PROC_NOPID,     /* no such process (or it exited): exit 3 */
	NR_E_PROC_NOPOD,     /* no pod matches --pod; ctx lists the closest known pods */
	NR_E_PROC_NONETNS,   /* a process's network namespace cannot be entered */
	NR_E_PROC_SOCKDIAG,  /* sock_diag refused the dump (and /proc/net fallback failed) */
	/* capture: 300-399 */
	NR_R_CAPTURE = 300,
	NR_E_CAP_FILTER,     /* the filter expression does not compile: exit 2 */
	NR_E_CAP_PCAP,       /* libpcap refused (ctx holds its text) */
	NR_E_CAP_NODIR,      /* -w auto: no disk-backed writable directory */
	NR_E_CAP_IFDOWN,     /* the interface is down: nothing to capture */
	NR_E_CAP_SYMLINK,    /* the output path is a symlink: never followed */
	NR_E_CAP_NOPOD,      /* --pod-ip: no pod interface for that IP on this node */
	NR_E_CAP_OPEN,       /* the output file cannot be created or written (sys: errno) */
	NR_E_CAP_NOTREG,     /* --force: the output exists and is not a regular file (device, FIFO...) */
	NR_E_CAP_LINKTYPE,   /* -y: the interface cannot give that link type: exit 2 */
	NR_E_CAP_TRUNC,      /* -r: the file ends inside a record (what came before was read) */
	/* tls: 400-499 */
	NR_R_TLS = 400,
	NR_E_TLS_CLOCK,      /* node clock before the build date: certificates cannot be checked */
	NR_E_TLS_UNTRUSTED,  /* chain does not lead to a known root */
	NR_E_TLS_NAME,       /* certificate is not for this host name */
	NR_E_TLS_EXPIRED,    /* certificate expired or not yet valid */
	NR_E_TLS_HANDSHAKE,  /* any other handshake failure (ctx holds BearSSL's code) */
	NR_E_TLS_IO,         /* the TLS stream broke after the handshake */
	NR_E_TLS_CAFILE,     /* --ca-file holds no usable CA certificate */
	/* http: 500-599 */
	NR_R_HTTP = 500,
	NR_E_URL_BAD,        /* not an http(s) URL we can use: exit 2 */
	NR_E_HTTP_RESOLVE,   /* host name does not resolve */
	NR_E_HTTP_CONNECT,   /* TCP connect failed */
	NR_E_HTTP_PROXY,     /* the proxy refused CONNECT */
	NR_E_HTTP_PARSE,     /* the reply is not HTTP */
	NR_E_HTTP_CLOSED,    /* connection closed before the reply was complete */
	NR_E_HTTP_TIMEOUT,   /* no progress within the timeout */
	NR_E_HTTP_REFUSED,   /* TCP connect refused (nothing listens, or a REJECT rule) */
	NR_E_HTTP_PROXY_AUTH, /* the proxy answered CONNECT with 407: credentials needed or wrong */
	NR_E_HTTP_PROXY_DENIED, /* the proxy answered CONNECT with 403: its rules forbid the target */
	NR_E_HTTP_STOPPED,   /* interrupted (SIGINT/SIGTERM) while waiting */
	/* upload: 600-699 */
	NR_R_UPLOAD = 600,
	NR_E_UPLOAD_MISSING_HEADER, /* a signed header was not given with -H: exit 2 */
	NR_E_UPLOAD_OPTION,  /* bad -H / --resolve / --proxy / --chunk-size value: exit 2 */
	NR_E_UPLOAD_EXPIRED, /* the server says the signed URL expired */
	NR_E_UPLOAD_SIGNATURE, /* the server refused the signature */
	NR_E_UPLOAD_SKEW,    /* the server says the node clock is off */
	NR_E_UPLOAD_DENIED,  /* signature fine, but the signer may not write there */
	NR_E_UPLOAD_REFUSED, /* any other 4xx */
	NR_E_UPLOAD_RETRIES, /* connection loss / 429 / 5xx on every attempt */
	NR_E_UPLOAD_HASH,    /* the server's checksum differs from the file's */
	NR_E_UPLOAD_SHORT,   /* the server confirmed less than the file, or the file changed */
	NR_E_UPLOAD_REDIRECT, /* the server answered with a redirect (never followed) */
	NR_E_UPLOAD_INSECURE, /* plain http:// without --insecure-http: exit 2 */
	NR_E_UPLOAD_INTERRUPTED, /* stopped by a signal; ctx says where */
	NR_E_UPLOAD_STALLED, /* a server or proxy stopped answering; ctx names host and phase */
	NR_E_UPLOAD_POLICY,  /* a POST policy that cannot be used (malformed, or it forbids this file): exit 2 */
	/* checks: 700-799 */
	NR_R_CHECK = 700,
	/* kmsg (kernel log) 760-769, conntrack 770-779, mtu 780-789: issue 7 */
	NR_E_KMSG = 760,    /* reading the kernel log failed; sys holds errno */
	NR_E_KMSG_PERM,     /* kernel log not readable (kernel.dmesg_restrict, not root) */
	NR_E_CT_RO = 770,   /* nf_conntrack_max not writable here (child netns, read-only /proc/sys) */
	NR_E_CT_CONF,       /* sysctl.conf could not be updated safely; sys holds errno */
	NR_E_MTU = 780,     /* the mtu check could not list links */
	/* diagnose and bundle: 800-899 */
	NR_R_DIAG = 800,
	NR_E_BUNDLE_NAME,   /* a bundle member name does not fit a ustar header */
	NR_E_BUNDLE_WRITE,  /* writing the bundle failed; sys holds errno */
	NR_E_DIAG_NOTHING,  /* no check could run at all */

	/* trace (tracefs, perf events, BTF, BPF): 900-949 */
	NR_R_TRACE = 900,
	NR_E_TRACE_NOEVENT,  /* this kernel has no such tracepoint */
	NR_E_TRACE_TRACEFS,  /* tracefs could not be read or mounted privately; sys holds errno */
	NR_E_TRACE_PERF,     /* perf_event_open refused (CAP_PERFMON, perf_event_paranoid) */
	NR_E_TRACE_BTF,      /* no kernel BTF, or it lacks a needed struct member */
	NR_E_TRACE_BPF,      /* the kernel refused the BPF program or map; ctx: the verifier's words */

	/* drops (the drop watch): 950-999 */
	NR_R_DROPS = 950,
	NR_E_DROPS_NOPOD,    /* --pod-ip: no pod holds this IP on this node: exit 3 */

	/* netfilter (x_tables and nf_tables readers, rules, services): 1000-1049 */
	NR_R_NETFILTER = 1000,
	NR_E_NF_NOSERVICE,  /* service: no frontend (IP[:PORT] or NS/NAME) in kube-proxy's rules */

	/* ctnl (conntrack entries over ctnetlink): 1050-1099 */
	NR_R_CTNL = 1050,
	NR_E_CTNL_DUMP,      /* the conntrack dump could not be read to its end; sys holds errno */
	NR_E_CTNL_NOMOD,     /* no ctnetlink in this kernel (nf_conntrack_netlink not loaded) */

	/* probe (TCP/TLS/HTTP/path MTU from a pod): 1100-1149 */
	NR_R_PROBE = 1100,
	NR_E_PROBE_NONETNS,  /* the pod's network namespace is gone (mid-probe) */
	NR_E_PROBE_NOPOD,    /* the pod IP is not a pod on this node */
	NR_E_PROBE_RESOLVE,  /* TARGET is a name that the pod's DNS does not resolve */
	NR_E_PROBE_TARGET,   /* TARGET[:PORT] malformed, port 0 or > 65535: exit 2 */

	/* dns (a pod's resolver, queries): 1150-1199 */
	NR_R_DNS = 1150,
	NR_E_DNS_RESOLV,     /* the pod's /etc/resolv.conf cannot be read */

	/* health (zombies, pids, OOM, runtime restarts): 1200-1249 */
	NR_R_HEALTH = 1200,
	NR_E_HEALTH_PROC,    /* /proc could not be walked for the runtime health view */

	/* io (base/io.c: whole-file reads and writes with deadlines): 1250-1299 */
	NR_R_IO = 1250,
	NR_E_IO_OPEN,       /* a node file could not be opened; sys holds errno */
	NR_E_IO_READ,       /* reading failed; sys holds errno */
	NR_E_IO_NOTREG,     /* not a regular file (a FIFO, device or socket is never read) */
	NR_E_IO_TIMEOUT,    /* the read did not finish within its deadline */
};

/* NR_ERR_CTX: room for the subject plus a detail ("cbr0", "/proc/123/fd"). */
#define NR_ERR_CTX 256

struct nr_err {
	int code;            /* enum nr_code */
	int sys;             /* errno at the failure, 0 when none */
	const char *module;  /* "capture", "netlink", ... (static string) */
	char ctx[NR_ERR_CTX];/* what it was about: interface, path, host; may be empty */
};

/* Fills e and returns -1, so callers can write `return nr_fail(e, ...);`.
 * fmt formats the subject (ctx). e may be NULL (the error is then dropped). */
int nr_fail(struct nr_err *e, int code, int sys, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Clears e to NR_OK. */
void nr_err_clear(struct nr_err *e);

/* The message for a code ("no such interface"); NULL for a code without a row. */
const char *nr_err_message(int code);
/* 1 when the code is a usage error (exit 2), else 0 (exit 3). */
int nr_err_is_usage(int code);
/* The symbolic name of an errno value ("EACCES"); "E?" for one netrescue does not meet. */
const char *nr_errno_name(int sys);
/* The one-line text of e: "module: ctx: message (strerror)", without a trailing newline. */
void nr_err_text(const struct nr_err *e, char *buf, size_t cap);

/* The table itself, for the unit test that checks one row per code. */
struct nr_errdef {
	int code;
	int usage;          /* 1: a usage error (exit 2); 0: could not do it (exit 3) */
	const char *text;
};
const struct nr_errdef *nr_err_table(size_t *n);

#endif
