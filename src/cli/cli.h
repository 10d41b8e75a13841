/* The command-line layer: global options, dispatch, option parsing, help, and the one place
 * where errors become messages and exit codes. Commands live in cli/cmd_NAME.c, each a
 * `const struct cli_cmd cmd_NAME` registered in cli/commands.c. */
#ifndef NR_CLI_CLI_H
#define NR_CLI_CLI_H
#include <stdio.h>

#include "base/err.h"

/* Exit codes (CONTRACT.md). */
enum {
	EXIT_OK = 0,      /* done; for checks: no fail finding */
	EXIT_FINDING = 1, /* a check found at least one fail finding */
	EXIT_USAGE = 2,   /* bad option, IP, filter, URL */
	EXIT_CANNOT = 3,  /* permission, missing interface, network, TLS, server refused */
};

/* CLI_MSG_MAX: one error line: an nr_err's context and message, escaped (x4 at worst). */
#define CLI_MSG_MAX 1024

struct cli {
	int json;              /* --json: exactly one JSON document on stdout */
	const char *host_root; /* --host-root: where the node's files are ("/" by default) */
	int stderr_tty;        /* progress bars only when stderr is a terminal */
	const struct cli_cmd *cmd;
	/* The one JSON document: cli_json_begin sets doc; the first error a command reports
	 * (cli_usage/cli_fail) is kept so that cli_json_end and cli_finish can put it in
	 * "error": {"code", "message"} when --json is given. */
	int doc;
	int err_exit;          /* exit code of the first error (0: none) */
	int err_sys;           /* its errno, 0 when none */
	char err_msg[CLI_MSG_MAX]; /* its line without "netrescue: ", control bytes escaped */
	int out_errno;         /* errno of a failed write of the document (stdio keeps none) */
};

struct cli_cmd {
	const char *name;
	const char *usage;    /* "links [IFACE]" */
	const char *summary;  /* one line for `netrescue help` */
	const char *help;     /* options, with an example; printed by `COMMAND --help` */
	int (*run)(struct cli *c, int argc, char **argv); /* argv[0] is the command name */
};

/* --- option parsing ------------------------------------------------------------------------
 * Long options (--name, --name=value, --name value), short ones (-i eth0, -ieth0, -nv),
 * "--" ends options. --json and --host-root are accepted anywhere; --help/-h anywhere prints
 * the command's help. Positional arguments are kept, in order, in p->pos. */
enum { CLI_ARG_NONE = 0, CLI_ARG_REQUIRED = 1 };

struct cli_opt {
	const char *lng;  /* without "--"; NULL if none */
	char shrt;        /* 0 if none */
	int has_arg;
	int id;           /* > 0, returned by cli_next */
};

/* CLI_MAX_POS: a capture filter is the longest positional list ("host A and port B and ..."). */
#define CLI_MAX_POS 64

struct cli_parse {
	struct cli *c;
	int argc;
	char **argv;
	int i;            /* next argv index */
	const char *bundle; /* rest of a bundled short-option group ("-nv") */
	const char *arg;  /* the value of the option just returned */
	int npos;
	char *pos[CLI_MAX_POS];
	int only_pos;     /* after "--" */
};

enum { CLI_END = 0, CLI_ERROR = -1, CLI_HELP = -2 };

void cli_parse_init(struct cli_parse *p, struct cli *c, int argc, char **argv);
/* Returns an option id (>0) with p->arg set when it takes a value, CLI_END when all is read,
 * CLI_HELP when --help was asked, CLI_ERROR after printing one usage line. */
int cli_next(struct cli_parse *p, const struct cli_opt *opts);

/* Standard handling of CLI_HELP / CLI_ERROR inside a command's option loop:
 *   if (id < 0) return cli_parse_end(p, id);  */
int cli_parse_end(struct cli_parse *p, int id);

