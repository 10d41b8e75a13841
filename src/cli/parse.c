#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

void cli_parse_init(struct cli_parse *p, struct cli *c, int argc, char **argv)
{
	memset(p, 0, sizeof *p);
	p->c = c;
	p->argc = argc;
	p->argv = argv;
	p->i = 1;
}

enum { G_JSON = -100, G_HOSTROOT = -101 };

static const struct cli_opt globals[] = {
	{ "json", 0, CLI_ARG_NONE, G_JSON },
	{ "host-root", 0, CLI_ARG_REQUIRED, G_HOSTROOT },
	{ NULL, 0, 0, 0 },
};

static const struct cli_opt *find_long(const struct cli_opt *o, const char *name, size_t n)
{
	for (; o->id; o++)
		if (o->lng && strlen(o->lng) == n && !strncmp(o->lng, name, n))
			return o;
	return NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *o, char c)
{
	for (; o->id; o++)
		if (o->shrt == c)
			return o;
	return NULL;
}

int cli_host_root_ok(struct cli *c, const char *dir)
{
	struct stat st;
	int rc = dir[0] ? stat(dir, &st) : -1;

	/* Only what is surely wrong is refused: a directory this user may not search (EACCES)
	 * is left to each check, which then says what it could not read. */
	if (rc < 0 && dir[0] && errno == EACCES)
		return 0;
	if (rc < 0 || !S_ISDIR(st.st_mode)) {
		cli_usage(c, "--host-root %s: not a directory", dir);
		return -1;
	}
	return 0;
}

static int apply_global(struct cli_parse *p, int id)
{
	if (id == G_JSON) {
		p->c->json = 1;
		return 0;
	}
	if (cli_host_root_ok(p->c, p->arg) < 0)
		return -1;
	p->c->host_root = p->arg;
	return 0;
}

/* A long option: returns its id, or CLI_ERROR. */
static int next_long(struct cli_parse *p, const struct cli_opt *opts, const char *a)
{
	const char *eq = strchr(a, '=');
	size_t n = eq ? (size_t)(eq - a) : strlen(a);
	const struct cli_opt *o = find_long(opts, a, n);

	if (!o)
		o = find_long(globals, a, n);
	if (!o) {
		if (n == 4 && !strncmp(a, "help", 4))
			return CLI_HELP;
		cli_usage(p->c, "unknown option '--%.*s' (see 'netrescue help %s')", (int)n, a,
			  p->c->cmd ? p->c->cmd->name : "");
		return CLI_ERROR;
	}
	p->arg = NULL;
	if (o->has_arg) {
		if (eq)
			p->arg = eq + 1;
		else if (p->i < p->argc)
			p->arg = p->argv[p->i++];
		else {
			cli_usage(p->c, "option '--%s' needs a value", o->lng);
			return CLI_ERROR;
		}
	} else if (eq) {
		cli_usage(p->c, "option '--%s' takes no value", o->lng);
		return CLI_ERROR;
	}
	return o->id;
}

/* The next short option of the current bundle. */
static int next_short(struct cli_parse *p, const struct cli_opt *opts)
{
	char ch = *p->bundle++;
	const struct cli_opt *o = find_short(opts, ch);

	if (!o) {
		p->bundle = NULL;
		if (ch == 'h')
			return CLI_HELP;
		cli_usage(p->c, "unknown option '-%c' (see 'netrescue help %s')", ch,
			  p->c->cmd ? p->c->cmd->name : "");
		return CLI_ERROR;
	}
	p->arg = NULL;
	if (o->has_arg) {
		if (*p->bundle)
			p->arg = p->bundle;
		else if (p->i < p->argc)
			p->arg = p->argv[p->i++];
		else {
			p->bundle = NULL;
			cli_usage(p->c, "option '-%c' needs a value", ch);
			return CLI_ERROR;
		}
		p->bundle = NULL;
	} else if (!*p->bundle) {
		p->bundle = NULL;
	}
	return o->id;
}

int cli_next(struct cli_parse *p, const struct cli_opt *opts)
{
	const char *a;
	int id;

	for (;;) {
		if (p->bundle)
			return next_short(p, opts);
		if (p->i >= p->argc)
			return CLI_END;
		a = p->argv[p->i++];
		if (p->only_pos || a[0] != '-' || a[1] == 0) {
			if (p->npos >= CLI_MAX_POS) {
				cli_usage(p->c, "too many arguments");
				return CLI_ERROR;
			}
			p->pos[p->npos++] = (char *)a;
			continue;
		}
		if (!strcmp(a, "--")) {
			p->only_pos = 1;
			continue;
		}
		if (a[1] == '-') {
			id = next_long(p, opts, a + 2);
			if (id == G_JSON || id == G_HOSTROOT) {
				if (apply_global(p, id) < 0)
					return CLI_ERROR;
				continue;
			}
			return id;
		}
		p->bundle = a + 1;
	}
}

int cli_parse_end(struct cli_parse *p, int id)
{
	if (id == CLI_HELP)
		return cli_help_out(p->c, p->c->cmd);
	return EXIT_USAGE;
}

int cli_no_opts(struct cli_parse *p, struct cli *c, int argc, char **argv)
{
	static const struct cli_opt none[] = { { 0, 0, 0, 0 } };
	int id;

	cli_parse_init(p, c, argc, argv);
	while ((id = cli_next(p, none)) != CLI_END)
		if (id < 0)
			return cli_parse_end(p, id);
	return CLI_GO;
}

int cli_no_args(struct cli_parse *p, struct cli *c, int argc, char **argv)
{
	int rc = cli_no_opts(p, c, argc, argv);

	if (rc != CLI_GO)
		return rc;
	return cli_no_pos(p, NULL) == EXIT_OK ? CLI_GO : EXIT_USAGE;
}

int cli_no_pos(const struct cli_parse *p, const char *hint)
{
	if (!p->npos)
		return EXIT_OK;
	return cli_usage(p->c, "takes no arguments%s", hint ? hint : "");
}
