/* Fix lines that paste: every line of a finding's fix is one command a real POSIX shell
 * parses (sh -n) and runs with exactly the words meant; no prose, no PLACEHOLDER word. Used
 * by unit tests that produce findings from fixtures. */
#ifndef NR_TESTS_FIXCHECK_H
#define NR_TESTS_FIXCHECK_H
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs sh with argv (NULL-terminated) and its stdout into out (NUL-terminated). Exit status,
 * -1 when it could not run. */
static int fc_sh(char *const argv[], char *out, size_t cap)
{
	int p[2], st;
	size_t n = 0;
	ssize_t k;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(p[1], 1);
		if (nul >= 0)
			dup2(nul, 2); /* sh's own syntax message: the caller says why */
		close(p[0]);
		close(p[1]);
		execv("/bin/sh", argv);
		_exit(127);
	}
	close(p[1]);
	while (cap && n < cap - 1 && (k = read(p[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)k;
	if (cap)
		out[n] = 0;
	close(p[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A word of capitals (3 or more of [A-Z0-9_], starting with a letter) stands for something the
 * user must fill in: POD_IP, NAME, IFACE. */
static const char *fc_placeholder(const char *line)
{
	static char w[64];
	const char *s = line, *e;

	while (*s) {
		if (isupper((unsigned char)*s) && (s == line || !isalnum((unsigned char)s[-1]))) {
			for (e = s; isupper((unsigned char)*e) || isdigit((unsigned char)*e) || *e == '_'; e++)
				;
			if (e - s >= 3 && !isalnum((unsigned char)*e)) {
				snprintf(w, sizeof w, "%.*s", (int)(e - s), s);
				return w;
			}
			s = e;
		} else {
			s++;
		}
	}
	return NULL;
}

/* Checks one fix (lines); words, when not NULL, is what the first line's command must get as
 * its arguments: "<w>\n" each. Returns NULL when good, else why (static). */
static const char *fix_check(const char *fix, const char *words)
{
	static char why[4096];
	char line[300], out[1024];
	const char *s = fix, *nl, *ph;
	int first = 1;

	if (!fix || !*fix)
		return NULL;
	for (; *s; s = *nl ? nl + 1 : nl, first = 0) {
		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s);
		snprintf(line, sizeof line, "%.*s", (int)(nl - s), s);
		if (!line[0] || line[0] == ' ' || line[strlen(line) - 1] == ' ') {
			snprintf(why, sizeof why, "empty or padded line in \"%s\"", fix);
			return why;
		}
		if ((ph = fc_placeholder(line))) {
			snprintf(why, sizeof why, "placeholder %s in \"%s\"", ph, line);
			return why;
		}
		{
			char *argv[] = { "sh", "-n", "-c", line, NULL };
			if (fc_sh(argv, out, sizeof out) != 0) {
				snprintf(why, sizeof why, "sh -n refuses \"%s\"", line);
				return why;
			}
		}
		if (first && words) {
			/* The command's name made a function that prints its words: nothing else runs. */
			char prog[1024];
			char *argv[] = { "sh", "-c", prog, NULL };
			size_t cmd = strcspn(line, " ");

			snprintf(prog, sizeof prog, "%.*s() { printf '<%%s>\\n' \"$@\"; }\n%s", (int)cmd, line, line);
			if (fc_sh(argv, out, sizeof out) != 0 || strcmp(out, words)) {
				snprintf(why, sizeof why, "\"%s\" runs as \"%s\", want \"%s\"", line, out, words);
				return why;
			}
		}
	}
	return NULL;
}

#endif
