/* Secrets on the command line: other users of the node read /proc/PID/cmdline (ps shows it),
 * so before anything else runs every argument holding a URL signature, a proxy password or
 * an Authorization-like -H value is copied for the parser and its bytes in the process's
 * argument area are overwritten with the redacted text. The URL can also come from a file or
 * stdin (--url-file), so that it never has to be on a command line at all. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "upload/upload.h"
#include "url/url.h"

/* The -H value in argv[i], or NULL when argv[i] is not one. */
static char *header_value(int i, char **argv)
{
	const char *prev = i > 1 ? argv[i - 1] : "";

	if (!strcmp(prev, "-H") || !strcmp(prev, "--header"))
		return argv[i];
	if (!strncmp(argv[i], "--header=", 9))
		return argv[i] + 9;
	if (!strncmp(argv[i], "-H", 2) && argv[i][2])
		return argv[i] + 2;
	return NULL;
}

/* Overwrites the n bytes at arg with red (cut to n: it holds only redaction marks and bytes
 * that were not secret, so any prefix is safe) and NULs. */
static void overwrite(char *arg, size_t n, const char *red)
{
	size_t r = strlen(red);

	if (r > n)
		r = n;
	memmove(arg, red, r);
	memset(arg + r, 0, n - r);
}

void cli_hide_secrets(int argc, char **argv)
{
	char red[URL_MAX + 256];
	char *copy, *h;
	size_t n;
	int i;

	for (i = 1; i < argc; i++) {
		n = strlen(argv[i]);
		h = header_value(i, argv);
		if (h)
			url_redact_header(h, red, sizeof red);
		else if (argv[i][0] == '{' && strcasestr(argv[i], "signature"))
			snprintf(red, sizeof red, "%s", "{REDACTED: a POST policy}"); /* --post-policy JSON */
		else
			url_redact(argv[i], red, sizeof red);
		if (!strcmp(h ? h : argv[i], red))
			continue;
		copy = strdup(argv[i]);
		if (!copy) {
			/* No copy, no secret: the option then reads as blanked. */
			memset(argv[i], 'x', n);
			continue;
		}
		if (h)
			overwrite(h, n - (size_t)(h - argv[i]), red);
		else
			overwrite(argv[i], n, red);
		argv[i] = copy;
	}
}

/* URL_FILE_MAX: a signed URL (URL_MAX) plus a newline and some slack. */
#define URL_FILE_MAX (URL_MAX + 64)

int cli_url_file(struct cli *c, const char *path, char *buf, size_t cap)
{
	char tmp[URL_FILE_MAX + 1];
	size_t n = 0, a, b;
	ssize_t r;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : 0, err;
	struct stat st;

	if (fd < 0)
		return cli_usage(c, "--url-file %s: %s", path, strerror(errno));
	if (fd && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		close(fd);
		return cli_usage(c, "--url-file %s: not a regular file (use - for stdin)", path);
	}
	while (n < URL_FILE_MAX && (r = read(fd, tmp + n, URL_FILE_MAX - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			if (fd)
				close(fd);
			return cli_usage(c, "--url-file %s: %s", path, strerror(err));
		}
		n += (size_t)r;
	}
	if (fd)
		close(fd);
	tmp[n] = 0;
	/* One URL: surrounding blanks and the final newline go; nothing else may follow. */
	a = strspn(tmp, " \t\r\n");
	b = a + strcspn(tmp + a, " \t\r\n");
	if (a == b || tmp[b + strspn(tmp + b, " \t\r\n")] || b - a >= cap) {
		memset(tmp, 0, sizeof tmp);
		return cli_usage(c, "--url-file %s: want one URL (at most %zu bytes)", path, cap - 1);
	}
	memcpy(buf, tmp + a, b - a);
	buf[b - a] = 0;
	memset(tmp, 0, sizeof tmp);
	return EXIT_OK;
}

int cli_upload_url(struct cli *c, const char **upload, const char *url_file, char *buf, size_t cap)
{
	if (url_file && *upload)
		return cli_usage(c, "--upload URL and --url-file F both name the URL: give one");
	if (!url_file)
		return EXIT_OK;
	if (cli_url_file(c, url_file, buf, cap))
		return EXIT_USAGE;
	*upload = buf;
	return EXIT_OK;
}

/* POLICY_FILE_MAX: a policy JSON is a few KiB; 256 KiB is far beyond any real one. */
#define POLICY_FILE_MAX (256 * 1024)

int cli_post_policy(struct cli *c, const char *arg, struct upload_policy **out)
{
	struct upload_policy *pp;
	struct nr_err e;
	char *buf;
	size_t n = 0;
	ssize_t r;
	int fd = -1, err = 0, rc;
	struct stat st;

	*out = NULL;
	buf = malloc(POLICY_FILE_MAX + 1);
	pp = malloc(sizeof *pp);
	if (!buf || !pp) {
		free(buf);
		free(pp);
		return cli_usage(c, "--post-policy: out of memory");
	}
	if (arg[0] == '{') {
		n = strlen(arg);
		if (n > POLICY_FILE_MAX)
			n = POLICY_FILE_MAX + 1;
		else
			memcpy(buf, arg, n);
	} else {
		fd = strcmp(arg, "-") ? open(arg, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : 0;
		if (fd < 0 || (fd && (fstat(fd, &st) || !S_ISREG(st.st_mode)))) {
			err = fd < 0 ? errno : EINVAL;
			if (fd > 0)
				close(fd);
			free(buf);
			free(pp);
			return cli_usage(c, "--post-policy %s: %s", arg, err == EINVAL ? "not a regular file (use - for stdin)" : strerror(err));
		}
		while (n <= POLICY_FILE_MAX && (r = read(fd, buf + n, POLICY_FILE_MAX + 1 - n)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				err = errno;
				break;
			}
			n += (size_t)r;
		}
		if (fd)
			close(fd);
	}
	if (err || n > POLICY_FILE_MAX) {
		free(buf);
		free(pp);
		return cli_usage(c, "--post-policy: %s", err ? strerror(err) : "longer than 256 KiB");
	}
	nr_err_clear(&e);
	rc = upload_policy_parse(buf, n, pp, &e);
	memset(buf, 0, n); /* it held a signature */
	free(buf);
	if (rc) {
		free(pp);
		return cli_fail(c, &e);
	}
	*out = pp;
	return EXIT_OK;
}
