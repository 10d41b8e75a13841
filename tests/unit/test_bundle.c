/* The bundle: CRC-32, DEFLATE/gzip (round-tripped through the real gzip and python's zlib),
 * ustar members (listed and extracted by the real tar), safe output opening. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "t.h"

static char dir[] = "/tmp/nrbundle.XXXXXX";

struct mem {
	unsigned char *p;
	size_t n, cap;
	size_t calls;
};

static int mem_sink(void *arg, const unsigned char *p, size_t n, struct nr_err *e)
{
	struct mem *m = arg;

	(void)e;
	if (m->n + n > m->cap) {
		m->cap = (m->n + n) * 2;
		m->p = realloc(m->p, m->cap);
		if (!m->p)
			abort();
	}
	memcpy(m->p + m->n, p, n);
	m->n += n;
	m->calls++;
	return 0;
}

static struct gz z; /* 400 KB: not on the stack */

/* Compresses in (fed piece bytes at a time) into a file; returns the compressed size. */
static size_t compress_to(const char *path, const unsigned char *in, size_t n, size_t piece, int raw)
{
	struct mem m = { 0 };
	struct nr_err e;
	size_t i, k;
	FILE *f;

	CHECK_INT(gz_init(&z, raw, mem_sink, &m, &e), 0);
	for (i = 0; i < n; i += k) {
		k = n - i < piece ? n - i : piece;
		CHECK_INT(gz_write(&z, in + i, k, &e), 0);
	}
	CHECK_INT(gz_finish(&z, &e), 0);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		fwrite(m.p, 1, m.n, f);
		fclose(f);
	}
	free(m.p);
	return m.n;
}

/* Runs cmd and compares its stdout with want. */
static int output_is(const char *cmd, const unsigned char *want, size_t n)
{
	FILE *p = popen(cmd, "r");
	unsigned char buf[65536];
	size_t got = 0, r;
	int same = 1;

	if (!p)
		return 0;
	while ((r = fread(buf, 1, sizeof buf, p)) > 0) {
		if (got + r > n || memcmp(buf, want + got, r))
			same = 0;
		got += r;
	}
	return pclose(p) == 0 && same && got == n;
}

static void crc32_known(void)
{
	CHECK(bundle_crc32(0, "123456789", 9) == 0xcbf43926u);
	CHECK(bundle_crc32(0, "", 0) == 0);
	/* in pieces */
	CHECK(bundle_crc32(bundle_crc32(0, "1234", 4), "56789", 5) == 0xcbf43926u);
}

static unsigned char *sample(size_t n, int kind)
{
	unsigned char *b = malloc(n ? n : 1);
	size_t i;
	unsigned x = 12345;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		if (kind == 0)      /* random bytes: incompressible */
			b[i] = (unsigned char)(x >> 16);
		else if (kind == 1) /* one byte repeated: longest matches */
			b[i] = 'a';
		else                /* log-like text with far and near repeats */
			b[i] = "eth0 UP 1460 10.128.0.2/20 veth1234 cbr0\n"[(i + (x >> 28)) % 42];
	}
	return b;
}

static void gzip_round_trip(void)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 258, 259, 70000, 300000 };
	static const size_t pieces[] = { 1, 100, 1 << 20 };
	char path[256], cmd[512];
	size_t s, k, kind, csz;

	for (kind = 0; kind < 3; kind++)
		for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
			for (k = 0; k < 3; k++) {
				unsigned char *in;
				if (pieces[k] == 1 && sizes[s] > 70000)
					continue;
				in = sample(sizes[s], (int)kind);
				snprintf(path, sizeof path, "%s/t.gz", dir);
				csz = compress_to(path, in, sizes[s], pieces[k], 0);
				snprintf(cmd, sizeof cmd, "gzip -dc %s", path);
				if (!output_is(cmd, in, sizes[s]))
					printf("# gzip mismatch: kind %zu size %zu piece %zu\n", kind, sizes[s], pieces[k]);
				CHECK(output_is(cmd, in, sizes[s]));
				if (kind == 1 && sizes[s] == 300000)
					CHECK(csz < 2000);
				if (kind == 0 && sizes[s] == 300000)
					CHECK(csz < sizes[s] + sizes[s] / 8 + 64);
				free(in);
			}
}

static void raw_deflate_python(void)
{
	unsigned char *in = sample(200000, 2);
	char path[256], cmd[512];

	snprintf(path, sizeof path, "%s/t.raw", dir);
	compress_to(path, in, 200000, 4096, 1);
	snprintf(cmd, sizeof cmd, "python3 -c 'import sys,zlib; sys.stdout.buffer.write(zlib.decompress(open(\"%s\",\"rb\").read(), -15))'", path);
	CHECK(output_is(cmd, in, 200000));
	free(in);
}

static void gzip_deterministic(void)
{
	unsigned char *in = sample(50000, 2);
	char a[256], b[256], cmd[600];

	snprintf(a, sizeof a, "%s/a.gz", dir);
	snprintf(b, sizeof b, "%s/b.gz", dir);
	compress_to(a, in, 50000, 7, 0);
	compress_to(b, in, 50000, 50000, 0);
	snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
	CHECK(system(cmd) == 0);
	free(in);
}

