/* A tracepoint's id and format file, and the format-file parser. tracefs is not mounted on many
 * nodes (nor inside `ip netns exec`, which mounts a fresh /sys); mounting it on the node would
 * be a change. So a forked child unshares its mount namespace, mounts tracefs there, sends the
 * two files back through a pipe and exits: its namespace, and the mount, die with it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace/trace.h"

/* Where tracefs is (or is mounted by the child): the modern place, then debugfs's. */
static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

/* --- the format-file parser --------------------------------------------------------------- */

static const char *find(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	for (; p && (size_t)(end - p) >= n; p++)
		if (!memcmp(p, s, n))
			return p;
	return NULL;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
		p++;
	return p;
}

static int is_ident(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* An unsigned number (decimal or 0x hex) at *pp; -1 when there is none or it overflows. */
static int number(const char **pp, const char *end, unsigned long long *v)
{
	const char *p = *pp;
	unsigned base = 10, d;
	int any = 0;

	*v = 0;
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; p < end; p++, any = 1) {
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f'))
			d = (unsigned)((*p | 0x20) - 'a' + 10);
		else
			break;
		if (*v > (~0ULL - d) / base)
			return -1;
		*v = *v * base + d;
	}
	*pp = p;
	return any ? 0 : -1;
}

/* "key:N;" somewhere in [p, end). */
static int keyed_number(const char *p, const char *end, const char *key, unsigned *out)
{
	unsigned long long v;

	p = find(p, end, key);
	if (!p)
		return -1;
	p += strlen(key);
	if (number(&p, end, &v) < 0 || v > 0xffffffffULL)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* "\tfield:TYPE NAME[N];\toffset:O;\tsize:S;..." -> name, offset, size. 0, or -1 to skip. */
static int field_line(const char *p, const char *end, struct trace_field *f)
{
	const char *decl = find(p, end, "field:"), *semi, *q;
	size_t n;

	if (!decl)
		return -1;
	decl += 6;
	semi = memchr(decl, ';', (size_t)(end - decl));
	if (!semi)
		return -1;
	q = semi;
	if (q > decl && q[-1] == ']')           /* "char name[16]": the name is before '[' */
		while (q > decl && *q != '[')
			q--;
	n = 0;
	while (q - n > decl && is_ident(q[-(long)n - 1]))
		n++;
	if (!n || n >= sizeof f->name)
		return -1;
	memcpy(f->name, q - n, n);
	f->name[n] = 0;
	if (keyed_number(semi, end, "offset:", &f->offset) < 0 || keyed_number(semi, end, "size:", &f->size) < 0)
		return -1;
	return 0;
}

/* One `{ V, "NAME" }` entry at *pp. 1 parsed, 0 the table ended, -1 malformed. */
static int sym_entry(const char **pp, const char *end, struct trace_sym *s)
{
	const char *p = skip_ws(*pp, end), *q;
	size_t n;

	if (p < end && *p == ',')
		p = skip_ws(p + 1, end);
	if (p < end && *p == ')')
		return 0;
	if (p >= end || *p != '{')
		return -1;
	p = skip_ws(p + 1, end);
	if (number(&p, end, &s->value) < 0)
		return -1;
	p = skip_ws(p, end);
	if (p >= end || *p != ',')
		return -1;
	p = skip_ws(p + 1, end);
	if (p >= end || *p != '"')
		return -1;
	p++;
	q = memchr(p, '"', (size_t)(end - p));
	if (!q || (n = (size_t)(q - p)) == 0 || n >= sizeof s->name)
		return -1;
	memcpy(s->name, p, n);
	s->name[n] = 0;
	p = skip_ws(q + 1, end);
	if (p >= end || *p != '}')
		return -1;
	*pp = p + 1;
	return 1;
}

/* __print_symbolic(REC->FIELD, { V, "N" }, ...): the field and its table. */
static int sym_table(const char *p, const char *end, struct trace_format *f, struct nr_err *e)
{
	const char *q;
	size_t n = 0;
	int rc = 0;

	p = find(p, end, "__print_symbolic(");
	if (!p)
		return 0;                       /* a tracepoint without a table is fine */
	p = skip_ws(p + 17, end);
	if (end - p > 5 && !memcmp(p, "REC->", 5))
		p += 5;
	for (q = p; q < end && is_ident(*q); q++)
		n++;
	if (!n || n >= sizeof f->sym_field)
		return nr_fail(e, NR_E_PARSE, 0, "trace", "format: __print_symbolic field");
	memcpy(f->sym_field, p, n);
	f->sym_field[n] = 0;
	p = q;
	while (f->nsyms < TRACE_SYMS_MAX && (rc = sym_entry(&p, end, &f->syms[f->nsyms])) > 0)
		f->nsyms++;
	if (f->nsyms < TRACE_SYMS_MAX && rc < 0)
		return nr_fail(e, NR_E_PARSE, 0, "trace", "format: __print_symbolic entry %d", f->nsyms + 1);
	return 0;
}

int trace_format_parse(const char *text, size_t len, struct trace_format *f, struct nr_err *e)
{
	const char *p = text, *end = text + len, *nl;
	unsigned id = f->id;

	memset(f, 0, sizeof *f);
	f->id = id;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (f->nfields < TRACE_FIELDS_MAX && field_line(p, nl, &f->f[f->nfields]) == 0)
			f->nfields++;
		if (end - p > 10 && !memcmp(p, "print fmt:", 10))
			return f->nfields ? sym_table(p, nl, f, e) :
				nr_fail(e, NR_E_PARSE, 0, "trace", "format: no fields");
		if (nl == end)
			break;
	}
	return f->nfields ? 0 : nr_fail(e, NR_E_PARSE, 0, "trace", "format: no fields");
}

