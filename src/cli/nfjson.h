/* Shared by the netfilter commands (rules, service): one JSON document even on errors. */
#ifndef NR_CLI_NFJSON_H
#define NR_CLI_NFJSON_H
#include "cli/cli.h"

/* Prints the message (stderr) and, with --json, {"tool", "version", "command", "error":
 * {"message"}} on stdout; returns code (EXIT_USAGE or EXIT_CANNOT). */
int cli_nf_error(struct cli *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for an nr_err (exit code from it). */
int cli_nf_fail(struct cli *c, const struct nr_err *e);

#endif
