/* Where errors become one stderr line and an exit code (the words are base/errtext.c's), and
 * where --json gets its one document also when a command fails. Every byte that came from
 * outside (argv, file names, kernel names) is escaped here, once: a newline or ESC in an
 * argument never reaches the terminal raw. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/escape.h"
#include "report/json.h"

int cli_err_exit(const struct nr_err *e)
{
	return nr_err_is_usage(e->code) ? EXIT_USAGE : EXIT_CANNOT;
}

/* "CMD: text" with control bytes and invalid UTF-8 as \xNN, into c->err_msg when it is the
 * first error, and on stderr with the "netrescue: " prefix. */
static void say(struct cli *c, int is_err, int exit_code, int sys, const char *text)
{
	char raw[CLI_MSG_MAX], esc[CLI_MSG_MAX];

	snprintf(raw, sizeof raw, "%s%s%s%s", c && c->cmd ? c->cmd->name : "", c && c->cmd ? ": " : "",
		 is_err ? "" : "warning: ", text);
	esc_text(esc, sizeof esc, raw, strlen(raw));
	fprintf(stderr, "netrescue: %s\n", esc);
	if (is_err && c && !c->err_exit) {
		c->err_exit = exit_code;
		c->err_sys = sys;
		memcpy(c->err_msg, esc, sizeof esc);
	}
}

int cli_fail(struct cli *c, const struct nr_err *e)
{
	char msg[NR_ERR_CTX + 512], raw[CLI_MSG_MAX], esc[CLI_MSG_MAX];
	int rc = cli_err_exit(e);

	/* The module already names itself ("capture: cbr0: ..."): no command prefix. */
	nr_err_text(e, msg, sizeof msg);
	snprintf(raw, sizeof raw, "%s", msg);
	esc_text(esc, sizeof esc, raw, strlen(raw));
	fprintf(stderr, "netrescue: %s\n", esc);
	if (c && !c->err_exit) {
		c->err_exit = rc;
		c->err_sys = e->sys;
		memcpy(c->err_msg, esc, sizeof esc);
	}
	return rc;
}

int cli_usage(struct cli *c, const char *fmt, ...)
{
	char text[CLI_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	say(c, 1, EXIT_USAGE, 0, text);
	return EXIT_USAGE;
}

int cli_error(struct cli *c, int code, const char *fmt, ...)
{
	char text[CLI_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	say(c, 1, code, 0, text);
	return code;
}

void cli_warn(struct cli *c, const char *fmt, ...)
{
	char text[CLI_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	say(c, 0, 0, 0, text);
}

/* --- the one JSON document ------------------------------------------------------------------ */
void cli_json_begin(struct cli *c, struct jw *w, const char *command)
{
	jw_init(w, stdout);
	jw_begin_doc(w, command);
	c->doc = 1;
}

static void error_obj(const struct cli *c, struct jw *w)
{
	jw_key(w, "error");
	jw_obj(w);
	jw_kint(w, "code", c->err_exit);
	jw_kstr(w, "message", c->err_msg);
	if (c->err_sys) {
		jw_kint(w, "errno", c->err_sys);
		jw_kstr(w, "errno_name", nr_errno_name(c->err_sys));
	}
	jw_obj_end(w);
}

int cli_json_end(struct cli *c, struct jw *w)
{
	int rc;

	if (c->err_exit)
		error_obj(c, w);
	errno = 0;
	rc = jw_end(w);
	if (rc < 0 && errno)
		c->out_errno = errno;
	return rc;
}

/* A command that failed before writing anything still leaves one document. */
static void error_doc(struct cli *c, int rc)
{
	struct jw w;

	if (!c->err_exit) {
		c->err_exit = rc;
		snprintf(c->err_msg, sizeof c->err_msg, "%s%sfailed (exit %d)", c->cmd ? c->cmd->name : "",
			 c->cmd ? ": " : "", rc);
	}
	c->err_exit = rc;
	jw_init(&w, stdout);
	jw_begin_doc(&w, c->cmd ? c->cmd->name : NULL);
	error_obj(c, &w);
	jw_end(&w);
	c->doc = 1;
}

int cli_finish(struct cli *c, int rc)
{
	int err = 0;

	if (c->json && !c->doc) {
		if (rc == EXIT_USAGE || rc == EXIT_CANNOT) {
			error_doc(c, rc);
		} else {
			struct jw w;

			/* A command with nothing to say still says so in one document. */
			jw_init(&w, stdout);
			jw_begin_doc(&w, c->cmd ? c->cmd->name : NULL);
			jw_end(&w);
		}
	}
	/* stdout is the product: a full disk or a closed pipe must not pass for success. */
	/* A write that failed earlier leaves only the error flag (stdio keeps no errno): -1. */
	errno = 0;
	if (fflush(stdout) != 0)
		err = errno ? errno : -1;
	else if (ferror(stdout))
		err = c->out_errno ? c->out_errno : -1;
	if (!err && fclose(stdout) != 0)
		err = errno ? errno : -1;
	if (!err)
		return rc;
	fprintf(stderr, "netrescue: %s%scannot write the output to stdout", c->cmd ? c->cmd->name : "",
		c->cmd ? ": " : "");
	if (err > 0)
		fprintf(stderr, " (%s, %s)", strerror(err), nr_errno_name(err));
	fputc('\n', stderr);
	return EXIT_CANNOT;
}