const struct trace_field *trace_field(const struct trace_format *f, const char *name)
{
	int i;

	for (i = 0; i < f->nfields; i++)
		if (!strcmp(f->f[i].name, name))
			return &f->f[i];
	return NULL;
}

const char *trace_sym_name(const struct trace_format *f, unsigned long long v)
{
	int i;

	for (i = 0; i < f->nsyms; i++)
		if (f->syms[i].value == v)
			return f->syms[i].name;
	return NULL;
}

/* --- reading the files --------------------------------------------------------------------- */

ssize_t trace_slurp(const char *path, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	return (ssize_t)n;
}

/* id and format of one event under root: "ID\n" + format into buf. Length, or -1 with errno. */
static ssize_t read_event(const char *root, const char *group, const char *name, char *buf, size_t cap)
{
	char path[256];
	ssize_t n, m;

	snprintf(path, sizeof path, "%s/events/%s/%s/id", root, group, name);
	if ((n = trace_slurp(path, buf, cap)) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/events/%s/%s/format", root, group, name);
	if ((m = trace_slurp(path, buf + n, cap - (size_t)n)) < 0)
		return -1;
	return n + m;
}

/* The child: its own mount namespace, tracefs mounted there, the files written to fd. Its exit
 * status is 0 or the errno of what failed. Only system calls here (no allocation). */
static int child(int fd, const char *group, const char *name, char *buf, size_t cap)
{
	ssize_t n = -1;
	size_t i, off;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return errno;
	for (i = 0; i < sizeof roots / sizeof roots[0] && n < 0; i++)
		if (mount("tracefs", roots[i], "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
			n = read_event(roots[i], group, name, buf, cap);
	if (n < 0)
		return errno ? errno : ENOENT;
	for (off = 0; off < (size_t)n;) {
		ssize_t w = write(fd, buf + off, (size_t)n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return EPIPE;
		off += (size_t)w;
	}
	return 0;
}

/* Reads the child's output until EOF into buf; the length, or -1 when the child failed
 * (errno = its status). */
static ssize_t from_child(pid_t pid, int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	int st;

	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		errno = WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
		return -1;
	}
	return (ssize_t)n;
}

static ssize_t read_private(const char *group, const char *name, char *buf, size_t cap)
{
	int p[2], saved;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		saved = errno;
		close(p[0]);
		close(p[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		_exit(child(p[1], group, name, buf, cap));
	}
	close(p[1]);
	n = from_child(pid, p[0], buf, cap);
	saved = errno;
	close(p[0]);
	errno = saved;
	return n;
}

int trace_event_load(const char *group, const char *name, struct trace_format *f, struct nr_err *e)
{
	char buf[TRACE_FMT_MAX];
	unsigned long long id;
	const char *p = buf, *nl;
	ssize_t n = -1;
	size_t i;

	for (i = 0; i < sizeof roots / sizeof roots[0] && n < 0; i++)
		n = read_event(roots[i], group, name, buf, sizeof buf);
	if (n < 0)
		n = read_private(group, name, buf, sizeof buf);
	if (n < 0) {
		if (errno == ENOENT)
			return nr_fail(e, NR_E_TRACE_NOEVENT, 0, "trace", "%s:%s", group, name);
		return nr_fail(e, NR_E_TRACE_TRACEFS, errno, "trace", "%s:%s", group, name);
	}
	nl = memchr(buf, '\n', (size_t)n);
	if (!nl || number(&p, nl, &id) < 0 || p != nl || !id || id > 0xffffffffULL)
		return nr_fail(e, NR_E_PARSE, 0, "trace", "%s:%s id", group, name);
	f->id = (unsigned)id;
	return trace_format_parse(nl + 1, (size_t)(buf + n - (nl + 1)), f, e);
}
