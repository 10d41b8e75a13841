/* upload FILE URL: HTTPS PUT to a signed URL (Cloud Storage single or resumable, S3, Azure). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/parse.h"
#include "cli/cli.h"
#include "report/json.h"
#include "report/table.h"
#include "upload/upload.h"
#include "url/url.h"

enum { O_HEADER = 1, O_CAFILE, O_RESOLVE, O_PROXY, O_RESUMABLE, O_CHUNK, O_RETRIES, O_NOMD5 };

static const struct cli_opt opts[] = {
	{ "header", 'H', CLI_ARG_REQUIRED, O_HEADER },
	{ "ca-file", 0, CLI_ARG_REQUIRED, O_CAFILE },
	{ "resolve", 0, CLI_ARG_REQUIRED, O_RESOLVE },
	{ "proxy", 0, CLI_ARG_REQUIRED, O_PROXY },
	{ "resumable", 0, CLI_ARG_NONE, O_RESUMABLE },
	{ "chunk-size", 0, CLI_ARG_REQUIRED, O_CHUNK },
	{ "retries", 0, CLI_ARG_REQUIRED, O_RETRIES },
	{ "no-md5", 0, CLI_ARG_NONE, O_NOMD5 },
	{ NULL, 0, 0, 0 },
};

struct ui {
	struct cli *c;
	struct timespec t0;
	int drawn;
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* "  42%  [########      ]  420.0 MiB / 1.0 GiB  310.2 MiB/s  ETA 0:02" on one line. */
static void on_progress(const struct upload_progress *p, void *arg)
{
	struct ui *u = arg;
	double t = since(&u->t0), rate = t > 0 ? (double)p->sent / t : 0, mib = 1024.0 * 1024.0;
	unsigned pct = p->total ? (unsigned)(p->sent * 100 / p->total) : 100, eta, i;
	char bar[21];

	if (!u->c->stderr_tty)
		return;
	for (i = 0; i < 20; i++)
		bar[i] = i < pct / 5 ? '#' : ' ';
	bar[20] = 0;
	eta = rate > 0 ? (unsigned)((double)(p->total - p->sent) / rate) : 0;
	fprintf(stderr, "\r%4u%% [%s] %8.1f / %.1f MiB  %7.1f MiB/s  ETA %u:%02u ", pct, bar,
		(double)p->sent / mib, (double)p->total / mib, rate / mib, eta / 60, eta % 60);
	u->drawn = 1;
}

static void on_warn(const char *msg, void *arg)
{
	struct ui *u = arg;

	if (u->drawn)
		fputc('\n', stderr);
	u->drawn = 0;
	cli_warn(u->c, "%s", msg);
}

/* 8388608, 256K, 8M, 1G (binary units). */
static int parse_size(const char *s, unsigned long long *out)
{
	char num[32];
	size_t n = strlen(s);
	unsigned shift = 0;

	if (!n || n >= sizeof num)
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	default: break;
	}
	if (shift)
		num[n - 1] = 0;
	if (parse_uint(num, 1, 1ull << 34, out))
		return -1;
	*out <<= shift;
	return 0;
}

static void print_human(const char *file, const struct upload_result *r)
{
	static const char *const head[] = { "FILE", "BYTES", "PROVIDER", "HTTP", "MD5", "CRC32C", "CHECKED", "RESUMED" };
	char bytes[24], st[8];
	const char *row[8];
	struct tbl t;

	snprintf(bytes, sizeof bytes, "%llu", r->bytes);
	snprintf(st, sizeof st, "%d", r->http_status);
	row[0] = file;
	row[1] = bytes;
	row[2] = upload_provider_name(r->provider);
	row[3] = st;
	row[4] = r->md5[0] ? r->md5 : NULL;
	row[5] = r->crc32c;
	row[6] = r->hash_checked ? "x-goog-hash" : "-";
	row[7] = r->resumed ? "yes" : "no";
	tbl_init(&t, 8, head);
	tbl_add(&t, row);
	tbl_print(&t, stdout);
	printf("to %s\n", r->url);
}

/* Other users of the node can read /proc/PID/cmdline: once the URL is copied, its argv
 * bytes are overwritten with the redacted text (never longer: REDACTED replaces longer
 * signatures; a shorter one is blanked with 'x'). */
static void scrub_arg(char *arg)
{
	char red[URL_MAX + 64];
	size_t n = strlen(arg), r = url_redact(arg, red, sizeof red), i;

	if (r < sizeof red && r <= n) {
		memcpy(arg, red, r);
		memset(arg + r, 0, n - r);
		return;
	}
	for (i = 0; i < n; i++) /* cannot shorten in place: blank the whole argument */
		arg[i] = 'x';
}

