#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* Descriptors 0-2 that the caller left closed would be handed to the next open(): a netlink
 * socket would become "stdin", a capture file would receive stderr's lines. /dev/null takes
 * their place; where even that is missing, an O_PATH descriptor (reads and writes fail). */
static void std_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd && open("/", O_PATH) != fd)
			_exit(EXIT_CANNOT);
	}
}

static int run_global(struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *cmd;
	int i = 1;

	/* Global options before the command; commands also accept them anywhere. */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--json"))
			c->json = 1;
		else if (!strcmp(argv[i], "--host-root") && i + 1 < argc)
			c->host_root = argv[++i];
		else if (!strncmp(argv[i], "--host-root=", 12))
			c->host_root = argv[i] + 12;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cli_help_out(c, NULL);
		else if (!strcmp(argv[i], "--version")) {
			argv[i] = (char *)"version";
			break;
		} else if (!strcmp(argv[i], "--host-root"))
			return cli_usage(c, "option '--host-root' needs a directory");
		else
			return cli_usage(c, "unknown option '%s' (see 'netrescue help')", argv[i]);
		i++;
	}
	if (i >= argc) {
		if (!c->json)
			cli_help(stderr, NULL);
		return cli_usage(c, "no command given (see 'netrescue help')");
	}
	cmd = cli_find(argv[i]);
	if (!cmd)
		return cli_usage(c, "unknown command '%s' (see 'netrescue help')", argv[i]);
	c->cmd = cmd;
	if (cli_host_root_ok(c, c->host_root) < 0)
		return EXIT_USAGE;
	return cmd->run(c, argc - i, argv + i);
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	int i;

	std_fds();
	cli_hide_secrets(argc, argv); /* before anything else: ps shows argv to every user */
	c.host_root = "/";
	c.stderr_tty = isatty(2);
	/* A closed pipe (netrescue ps | head) must end us quietly, not with EPIPE noise. */
	signal(SIGPIPE, SIG_DFL);
	/* --json anywhere on the line decides the shape of even the earliest usage error. */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			c.json = 1;
	return cli_finish(&c, run_global(&c, argc, argv));
}