/* The prologue of a command without options of its own: parses argv into p (--json,
 * --host-root and --help only). Returns CLI_GO when the command goes on (p->pos holds its
 * arguments), else the exit code to return at once (help printed, or one usage line). */
#define CLI_GO (-1)
int cli_no_opts(struct cli_parse *p, struct cli *c, int argc, char **argv);
/* The same for a command that also takes no arguments ("takes no arguments"). */
int cli_no_args(struct cli_parse *p, struct cli *c, int argc, char **argv);
/* After an option loop: EXIT_OK when no argument was given, else EXIT_USAGE after
 * "takes no arguments" and hint (e.g. " (use --pod-ip IP)"; NULL: none). */
int cli_no_pos(const struct cli_parse *p, const char *hint);

/* --- the JSON document ---------------------------------------------------------------------
 * Every command opens its stdout document with cli_json_begin and closes it with cli_json_end,
 * which adds "error": {"code", "message"} when the command reported an error before it. When
 * a command ends with no document (an error before any output), cli_finish prints one. */
struct jw;
void cli_json_begin(struct cli *c, struct jw *w, const char *command);
/* 0, or -1 when the document could not be written (stdout full, closed). */
int cli_json_end(struct cli *c, struct jw *w);
/* After the command: the error document when none was written, the check that stdout was
 * written completely (exit 3 and one line when not). Returns the final exit code. */
int cli_finish(struct cli *c, int rc);
/* The help text of one command (or the overview) as the command's output: plain text, or
 * with --json one document {"usage", "summary", "help"}. Returns EXIT_OK. */
int cli_help_out(struct cli *c, const struct cli_cmd *cmd);

/* --- messages ------------------------------------------------------------------------------ */
/* "netrescue: CMD: message" on stderr; returns EXIT_USAGE. */
int cli_usage(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints e as one line ("netrescue: capture: cbr0: no such interface") and returns its exit
 * code (2 for a usage error, else 3). */
int cli_fail(struct cli *c, const struct nr_err *e);
/* "netrescue: CMD: message" on stderr, kept for the --json error document; returns code. */
int cli_error(struct cli *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A warning or progress line on stderr ("netrescue: CMD: warning: ..."). */
void cli_warn(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_err_exit(const struct nr_err *e);

/* --pod-ip ARG: parses the IP (a bad one is a usage error) and locates the pod on this node
 * into r. EXIT_OK, or the exit code after printing one line. */
struct locate_report;
int cli_locate_pod(struct cli *c, const char *arg, struct locate_report *r);

/* 0 when dir can serve as --host-root; else prints one usage line and returns -1. */
int cli_host_root_ok(struct cli *c, const char *dir);

/* Called first thing in main: every argument holding a URL signature, a proxy password or
 * an Authorization-like -H value is moved to a private copy (argv[i] then points there) and
 * its bytes in /proc/PID/cmdline are overwritten with the redacted text. */
void cli_hide_secrets(int argc, char **argv);

/* --url-file PATH ("-": stdin): the one URL the file holds, into buf (cap bytes). EXIT_OK, or
 * EXIT_USAGE after one line on stderr. */
int cli_url_file(struct cli *c, const char *path, char *buf, size_t cap);
/* --upload URL or --url-file F (one of them): *upload points at the URL (read into buf). */
int cli_upload_url(struct cli *c, const char **upload, const char *url_file, char *buf, size_t cap);
/* --post-policy ARG: the policy JSON inline ('{...}'), from a file, or from stdin ('-'), read and
 * parsed into *out (allocated; free it). EXIT_OK, or the exit code after one line. */
struct upload_policy;
int cli_post_policy(struct cli *c, const char *arg, struct upload_policy **out);

/* Prints help for one command (or the overview when cmd is NULL) on f. */
void cli_help(FILE *f, const struct cli_cmd *cmd);
const struct cli_cmd *cli_find(const char *name);

/* The command table (commands.c); NULL-terminated. */
extern const struct cli_cmd *const cli_commands[];

#endif