static int run(struct cli *c, int argc, char **argv)
{
	static struct upload_opts o;
	static struct upload_result r;
	static char url[URL_MAX];
	struct nr_err e;
	struct cli_parse p;
	struct ui u = { .c = c };
	unsigned long long v;
	int id, rc;

	memset(&o, 0, sizeof o);
	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		switch (id) {
		case O_HEADER:
			if (o.nheaders >= UPLOAD_MAX_HEADERS)
				return cli_usage(c, "at most %d -H headers", UPLOAD_MAX_HEADERS);
			o.headers[o.nheaders++] = p.arg;
			break;
		case O_CAFILE: o.ca_file = p.arg; break;
		case O_RESOLVE: o.resolve = p.arg; break;
		case O_PROXY: o.proxy = p.arg; break;
		case O_RESUMABLE: o.resumable = 1; break;
		case O_NOMD5: o.no_md5 = 1; break;
		case O_CHUNK:
			if (parse_size(p.arg, &o.chunk_size) || o.chunk_size % UPLOAD_CHUNK_UNIT)
				return cli_usage(c, "--chunk-size '%s': want a multiple of 256K (e.g. 8M)", p.arg);
			break;
		case O_RETRIES:
			if (parse_uint(p.arg, 0, 100, &v))
				return cli_usage(c, "--retries '%s': want 0..100", p.arg);
			o.max_attempts = (int)v + 1;
			break;
		}
	}
	if (p.npos != 2)
		return cli_usage(c, "want FILE URL (see 'netrescue help upload')");
	if (strlen(p.pos[1]) >= sizeof url)
		return cli_usage(c, "URL longer than %d bytes", URL_MAX);
	memcpy(url, p.pos[1], strlen(p.pos[1]) + 1);
	scrub_arg(p.pos[1]);
	o.progress = on_progress;
	o.warn = on_warn;
	o.arg = &u;
	clock_gettime(CLOCK_MONOTONIC, &u.t0);
	nr_err_clear(&e);
	rc = upload_file(p.pos[0], url, &o, &r, &e);
	if (u.drawn)
		fputc('\n', stderr);
	if (rc)
		return cli_fail(c, &e);
	if (c->json) {
		struct jw w;

		cli_json_begin(c, &w, "upload");
		jw_kstr(&w, "file", p.pos[0]);
		upload_json(&w, &r);
		return jw_end(&w) ? EXIT_CANNOT : EXIT_OK;
	}
	print_human(p.pos[0], &r);
	return EXIT_OK;
}

const struct cli_cmd cmd_upload = {
	"upload", "upload FILE URL [-H 'K: V']... [--ca-file F] [--resolve HOST:PORT:ADDR] [--proxy URL] [--resumable] [--chunk-size N]",
	"HTTPS PUT of a file to a GCS/S3/Azure signed URL (single or resumable)",
	"Sends FILE to a signed URL over TLS 1.2 (BearSSL, built-in CA roots; certificates and host\n"
	"names always checked). The provider comes from the URL: X-Goog-Signature -> Cloud Storage,\n"
	"X-Amz-Signature -> S3, sig+sv -> Azure (x-ms-blob-type: BlockBlob added). The query is sent\n"
	"byte for byte; signatures are never printed. MD5 and CRC32C are computed while sending and\n"
	"compared with the server's x-goog-hash. A URL signed for POST with x-goog-resumable:start\n"
	"uses Cloud Storage's resumable protocol: chunks, resumed after a broken connection.\n"
	"Connection loss, 429 and 5xx are retried with backoff; 4xx are not.\n"
	"\n"
	"options:\n"
	"  -H, --header 'Name: value'  send this header; every header the URL signs (X-Goog-SignedHeaders,\n"
	"                        X-Amz-SignedHeaders) except host must be given, with the signed value\n"
	"  --ca-file FILE        also trust the CA certificates in this PEM file\n"
	"  --resolve HOST:PORT:ADDR  connect to ADDR for HOST:PORT (SNI and Host stay HOST), e.g. the\n"
	"                        private.googleapis.com VIP 199.36.153.8 on a node without DNS for it\n"
	"  --proxy URL           HTTP proxy for CONNECT (default: $HTTPS_PROXY unless $NO_PROXY matches;\n"
	"                        'none' for no proxy)\n"
	"  --resumable           use the resumable protocol (URL signed for POST)\n"
	"  --chunk-size N        resumable chunk size, a multiple of 256K (default 8M)\n"
	"  --retries N           retries per request (default 4)\n"
	"  --no-md5              skip MD5 (CRC32C is still computed and checked against x-goog-hash);\n"
	"                        MD5 costs more CPU than the TLS itself on a 2-vCPU node\n"
	"\n"
	"make the URL elsewhere:\n"
	"  gcloud storage sign-url gs://B/cap.pcap --http-verb=PUT --duration=1h --private-key-file=KEY\n"
	"  gcloud storage sign-url gs://B/cap.pcap --http-verb=POST --headers=x-goog-resumable=start ...\n"
	"examples:\n"
	"  netrescue upload /var/lib/toolbox/cap.pcap 'https://storage.googleapis.com/B/cap.pcap?X-Goog-Signature=...'\n"
	"  netrescue upload big.pcap \"$URL\" -H 'Content-Type: application/vnd.tcpdump.pcap' \\\n"
	"      --resolve storage.googleapis.com:443:199.36.153.8\n"
	"  netrescue --json upload report.tgz \"$URL\" --proxy http://10.128.0.9:3128\n",
	run,
};
