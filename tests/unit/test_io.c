/* base/io (hostfs resolution inside --host-root, both with openat2 and with the fallback walk;
 * whole-file reads that refuse FIFOs and keep a total deadline) and report/shell (fix
 * commands quoted for sh). Table-driven; a private temporary tree. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "base/io.h"
#include "report/shell.h"

static char root[64], outside[64];

static void put_file(const char *dir, const char *rel, const char *text)
{
	char p[512];
	int fd;

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		close(fd);
	}
}

static void sub(const char *dir, const char *rel, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", dir, rel);
}

static void setup(void)
{
	char p[512], q[512];

	snprintf(root, sizeof root, "/tmp/nrio.XXXXXX");
	snprintf(outside, sizeof outside, "/tmp/nrio-out.XXXXXX");
	if (!mkdtemp(root) || !mkdtemp(outside))
		abort();
	sub(root, "run", p, sizeof p); mkdir(p, 0755);
	sub(root, "var", p, sizeof p); mkdir(p, 0755);
	sub(root, "etc", p, sizeof p); mkdir(p, 0755);
	put_file(root, "run/inside.txt", "inside");
	put_file(outside, "secret.txt", "outside");
	put_file(root, "etc/real.conf", "real");
	/* var/run -> /run: absolute, must mean ROOT/run */
	sub(root, "var/run", p, sizeof p); if (symlink("/run", p) < 0) perror("symlink");
	/* etc/abs.conf -> /etc/real.conf; etc/escape -> the outside dir by absolute path */
	sub(root, "etc/abs.conf", p, sizeof p); if (symlink("/etc/real.conf", p) < 0) perror("symlink");
	sub(root, "etc/escape.txt", p, sizeof p);
	snprintf(q, sizeof q, "%s/secret.txt", outside);
	if (symlink(q, p) < 0) perror("symlink");
	/* ../../.. climbs no higher than the root */
	sub(root, "etc/up.conf", p, sizeof p); if (symlink("../../../../../etc/real.conf", p) < 0) perror("symlink");
	sub(root, "etc/loop", p, sizeof p); if (symlink("loop", p) < 0) perror("symlink");
	sub(root, "etc/fifo", p, sizeof p); mkfifo(p, 0644);
}

static void teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", root, outside);
	if (system(cmd) != 0)
		perror("rm");
}

/* Reads path inside root through hostfs_open (walk = 0) or the fallback walk (walk = 1). */
static int read_via(int walk, const char *path, char *buf, size_t cap)
{
	int fd, rootfd;
	ssize_t n;

	if (walk) {
		rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		fd = hostfs_walk(rootfd, path, O_RDONLY);
		close(rootfd);
	} else {
		fd = hostfs_open(root, path, O_RDONLY);
	}
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return 0;
}

static void test_hostfs_resolves_inside_root(void)
{
	static const struct { const char *path; int err; const char *want; } cases[] = {
		{ "/run/inside.txt", 0, "inside" },
		{ "/var/run/inside.txt", 0, "inside" },     /* absolute dir symlink */
		{ "/etc/abs.conf", 0, "real" },             /* absolute file symlink */
		{ "/etc/up.conf", 0, "real" },              /* .. stops at the root */
		{ "/../../etc/real.conf", 0, "real" },
		{ "etc//./real.conf", 0, "real" },
		{ "/etc/escape.txt", -ENOENT, NULL },       /* outside file: not reachable */
		{ "/etc/loop", -ELOOP, NULL },
		{ "/etc/nonexistent", -ENOENT, NULL },
	};
	char buf[64];
	size_t i;
	int walk, rc;

	for (walk = 0; walk < 2; walk++)
		for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			rc = read_via(walk, cases[i].path, buf, sizeof buf);
			if (rc != cases[i].err)
				printf("# walk=%d %s: rc %d\n", walk, cases[i].path, rc);
			CHECK_INT(rc, cases[i].err);
			if (cases[i].want && rc == 0)
				CHECK_STR(buf, cases[i].want);
		}
}

