/* pause: waits until SIGTERM or SIGINT, doing nothing. A DaemonSet's main container runs it so
 * that the one-shot diagnosis in its initContainer runs once per node and is not restarted (an
 * image FROM scratch has no shell and no sleep). */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"

static void on_signal(int sig)
{
	(void)sig;
}

static int run(struct cli *c, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct cli_parse p;
	sigset_t all, none;
	int id;

	if ((id = cli_no_args(&p, c, argc, argv)) != CLI_GO)
		return id;
	/* Block the two signals, then wait for one atomically: none is lost between check and wait. */
	sigemptyset(&all);
	sigaddset(&all, SIGTERM);
	sigaddset(&all, SIGINT);
	sigprocmask(SIG_BLOCK, &all, &none);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigdelset(&none, SIGTERM);
	sigdelset(&none, SIGINT);
	sigsuspend(&none);
	return EXIT_OK;
}

const struct cli_cmd cmd_pause = {
	"pause", "pause", "wait until SIGTERM (the keep-alive container of the fleet DaemonSet)",
	"Waits, doing nothing, until SIGTERM or SIGINT, then exits 0. The DaemonSet in dist/deploy/\n"
	"(./build.sh image) runs `diagnose` once per node in an initContainer and this as its main\n"
	"container, so the diagnosis is not restarted.\n"
	"example:\n  netrescue pause\n", run,
};