static struct bundle b;

static void tar_members(void)
{
	char path[256], cmd[600], src[256];
	unsigned char *big = sample(100000, 0);
	static const char json[] = "{\"tool\": \"netrescue\"}\n";
	char longname[200];
	struct nr_err e;
	FILE *f;

	snprintf(src, sizeof src, "%s/cap.pcap", dir);
	f = fopen(src, "wb");
	fwrite(big, 1, 100000, f);
	fclose(f);
	memset(longname, 'x', sizeof longname);
	memcpy(longname, "views/", 6);
	memcpy(longname + 120, "/name.txt", 10);

	snprintf(path, sizeof path, "%s/b.tar.gz", dir);
	CHECK_INT(bundle_open(&b, path, 0, 1700000000, &e), 0);
	CHECK_INT(bundle_add(&b, "report.json", json, sizeof json - 1, &e), 0);
	CHECK_INT(bundle_add(&b, "empty.txt", "", 0, &e), 0);
	CHECK_INT(bundle_add_dir(&b, "capture/", &e), 0);
	CHECK_INT(bundle_add_file(&b, "capture/pod.pcap", src, &e), 0);
	CHECK_INT(bundle_add(&b, longname, "L", 1, &e), 0);
	CHECK_INT(bundle_add(&b, "/abs", "x", 1, &e), -1);
	CHECK_INT(e.code, NR_E_BUNDLE_NAME);
	CHECK_INT(bundle_close(&b, &e), 0);

	snprintf(cmd, sizeof cmd, "tar -xzOf %s report.json", path);
	CHECK(output_is(cmd, (const unsigned char *)json, sizeof json - 1));
	snprintf(cmd, sizeof cmd, "tar -xzOf %s capture/pod.pcap", path);
	CHECK(output_is(cmd, big, 100000));
	snprintf(cmd, sizeof cmd, "tar -xzOf %s %s", path, longname);
	CHECK(output_is(cmd, (const unsigned char *)"L", 1));
	snprintf(cmd, sizeof cmd, "tar -tzvf %s 2>&1 | grep -c 'root/root .* 2023-11-14 22:13 '", path);
	CHECK(output_is(cmd, (const unsigned char *)"5\n", 2));
	snprintf(cmd, sizeof cmd, "tar -tzf %s >/dev/null 2>%s/err && test ! -s %s/err", path, dir, dir);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "stat -c %%a %s", path);
	CHECK(output_is(cmd, (const unsigned char *)"600\n", 4));
	free(big);
}

static void safe_open(void)
{
	char path[256], link[256];
	struct nr_err e;

	snprintf(path, sizeof path, "%s/exists", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	CHECK_INT(bundle_open(&b, path, 0, 0, &e), -1);
	CHECK_INT(e.code, NR_E_EXISTS);
	CHECK_INT(bundle_open(&b, path, 1, 0, &e), 0);
	CHECK_INT(bundle_close(&b, &e), 0);
	snprintf(link, sizeof link, "%s/link", dir);
	CHECK_INT(symlink(path, link), 0);
	CHECK_INT(bundle_open(&b, link, 1, 0, &e), -1);
	CHECK_INT(bundle_open(&b, link, 0, 0, &e), -1);
	/* abort removes the half-written file */
	snprintf(path, sizeof path, "%s/half", dir);
	CHECK_INT(bundle_open(&b, path, 0, 0, &e), 0);
	CHECK_INT(bundle_add(&b, "a", "b", 1, &e), 0);
	bundle_abort(&b);
	CHECK(access(path, F_OK) != 0);
	CHECK_INT(bundle_open(&b, "/nonexistent-dir/x.tgz", 0, 0, &e), -1);
	CHECK_INT(e.code, NR_E_BUNDLE_WRITE);
}

/* A byte that does not fit in the output buffer is never dropped silently: the stream fails
 * with NR_E_TOOBIG at the next flush, and stays failed. Here a caller that "forgot" to flush
 * is simulated by filling the buffer. */
static void gz_overflow_fails(void)
{
	struct mem m = { 0 };
	struct nr_err e;

	CHECK_INT(gz_init(&z, 0, mem_sink, &m, &e), 0);
	CHECK_INT(gz_write(&z, "abc", 3, &e), 0);
	z.outlen = GZ_OUT;
	CHECK_INT(gz_finish(&z, &e), -1);
	CHECK_INT(e.code, NR_E_TOOBIG);
	CHECK(z.overflow);
	CHECK_INT(gz_write(&z, "d", 1, &e), -1);
	CHECK_INT(gz_finish(&z, &e), -1);
	free(m.p);
}

int main(void)
{
	char cmd[300];

	setenv("TZ", "UTC", 1); /* tar -tv prints mtimes in local time */
	if (!mkdtemp(dir)) {
		printf("not ok - mkdtemp\n");
		return 1;
	}
	RUN(crc32_known);
	RUN(gzip_round_trip);
	RUN(raw_deflate_python);
	RUN(gzip_deterministic);
	RUN(gz_overflow_fails);
	RUN(tar_members);
	RUN(safe_open);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return T_EXIT();
}