static void test_hostfs_nofollow_last(void)
{
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

	fd = hostfs_walk(rootfd, "/etc/abs.conf", O_RDONLY | O_NOFOLLOW);
	CHECK(fd < 0 && errno == ELOOP);
	fd = hostfs_open(root, "/etc/abs.conf", O_RDONLY | O_NOFOLLOW);
	CHECK(fd < 0 && errno == ELOOP);
	fd = hostfs_walk(rootfd, "/var/run/", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	close(rootfd);
}

static void test_read_file_refuses_fifo_and_big(void)
{
	struct nr_err e;
	char buf[8];
	size_t n;
	time_t t0 = time(NULL);

	CHECK_INT(io_read_file(root, "/etc/fifo", buf, sizeof buf, &n, &e), -1);
	CHECK_INT(e.code, NR_E_IO_NOTREG);
	CHECK(time(NULL) - t0 < 2);
	CHECK_INT(io_read_file(root, "/etc/real.conf", buf, sizeof buf, &n, &e), 0);
	CHECK_INT(n, 4);
	CHECK_INT(io_read_file(root, "/etc/real.conf", buf, 4, &n, &e), -1);
	CHECK_INT(e.code, NR_E_TOOBIG);
	CHECK_INT(io_read_file(root, "/etc/real.conf", buf, 5, &n, &e), 0);
	CHECK_INT(io_read_file(root, "/nope", buf, sizeof buf, &n, &e), -1);
	CHECK_INT(e.code, NR_E_NOENT);
}

/* A writer that trickles a byte every 300 ms: the total deadline ends the read, not each read. */
static void test_read_deadline_is_total(void)
{
	struct timespec t0, t1;
	struct nr_err e;
	char buf[256];
	size_t n;
	int p[2], i;
	pid_t pid;

	if (pipe(p) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (i = 0; i < 20; i++) {
			if (write(p[1], "x", 1) < 0)
				_exit(0);
			usleep(300000);
		}
		_exit(0);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(io_read_fd(p[0], buf, sizeof buf, &n, 1000, "pipe", &e), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_INT(e.code, NR_E_IO_TIMEOUT);
	CHECK(t1.tv_sec - t0.tv_sec < 3);
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_write_all(void)
{
	char big[200000], back[16];
	int p[2];

	memset(big, 'a', sizeof big);
	if (pipe(p) < 0)
		return;
	CHECK_INT(io_write_all(p[1], "hello", 5), 0);
	CHECK_INT(read(p[0], back, sizeof back), 5);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	CHECK_INT(io_write_all(p[1], big, sizeof big), -1);
	CHECK_INT(errno, EPIPE);
	close(p[1]);
}

static void test_sh_quote(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "cbr0", "cbr0" },
		{ "veth1a2b@if3", "veth1a2b@if3" },
		{ "", "''" },
		{ "x$(id)", "'x$(id)'" },
		{ "a b", "'a b'" },
		{ "it's", "'it'\\''s'" },
		{ "br\xff", "$'br\\xff'" },
		{ "x$(id)\xff", "$'x$(id)\\xff'" },
		{ "a'\x1b", "$'a\\'\\x1b'" },
		{ "caf\xc3\xa9", "'caf\xc3\xa9'" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sh_quote(buf, sizeof buf, cases[i].in);
		CHECK_STR(buf, cases[i].want);
	}
	CHECK_INT(sh_printf(buf, sizeof buf, "ip link set dev %s mtu %u", "x y", 1460u), 30);
	CHECK_STR(buf, "ip link set dev 'x y' mtu 1460");
	CHECK_INT(sh_printf(buf, 8, "netrescue bridge %s --fix", "cbr0"), 27);
	CHECK_STR(buf, "netresc");
	sh_printf(buf, sizeof buf, "nsenter -t %d -n %llu %%", 42, 7ULL);
	CHECK_STR(buf, "nsenter -t 42 -n 7 %");
}

/* Runs script with bash -c; its stdout into out. */
static void bash_out(const char *script, char *out, size_t cap)
{
	int p[2];
	ssize_t n = 0, k;
	pid_t pid;

	out[0] = 0;
	if (pipe(p) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl("/bin/bash", "bash", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((k = read(p[0], out + n, cap - 1 - (size_t)n)) > 0)
		n += k;
	out[n] = 0;
	close(p[0]);
	waitpid(pid, NULL, 0);
}

/* Each quoted word, pasted into bash, gives back the exact bytes (and runs nothing). */
static void test_sh_quote_roundtrip(void)
{
	static const char *const in[] = { "x$(touch /tmp/nrio-pwned)", "a'b\"c`d`", "br\xff\x01\x1b[31m", "\\$HOME" };
	char q[256], script[512], out[256];
	size_t i;

	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		sh_quote(q, sizeof q, in[i]);
		snprintf(script, sizeof script, "printf %%s %s", q);
		bash_out(script, out, sizeof out);
		CHECK_STR(out, in[i]);
	}
	CHECK(access("/tmp/nrio-pwned", F_OK) != 0);
}

int main(void)
{
	setup();
	RUN(test_hostfs_resolves_inside_root);
	RUN(test_hostfs_nofollow_last);
	RUN(test_read_file_refuses_fifo_and_big);
	RUN(test_read_deadline_is_total);
	RUN(test_write_all);
	RUN(test_sh_quote);
	RUN(test_sh_quote_roundtrip);
	teardown();
	return T_EXIT();
}
