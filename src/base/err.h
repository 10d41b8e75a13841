/* Errors: modules never print and never exit. A failing function fills a caller-owned
 * struct nr_err and returns -1; the CLI turns it into one line through the table in
 * cli/errors.c ("netrescue: capture: cbr0: no such interface") and an exit code. */
#ifndef NR_BASE_ERR_H
#define NR_BASE_ERR_H

/* One enum, a range per module. Add codes inside your module's range; give each a row in
 * cli/errors.c (message and exit code). */
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
	NR_E_NL = 100,
	/* proc: 200-299 */
	NR_E_PROC = 200,
	/* capture: 300-399 */
	NR_E_CAPTURE = 300,
	/* tls: 400-499 */
	NR_E_TLS = 400,
	/* http: 500-599 */
	NR_E_HTTP = 500,
	/* upload: 600-699 */
	NR_E_UPLOAD = 600,
	/* checks: 700-799 */
	NR_E_CHECK = 700,
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

#endif
