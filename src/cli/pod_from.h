/* What probe and dns share: --from POD_IP (located on this node, its netns opened), the
 * "from" JSON member, and failing under --json with one document holding
 * "error": {"message"} while the same one line goes to stderr. */
#ifndef NR_CLI_POD_FROM_H
#define NR_CLI_POD_FROM_H
#include "cli/cli.h"
#include "locate/locate.h"
#include "report/json.h"

/* --from POD_IP: parses it, locates the pod, opens its netns into *fd; *pid is the process
 * whose files stand for the pod (probe_pod_open). EXIT_OK, or the exit code after the one
 * line (and the error document). */
int cli_pod_from(struct cli *c, const char *from, struct locate_report *lr, int *fd, int *pid);
/* Starts the command's document and writes "from": {"ip", "netns", "pod_uid"}. */
void cli_from_doc(struct cli *c, struct jw *w, const char *from, const struct locate_report *lr);

/* As cli_fail, plus the JSON document when c->json. Returns the exit code. */
int cli_fail_doc(struct cli *c, const struct nr_err *e);
/* As cli_usage, plus the JSON document when c->json. Returns EXIT_USAGE. */
int cli_usage_doc(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
