/* A command that fails (exit 2 or 3) under --json still prints one document, with
 * "error": {"message"}; the same one line goes to stderr. */
#ifndef NR_CLI_JSON_ERROR_H
#define NR_CLI_JSON_ERROR_H
#include "cli/cli.h"

/* As cli_fail, plus the JSON document when c->json. Returns the exit code. */
int cli_fail_doc(struct cli *c, const struct nr_err *e);
/* As cli_usage, plus the JSON document when c->json. Returns EXIT_USAGE. */
int cli_usage_doc(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
