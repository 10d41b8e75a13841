/* upload FILE URL: HTTPS PUT to a signed URL (Cloud Storage single or resumable, S3, Azure). */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/parse.h"
#include "cli/cli.h"
#include "report/json.h"
#include "report/table.h"
#include "upload/upload.h"
#include "url/url.h"

enum { O_HEADER = 1, O_CAFILE, O_RESOLVE, O_PROXY, O_RESUMABLE, O_CHUNK, O_RETRIES, O_NOMD5, O_MD5,
       O_CONTENT_MD5, O_URLFILE, O_INSECURE, O_TIMEOUT, O_MAXTIME, O_POLICY, O_OBJECT, O_NODE };

static const struct cli_opt opts[] = {
	{ "header", 'H', CLI_ARG_REQUIRED, O_HEADER },
	{ "ca-file", 0, CLI_ARG_REQUIRED, O_CAFILE },
	{ "resolve", 0, CLI_ARG_REQUIRED, O_RESOLVE },
	{ "proxy", 0, CLI_ARG_REQUIRED, O_PROXY },
	{ "resumable", 0, CLI_ARG_NONE, O_RESUMABLE },
	{ "chunk-size", 0, CLI_ARG_REQUIRED, O_CHUNK },
	{ "retries", 0, CLI_ARG_REQUIRED, O_RETRIES },
	{ "no-md5", 0, CLI_ARG_NONE, O_NOMD5 },
	{ "md5", 0, CLI_ARG_NONE, O_MD5 },
	{ "content-md5", 0, CLI_ARG_NONE, O_CONTENT_MD5 },
	{ "url-file", 0, CLI_ARG_REQUIRED, O_URLFILE },
	{ "insecure-http", 0, CLI_ARG_NONE, O_INSECURE },
	{ "timeout", 0, CLI_ARG_REQUIRED, O_TIMEOUT },
	{ "max-time", 0, CLI_ARG_REQUIRED, O_MAXTIME },
	{ "post-policy", 0, CLI_ARG_REQUIRED, O_POLICY },
	{ "object", 0, CLI_ARG_REQUIRED, O_OBJECT },
	{ "node-name", 0, CLI_ARG_REQUIRED, O_NODE },
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
	row[6] = r->hash_checked ? r->checked_by : "-";
	row[7] = r->resumed ? "yes" : "no";
	tbl_init(&t, 8, head);
	tbl_add(&t, row);
	tbl_print(&t, stdout);
	printf("to %s\n", r->url);
}

/* Ctrl-C and SIGTERM: the upload stops at its next wait and says where (a resumable session
 * is kept for the next run). poll and nanosleep return EINTR whatever SA_RESTART says
 * (signal(7)), and every socket call is non-blocking. A handler reaches only static storage:
 * the flag is the one file-scope state a command keeps. */
static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* A failure: one line on stderr, and with --json one document on stdout that still says how
 * far it got (the contract: exactly one document, also on errors). */
static int fail(struct cli *c, const char *file, const struct upload_result *r, const struct nr_err *e)
{
	char msg[NR_ERR_CTX + 512];
	int ex = cli_err_exit(e);
	struct jw w;

	nr_err_text(e, msg, sizeof msg);
	fprintf(stderr, "netrescue: %s\n", msg);
	if (!c->json)
		return ex;
	cli_json_begin(c, &w, "upload");
	jw_kstr(&w, "file", file);
	upload_json(&w, r);
	jw_kuint(&w, "bytes_sent", r->bytes_sent);
	jw_key(&w, "error");
	jw_obj(&w);
	jw_kint(&w, "code", ex);
	jw_kstr(&w, "message", msg);
	jw_obj_end(&w);
	return jw_end(&w) ? EXIT_CANNOT : ex;
}

/* The command's state: options, the result and the URL read from --url-file or stdin; one
 * allocation. */
struct up_cmd {
	struct upload_opts o;
	struct upload_result r;
	char url[URL_MAX];
};

static int upload(struct cli *c, int argc, char **argv, struct up_cmd *k)
{
	struct upload_opts *o = &k->o;
	struct upload_result *r = &k->r;
	char *url = k->url;
	const char *url_file = NULL, *policy = NULL;
	struct upload_post_opts po = { 0 };
	struct upload_policy *pp = NULL;
	struct nr_err e;
	struct cli_parse p;
	struct ui u = { .c = c };
	unsigned long long v;
	int id, rc;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		switch (id) {
		case O_HEADER:
			if (o->nheaders >= UPLOAD_MAX_HEADERS)
				return cli_usage(c, "at most %d -H headers", UPLOAD_MAX_HEADERS);
			o->headers[o->nheaders++] = p.arg;
			break;
		case O_CAFILE: o->ca_file = p.arg; break;
		case O_RESOLVE: o->resolve = p.arg; break;
		case O_PROXY: o->proxy = p.arg; break;
		case O_RESUMABLE: o->resumable = 1; break;
		case O_NOMD5: o->no_md5 = 1; break;
		case O_MD5: o->md5 = 1; break;
		case O_CONTENT_MD5: o->content_md5 = 1; break;
		case O_URLFILE: url_file = p.arg; break;
		case O_POLICY: policy = p.arg; break;
		case O_OBJECT: po.object = p.arg; break;
		case O_NODE: po.node = p.arg; break;
		case O_INSECURE: o->insecure_http = 1; break;
		case O_TIMEOUT:
		case O_MAXTIME:
			if (parse_uint(p.arg, 1, 86400, &v))
				return cli_usage(c, "--%s '%s': want seconds (1..86400)", id == O_TIMEOUT ? "timeout" : "max-time", p.arg);
			if (id == O_TIMEOUT)
				o->timeout_ms = (unsigned)v * 1000;
			else
				o->max_time_ms = (unsigned)v * 1000;
			break;
		case O_CHUNK:
			if (parse_size(p.arg, &o->chunk_size) || o->chunk_size % UPLOAD_CHUNK_UNIT)
				return cli_usage(c, "--chunk-size '%s': want a multiple of 256K (e.g. 8M)", p.arg);
			break;
		case O_RETRIES:
			if (parse_uint(p.arg, 0, 100, &v))
				return cli_usage(c, "--retries '%s': want 0..100", p.arg);
			o->max_attempts = (int)v + 1;
			break;
		}
	}
	if (o->no_md5 && (o->md5 || o->content_md5))
		return cli_usage(c, "--no-md5 and --md5/--content-md5 contradict each other");
	if ((po.object || po.node) && !policy)
		return cli_usage(c, "--object and --node-name go with --post-policy");
	if (policy && (url_file || p.npos != 1))
		return cli_usage(c, "with --post-policy: want FILE alone (the policy names the URL)");
	if (policy)
		rc = cli_post_policy(c, policy, &pp);
	else if (url_file && p.npos == 1)
		rc = cli_url_file(c, url_file, url, sizeof k->url);
	else if (p.npos == 2 && !url_file && !strcmp(p.pos[1], "-"))
		rc = cli_url_file(c, "-", url, sizeof k->url);
	else if (p.npos == 2 && !url_file && strlen(p.pos[1]) < sizeof k->url)
		rc = (memcpy(url, p.pos[1], strlen(p.pos[1]) + 1), EXIT_OK);
	else if (p.npos == 2 && !url_file)
		return cli_usage(c, "URL longer than %d bytes", URL_MAX);
	else
		return cli_usage(c, "want FILE URL, FILE -, or FILE --url-file F (see 'netrescue help upload')");
	if (rc)
		return rc;
	o->keep_state = 1;
	o->stop = &stop_flag;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	o->progress = on_progress;
	o->warn = on_warn;
	o->arg = &u;
	clock_gettime(CLOCK_MONOTONIC, &u.t0);
	nr_err_clear(&e);
	rc = pp ? upload_post(p.pos[0], pp, &po, o, r, &e) : upload_file(p.pos[0], url, o, r, &e);
	free(pp);
	if (u.drawn)
		fputc('\n', stderr);
	if (rc)
		return fail(c, p.pos[0], r, &e);
	if (c->json) {
		struct jw w;

		cli_json_begin(c, &w, "upload");
		jw_kstr(&w, "file", p.pos[0]);
		upload_json(&w, r);
		return jw_end(&w) ? EXIT_CANNOT : EXIT_OK;
	}
	print_human(p.pos[0], r);
	return EXIT_OK;
}

static int run(struct cli *c, int argc, char **argv)
{
	struct up_cmd *k = calloc(1, sizeof *k);
	int rc;

	if (!k)
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "upload" });
	rc = upload(c, argc, argv, k);
	explicit_bzero(k->url, sizeof k->url); /* a signed URL: not left in freed memory */
	free(k);
	return rc;
}

const struct cli_cmd cmd_upload = {
	"upload", "upload FILE (URL | - | --url-file F | --post-policy P [--object T]) [-H 'K: V']... [--ca-file F] [--resolve HOST:PORT:ADDR] [--proxy URL] [--resumable] [--chunk-size N]",
	"HTTPS PUT of a file to a GCS/S3/Azure signed URL (single or resumable)",
	"Sends FILE to a signed URL over TLS 1.2 (BearSSL, built-in CA roots; certificates and host\n"
	"names always checked). The provider comes from the URL: X-Goog-Signature -> Cloud Storage,\n"
	"X-Amz-Signature -> S3, sig+sv -> Azure (x-ms-blob-type: BlockBlob added). The query is sent\n"
	"byte for byte. Signatures, proxy passwords and Authorization-like -H values are never\n"
	"printed, and are wiped from netrescue's command line (ps, /proc/PID/cmdline) as it starts;\n"
	"a URL typed on a command line is still visible for the instant before that: --url-file F\n"
	"(or - for stdin) keeps it off the command line entirely.\n"
	"End to end: CRC32C while sending, compared with Cloud Storage's x-goog-hash; MD5 on a\n"
	"second thread for S3 (compared with the ETag) and Azure (with the returned Content-MD5).\n"
	"A URL signed for POST with x-goog-resumable:start uses Cloud Storage's resumable protocol:\n"
	"chunks, resumed after a broken connection; Ctrl-C prints where it stopped and keeps the\n"
	"session in .FILE.netrescue-upload (0600) beside FILE: the same command resumes it.\n"
	"Connection loss, stalls, 429 and 5xx are retried with backoff; 4xx, refused connections\n"
	"and redirects are not (a redirect is named, never followed with the signature).\n"
	"\n"
	"One credential for a fleet: --post-policy P sends FILE as a form POST with a Cloud Storage V4\n"
	"POST policy (generateSignedPostPolicyV4) or an S3 presigned POST (createPresignedPost): P is\n"
	"their JSON {\"url\", \"fields\"}, in a file, on stdin (-) or inline. Every node names its own\n"
	"object from --object (default {node}/{time}-{file}): with a key like 'bundles/${filename}' the\n"
	"name is sent as the file's name; with a starts-with $key condition it follows the prefix.\n"
	"The policy's expiry, object-name conditions and content-length-range are checked first.\n"
	"\n"
	"options:\n"
	"  --url-file F          read the URL from file F ('-': stdin) instead of the command line\n"
	"  --post-policy P       upload with a POST policy (file, -, or inline JSON) instead of a URL\n"
	"  --object TEMPLATE     with --post-policy: the object name; {node} (--node-name, $NODE_NAME or\n"
	"                        the host name), {time} (UTC, 20261206T031500Z), {file} (FILE's base name)\n"
	"  --node-name N         with --post-policy: {node} in the object name\n"
	"  -H, --header 'Name: value'  send this header; every header the URL signs (X-Goog-SignedHeaders,\n"
	"                        X-Amz-SignedHeaders) except host must be given, with the signed value\n"
	"  --ca-file FILE        also trust the CA certificates in this PEM file\n"
	"  --resolve HOST:PORT:ADDR  connect to ADDR for HOST:PORT (SNI and Host stay HOST), e.g. the\n"
	"                        private.googleapis.com VIP 199.36.153.8 on a node without DNS for it\n"
	"  --proxy URL           HTTP proxy for CONNECT, http://[USER:PASS@]HOST:PORT (Basic auth);\n"
	"                        default: $https_proxy/$HTTPS_PROXY, then $ALL_PROXY, unless $NO_PROXY\n"
	"                        matches; 'none' for no proxy\n"
	"  --resumable           use the resumable protocol (URL signed for POST)\n"
	"  --chunk-size N        resumable chunk size, a multiple of 256K (default 8M)\n"
	"  --retries N           retries per request (default 4)\n"
	"  --timeout S           an attempt with no progress for S seconds has stalled (default 20)\n"
	"  --max-time S          budget for one request once connected (default: none; connecting,\n"
	"                        proxy and TLS always have 30 s together)\n"
	"  --md5                 also compute MD5 for Cloud Storage and other servers (checked\n"
	"                        against x-goog-hash md5 where given)\n"
	"  --content-md5         send Content-MD5 (one extra read of FILE first): the server then\n"
	"                        refuses a body that differs (sent anyway when the URL signs it)\n"
	"  --no-md5              never MD5 (CRC32C is still computed and checked against x-goog-hash)\n"
	"  --insecure-http       allow a plain http:// URL (refused otherwise: clear text)\n"
	"\n"
	"make the URL elsewhere:\n"
	"  gcloud storage sign-url gs://B/cap.pcap --http-verb=PUT --duration=1h --private-key-file=KEY\n"
	"  gcloud storage sign-url gs://B/cap.pcap --http-verb=POST --headers=x-goog-resumable=start ...\n"
	"examples:\n"
	"  netrescue upload /var/lib/toolbox/cap.pcap --url-file /tmp/url.txt\n"
	"  kubectl exec ... -- sh -c 'echo \"$URL\" | netrescue upload cap.pcap -'\n"
	"  netrescue upload big.pcap \"$URL\" -H 'Content-Type: application/vnd.tcpdump.pcap' \\\n"
	"      --resolve storage.googleapis.com:443:199.36.153.8\n"
	"  netrescue --json upload report.tgz --url-file url.txt --proxy http://user:pass@10.128.0.9:3128\n",
	run,
};
