/* Uploads to signed URLs: checks before sending, one PUT with retries from the start, or the
 * Cloud Storage resumable protocol (cloud.google.com/storage/docs/performing-resumable-uploads)
 * that resumes from what the server has. One connection is reused while the server keeps it. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bearssl.h>

#include "base/parse.h"
#include "http/http.h"
#include "upload/upload.h"
#include "url/url.h"
#include "version.h"

/* UP_BUF: file bytes per read and TLS write; 64 KiB = four full TLS records per read. */
#define UP_BUF (64 * 1024)
/* UP_NBUF: buffers in flight between the sender and the hashing thread: MD5 (~600 MB/s) is
 * slower than AES-GCM, so it runs beside the sender, a few buffers behind. */
#define UP_NBUF 4
/* UP_HEAD: request head: a signed target (URL_MAX) plus our headers and the -H ones. */
#define UP_HEAD (URL_MAX + 8192)
/* UP_SIGNED_MAX: the X-*-SignedHeaders list. */
#define UP_SIGNED_MAX 2048
/* UP_EXPECT_MIN: bodies from 1 MiB on ask "Expect: 100-continue" (RFC 9110 10.1.1) first, so
 * an expired or refused URL costs one round trip instead of the whole file. */
#define UP_EXPECT_MIN (1024 * 1024)
/* UP_EXPECT_MS: how long to wait for "100 Continue" before sending anyway (servers that
 * ignore Expect), as curl does. */
#define UP_EXPECT_MS 1000
/* UP_PROGRESS_NS: progress callbacks at most 5 times a second. */
#define UP_PROGRESS_NS 200000000LL

struct hdr_kv {
	char name[128];
	char value[1024];
};

/* Everything one upload needs, in one place; static in upload_file (~200 KiB), so the
 * module is not reentrant: one upload at a time per process. */
struct up {
	const struct upload_opts *o;
	struct upload_result *r;
	struct url u;                   /* the signed URL */
	struct url session;             /* resumable session URI */
	struct url proxy;
	int use_proxy;
	struct nr_addr pin;             /* --resolve */
	char pin_host[URL_HOST_MAX];
	unsigned pin_port;
	int use_pin;
	struct tls_anchors anchors;
	int anchors_ready;
	struct http_conn c;
	int connected;                  /* c is open, to conn_host:conn_port */
	char conn_host[URL_HOST_MAX];
	unsigned conn_port;
	struct http_resp resp;
	struct hdr_kv h[UPLOAD_MAX_HEADERS];
	int nh;
	int give_md5;                   /* Content-MD5 is signed and not given: we send it */
	int fd;
	unsigned long long size;
	/* Hashes cover the file once, in order: bytes before `hashed` were already counted.
	 * While the hasher thread runs, only it touches these. */
	struct upload_md5 md5;
	uint32_t crc;
	unsigned long long hashed;
	struct {
		pthread_t th;
		pthread_mutex_t mu;
		pthread_cond_t cv;
		int on, quit;
		unsigned head, tail;          /* submitted buffers: hash head..tail-1 in order */
		unsigned long long off[UP_NBUF];
		size_t n[UP_NBUF];
	} hz;
	struct timespec last_progress;
	char head[UP_HEAD];
	unsigned char buf[UP_BUF];
	unsigned char ring[UP_NBUF][UP_BUF];
};

static void warnf(const struct up *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(const struct up *s, const char *fmt, ...)
{
	char msg[512], red[600];
	va_list ap;

	if (!s->o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	url_redact(msg, red, sizeof red);
	s->o->warn(red, s->o->arg);
}

const char *upload_provider_name(enum upload_provider p)
{
	static const char *const names[] = { "other", "gcs", "s3", "azure" };

	return (unsigned)p < 4 ? names[p] : "other";
}

/* --- checks before sending --------------------------------------------------------------- */

static enum upload_provider provider_of(const struct url *u)
{
	char v[8];

	if (url_query_get(u, "X-Goog-Signature", v, 0) != 0)
		return UPLOAD_GCS;
	if (url_query_get(u, "X-Amz-Signature", v, 0) != 0)
		return UPLOAD_S3;
	if (url_query_get(u, "sig", v, 0) != 0 && url_query_get(u, "sv", v, 0) != 0)
		return UPLOAD_AZURE;
	return UPLOAD_OTHER;
}

static int opt_fail(struct nr_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int opt_fail(struct nr_err *e, const char *fmt, ...)
{
	char msg[NR_ERR_CTX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return nr_fail(e, NR_E_UPLOAD_OPTION, 0, "upload", "%s", msg);
}

/* Headers netrescue writes itself: -H may not replace them. */
static int reserved(const char *n)
{
	return !strcasecmp(n, "host") || !strcasecmp(n, "content-length") ||
	       !strcasecmp(n, "transfer-encoding") || !strcasecmp(n, "connection") ||
	       !strcasecmp(n, "content-range") || !strcasecmp(n, "x-goog-resumable");
}

static int parse_headers(struct up *s, struct nr_err *e)
{
	const char *h, *colon, *v;
	size_t nl, vl, i;
	int k;

	for (k = 0; k < s->o->nheaders && k < UPLOAD_MAX_HEADERS; k++) {
		h = s->o->headers[k];
		colon = strchr(h, ':');
		nl = colon ? (size_t)(colon - h) : 0;
		if (!nl || nl >= sizeof s->h[0].name)
			return opt_fail(e, "-H '%s': want 'Name: value'", h);
		for (i = 0; i < nl; i++)
			if ((unsigned char)h[i] <= ' ' || h[i] == 0x7f || strchr("()<>@,;\\\"/[]?={}", h[i]))
				return opt_fail(e, "-H '%s': bad header name", h);
		v = colon + 1 + strspn(colon + 1, " \t");
		vl = strlen(v);
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		if (vl >= sizeof s->h[0].value || strpbrk(v, "\r\n"))
			return opt_fail(e, "-H '%s': bad or too long value", h);
		memcpy(s->h[k].name, h, nl);
		s->h[k].name[nl] = 0;
		memcpy(s->h[k].value, v, vl);
		s->h[k].value[vl] = 0;
		if (reserved(s->h[k].name))
			return opt_fail(e, "-H %s: netrescue sets this header itself", s->h[k].name);
	}
	s->nh = k;
	return 0;
}

static int given(const struct up *s, const char *name, size_t n)
{
	int i;

	for (i = 0; i < s->nh; i++)
		if (strlen(s->h[i].name) == n && !strncasecmp(s->h[i].name, name, n))
			return 1;
	return 0;
}

static int in_list(const char *list, const char *name)
{
	size_t nl = strlen(name), n;
	const char *p;

	for (p = list; *p; p += n + (p[n] == ';')) {
		n = strcspn(p, ";");
		if (n == nl && !strncasecmp(p, name, n))
			return 1;
	}
	return 0;
}

/* Cloud Storage and S3 refuse provider headers (x-goog-*, x-amz-*) that the URL did not sign. */
static void warn_unsigned(const struct up *s, const char *list)
{
	int i;

	for (i = 0; i < s->nh; i++)
		if ((!strncasecmp(s->h[i].name, "x-goog-", 7) || !strncasecmp(s->h[i].name, "x-amz-", 6)) &&
		    !in_list(list, s->h[i].name))
			warnf(s, "-H %s is not among the URL's signed headers: the server may refuse it",
			      s->h[i].name);
}

/* Every signed header must be sent with the value that was signed; only the user knows it
 * (except host, and the ones we set: x-goog-resumable, content-length, content-md5). */
static int check_signed(struct up *s, int *resumable, struct nr_err *e)
{
	char list[UP_SIGNED_MAX];
	const char *p, *end;
	size_t n;
	int r = url_query_get(&s->u, "X-Goog-SignedHeaders", list, sizeof list);

	if (!r)
		r = url_query_get(&s->u, "X-Amz-SignedHeaders", list, sizeof list);
	if (r < 0)
		return nr_fail(e, NR_E_URL_BAD, 0, "upload", "bad SignedHeaders parameter");
	if (!r)
		return 0;
	for (p = list; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ";");
		n = (size_t)(end - p);
		if (n == 16 && !strncasecmp(p, "x-goog-resumable", 16))
			*resumable = 1;
		if (!n || (n == 4 && !strncasecmp(p, "host", 4)) ||
		    (n == 14 && !strncasecmp(p, "content-length", 14)) ||
		    (n == 16 && !strncasecmp(p, "x-goog-resumable", 16)))
			continue;
		if (n == 11 && !strncasecmp(p, "content-md5", 11) && !given(s, p, n)) {
			s->give_md5 = 1;
			continue;
		}
		if (!given(s, p, n))
			return nr_fail(e, NR_E_UPLOAD_MISSING_HEADER, 0, "upload", "%.*s", (int)n, p);
	}
	warn_unsigned(s, list);
	return 0;
}

/* "20260101T000000Z" (X-Goog-Date, X-Amz-Date) or "2026-01-01T00:00:00Z" (Azure se=). */
static int parse_time(const char *v, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(v, strchr(v, '-') ? "%Y-%m-%dT%H:%M:%SZ" : "%Y%m%dT%H%M%SZ", &tm);
	if (!end || *end)
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* A warning, not an error: the node clock may be the wrong one. */
static void check_expiry(struct up *s)
{
	char d[40], x[24], tb[32];
	unsigned long long secs;
	time_t t0, now = time(NULL), until = 0;

	if ((url_query_get(&s->u, "X-Goog-Date", d, sizeof d) == 1 &&
	     url_query_get(&s->u, "X-Goog-Expires", x, sizeof x) == 1) ||
	    (url_query_get(&s->u, "X-Amz-Date", d, sizeof d) == 1 &&
	     url_query_get(&s->u, "X-Amz-Expires", x, sizeof x) == 1)) {
		if (parse_time(d, &t0) || parse_uint(x, 0, 10000000, &secs))
			return;
		until = t0 + (time_t)secs;
	} else if (url_query_get(&s->u, "se", d, sizeof d) == 1) {
		if (parse_time(d, &until))
			return;
	} else {
		return;
	}
	if (until >= now)
		return;
	strftime(tb, sizeof tb, "%Y-%m-%dT%H:%M:%SZ", gmtime(&until));
	warnf(s, "the signed URL expired at %s, %lld s ago by this node's clock; sending anyway "
	      "(the server decides)", tb, (long long)(now - until));
}

/* --resolve HOST:PORT:ADDR, ADDR may be [IPv6]. */
static int parse_resolve(struct up *s, const char *v, struct nr_err *e)
{
	const char *c1 = strchr(v, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char port[8], addr[64];
	unsigned long long pv;
	size_t n;

	if (!c1 || !c2 || c1 == v || (size_t)(c1 - v) >= sizeof s->pin_host ||
	    (size_t)(c2 - c1 - 1) >= sizeof port)
		return opt_fail(e, "--resolve %s: want HOST:PORT:ADDR", v);
	memcpy(s->pin_host, v, (size_t)(c1 - v));
	s->pin_host[c1 - v] = 0;
	memcpy(port, c1 + 1, (size_t)(c2 - c1 - 1));
	port[c2 - c1 - 1] = 0;
	c2++;
	n = strlen(c2);
	if (n >= 2 && c2[0] == '[' && c2[n - 1] == ']') {
		c2++;
		n -= 2;
	}
	if (n >= sizeof addr)
		return opt_fail(e, "--resolve %s: bad address", v);
	memcpy(addr, c2, n);
	addr[n] = 0;
	if (parse_uint(port, 1, 65535, &pv) || parse_ip(addr, &s->pin))
		return opt_fail(e, "--resolve %s: want HOST:PORT:ADDR with a numeric port and IP", v);
	s->pin_port = (unsigned)pv;
	for (n = 0; s->pin_host[n]; n++)
		if (s->pin_host[n] >= 'A' && s->pin_host[n] <= 'Z')
			s->pin_host[n] += 32;
	s->use_pin = 1;
	return 0;
}

static int setup_proxy(struct up *s, struct nr_err *e)
{
	const char *p = s->o->proxy;
	char tmp[URL_HOST_MAX + 32];

	if (!p) {
		if (http_no_proxy(getenv("NO_PROXY"), s->u.host) || http_no_proxy(getenv("no_proxy"), s->u.host))
			return 0;
		p = getenv(s->u.https ? "HTTPS_PROXY" : "HTTP_PROXY");
		if (!p || !*p)
			p = getenv(s->u.https ? "https_proxy" : "http_proxy");
	}
	if (!p || !*p || !strcmp(p, "none"))
		return 0;
	if (!strstr(p, "://")) {
		if (snprintf(tmp, sizeof tmp, "http://%s", p) >= (int)sizeof tmp)
			return opt_fail(e, "proxy %s: too long", p);
		p = tmp;
	}
	if (url_parse(p, strlen(p), &s->proxy, e))
		return opt_fail(e, "proxy %s: not a URL like http://HOST:PORT", p);
	if (s->proxy.https)
		return opt_fail(e, "proxy %s: only http:// proxies (CONNECT) are supported", p);
	s->use_proxy = 1;
	return 0;
}

static void object_of(struct up *s)
{
	const char *t = s->u.target + 1;
	size_t n = s->u.path_len ? s->u.path_len - 1 : 0;

	if (url_decode(t, n, s->r->object, sizeof s->r->object) < 0)
		snprintf(s->r->object, sizeof s->r->object, "%.*s", (int)n, t);
}

static int check(struct up *s, const char *url, int *resumable, struct nr_err *e)
{
	memset(s->r, 0, sizeof *s->r);
	url_redact(url, s->r->url, sizeof s->r->url);
	if (url_parse(url, strlen(url), &s->u, e))
		return -1;
	if (s->u.https && !tls_name_ok(s->u.host))
		return opt_fail(e, "https://%s%s%s: BearSSL checks certificates against DNS names only; use the "
				"name with --resolve NAME:%u:%s%s%s", s->u.host_ip6 ? "[" : "", s->u.host,
				s->u.host_ip6 ? "]" : "", s->u.port, s->u.host_ip6 ? "[" : "", s->u.host,
				s->u.host_ip6 ? "]" : "");
	s->r->provider = provider_of(&s->u);
	object_of(s);
	*resumable = s->o->resumable;
	if (parse_headers(s, e) || check_signed(s, resumable, e))
		return -1;
	if (*resumable && s->r->provider != UPLOAD_GCS && s->r->provider != UPLOAD_OTHER)
		return opt_fail(e, "--resumable: %s", "the resumable protocol is Cloud Storage's; this URL is not");
	if (s->o->chunk_size % UPLOAD_CHUNK_UNIT)
		return opt_fail(e, "--chunk-size %llu: must be a multiple of 256 KiB", s->o->chunk_size);
	if (s->o->resolve && parse_resolve(s, s->o->resolve, e))
		return -1;
	if (setup_proxy(s, e))
		return -1;
	check_expiry(s);
	s->r->resumable = *resumable;
	return 0;
}

static struct up the_up; /* see struct up */

int upload_check(const char *url, const struct upload_opts *o, struct upload_result *r,
		 struct nr_err *e)
{
	struct up *s = &the_up;
	int resumable;

	memset(s, 0, offsetof(struct up, head));
	s->o = o;
	s->r = r;
	return check(s, url, &resumable, e);
}

/* --- hashes and progress ------------------------------------------------------------------ */

static void b64(const unsigned char *in, size_t n, char *out)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3, out += 4) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[0] = al[v >> 18];
		out[1] = al[(v >> 12) & 63];
		out[2] = al[(v >> 6) & 63];
		out[3] = al[v & 63];
	}
	if (i < n) {
		v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
		out[0] = al[v >> 18];
		out[1] = al[(v >> 12) & 63];
		out[2] = i + 1 < n ? al[(v >> 6) & 63] : '=';
		out[3] = '=';
		out += 4;
	}
	*out = 0;
}

static void hash_bytes(struct up *s, unsigned long long off, const unsigned char *p, size_t n)
{
	size_t skip;

	if (off > s->hashed || off + n <= s->hashed)
		return;
	skip = (size_t)(s->hashed - off);
	if (!s->o->no_md5)
		upload_md5_update(&s->md5, p + skip, n - skip);
	s->crc = upload_crc32c(s->crc, p + skip, n - skip);
	s->hashed = off + n;
}

/* --- hashing beside the sender ------------------------------------------------------------- */

static void *hasher(void *arg)
{
	struct up *s = arg;
	unsigned k;

	pthread_mutex_lock(&s->hz.mu);
	for (;;) {
		while (s->hz.head == s->hz.tail && !s->hz.quit)
			pthread_cond_wait(&s->hz.cv, &s->hz.mu);
		if (s->hz.head == s->hz.tail)
			break;
		k = s->hz.head % UP_NBUF;
		pthread_mutex_unlock(&s->hz.mu);
		hash_bytes(s, s->hz.off[k], s->ring[k], s->hz.n[k]);
		pthread_mutex_lock(&s->hz.mu);
		s->hz.head++;
		pthread_cond_broadcast(&s->hz.cv);
	}
	pthread_mutex_unlock(&s->hz.mu);
	return NULL;
}

/* Without a thread (creation failed) hashing simply happens inline. */
static void hasher_start(struct up *s)
{
	pthread_mutex_init(&s->hz.mu, NULL);
	pthread_cond_init(&s->hz.cv, NULL);
	s->hz.head = s->hz.tail = 0;
	s->hz.quit = 0;
	/* CRC32C alone (SSE4.2) costs less than handing buffers to a thread. */
	s->hz.on = !s->o->no_md5 && !pthread_create(&s->hz.th, NULL, hasher, s);
}

/* Waits until at most `keep` buffers are still being hashed. */
static void hasher_wait(struct up *s, unsigned keep)
{
	if (!s->hz.on)
		return;
	pthread_mutex_lock(&s->hz.mu);
	while (s->hz.tail - s->hz.head > keep)
		pthread_cond_wait(&s->hz.cv, &s->hz.mu);
	pthread_mutex_unlock(&s->hz.mu);
}

/* The next free ring buffer (its previous contents are hashed already). */
static unsigned char *hasher_buf(struct up *s)
{
	hasher_wait(s, UP_NBUF - 1);
	return s->ring[s->hz.tail % UP_NBUF];
}

static void hasher_submit(struct up *s, unsigned long long off, size_t n)
{
	unsigned k = s->hz.tail % UP_NBUF;

	if (!s->hz.on) {
		hash_bytes(s, off, s->ring[k], n);
		return;
	}
	pthread_mutex_lock(&s->hz.mu);
	s->hz.off[k] = off;
	s->hz.n[k] = n;
	s->hz.tail++;
	pthread_cond_signal(&s->hz.cv);
	pthread_mutex_unlock(&s->hz.mu);
}

static void hasher_stop(struct up *s)
{
	if (s->hz.on) {
		pthread_mutex_lock(&s->hz.mu);
		s->hz.quit = 1;
		pthread_cond_broadcast(&s->hz.cv);
		pthread_mutex_unlock(&s->hz.mu);
		pthread_join(s->hz.th, NULL);
		s->hz.on = 0;
	}
	pthread_cond_destroy(&s->hz.cv);
	pthread_mutex_destroy(&s->hz.mu);
}

static void progress(struct up *s, unsigned long long sent, int force)
{
	struct upload_progress p;
	struct timespec now;

	if (!s->o->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && (now.tv_sec - s->last_progress.tv_sec) * 1000000000LL +
			      (now.tv_nsec - s->last_progress.tv_nsec) < UP_PROGRESS_NS)
		return;
	s->last_progress = now;
	p.sent = sent;
	p.total = s->size;
	p.attempt = s->r->attempts;
	s->o->progress(&p, s->o->arg);
}

/* Reads [off, off+len) of the file into the hashes (or just through, for Content-MD5). */
static int read_range(struct up *s, unsigned long long off, unsigned long long len,
		      struct upload_md5 *only_md5, struct nr_err *e)
{
	ssize_t n;

	while (len) {
		n = pread(s->fd, s->buf, len < UP_BUF ? (size_t)len : UP_BUF, (off_t)off);
		if (n < 0)
			return nr_fail(e, NR_E_SYS, errno, "upload", "reading the file");
		if (!n)
			return nr_fail(e, NR_E_UPLOAD_SHORT, 0, "upload", "the file shrank while uploading");
		if (only_md5)
			upload_md5_update(only_md5, s->buf, (size_t)n);
		else
			hash_bytes(s, off, s->buf, (size_t)n);
		off += (unsigned long long)n;
		len -= (unsigned long long)n;
	}
	return 0;
}

static int content_md5(struct up *s, char out[25], struct nr_err *e)
{
	struct upload_md5 m;
	unsigned char d[16];

	upload_md5_init(&m);
	if (read_range(s, 0, s->size, &m, e))
		return -1;
	upload_md5_final(&m, d);
	b64(d, 16, out);
	return 0;
}

/* Value of "name=" in an x-goog-hash list ("crc32c=n03x6A==,md5=Ojk9c3dhfxgoKVVHYwFbHQ=="). */
static int hash_field(const char *list, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), l;
	const char *p = list;

	while (*p) {
		p += strspn(p, ", ");
		l = strcspn(p, ", ");
		if (l > nl && p[nl] == '=' && !strncasecmp(p, name, nl) && l - nl - 1 < cap) {
			memcpy(out, p + nl + 1, l - nl - 1);
			out[l - nl - 1] = 0;
			return 1;
		}
		p += l;
	}
	return 0;
}

/* The server has the whole file: finish the hashes and compare with x-goog-hash. */
static int finish(struct up *s, struct nr_err *e)
{
	unsigned char d[16], c[4];
	char md5b[25], crcb[16], theirs[64];
	int i, checked = 0;

	hasher_wait(s, 0);
	if (s->hashed < s->size && read_range(s, s->hashed, s->size - s->hashed, NULL, e))
		return -1;
	upload_md5_final(&s->md5, d);
	for (i = 0; i < 16 && !s->o->no_md5; i++)
		snprintf(s->r->md5 + 2 * i, 3, "%02x", d[i]);
	b64(d, 16, md5b);
	c[0] = (unsigned char)(s->crc >> 24);
	c[1] = (unsigned char)(s->crc >> 16);
	c[2] = (unsigned char)(s->crc >> 8);
	c[3] = (unsigned char)s->crc;
	b64(c, 4, crcb);
	memcpy(s->r->crc32c, crcb, sizeof s->r->crc32c); /* 8 base64 characters + NUL */
	s->r->bytes = s->size;
	if (!s->o->no_md5 && hash_field(s->resp.goog_hash, "md5", theirs, sizeof theirs)) {
		if (strcmp(theirs, md5b))
			return nr_fail(e, NR_E_UPLOAD_HASH, 0, "upload", "%s: md5 %s, ours %s", s->r->object, theirs, md5b);
		checked = 1;
	}
	if (hash_field(s->resp.goog_hash, "crc32c", theirs, sizeof theirs)) {
		if (strcmp(theirs, crcb))
			return nr_fail(e, NR_E_UPLOAD_HASH, 0, "upload", "%s: crc32c %s, ours %s", s->r->object, theirs, crcb);
		checked = 1;
	}
	s->r->hash_checked = checked;
	progress(s, s->size, 1);
	return 0;
}

/* --- one request -------------------------------------------------------------------------- */

static void conn_drop(struct up *s)
{
	if (s->connected)
		http_close(&s->c);
	s->connected = 0;
}

/* Errors that another attempt cannot mend. */
static int fatal(const struct nr_err *e)
{
	switch (e->code) {
	case NR_E_HTTP_CONNECT: case NR_E_HTTP_CLOSED: case NR_E_HTTP_TIMEOUT:
	case NR_E_TLS_IO: case NR_E_TLS_HANDSHAKE:
		return 0;
	default:
		return 1;
	}
}

static int conn_open(struct up *s, const struct url *u, struct nr_err *e)
{
	struct http_dest d;

	if (s->connected && s->conn_port == u->port && !strcmp(s->conn_host, u->host))
		return 0;
	conn_drop(s);
	if (u->https && !s->anchors_ready) {
		if (tls_anchors_init(&s->anchors, s->o->ca_file, e))
			return -1;
		s->anchors_ready = 1;
	}
	memset(&d, 0, sizeof d);
	d.host = u->host;
	d.port = u->port;
	d.addr = s->use_pin && s->pin_port == u->port && !strcmp(s->pin_host, u->host) ? &s->pin : NULL;
	d.proxy = s->use_proxy ? &s->proxy : NULL;
	d.anchors = u->https ? &s->anchors : NULL;
	d.timeout_ms = s->o->timeout_ms;
	if (http_connect(&s->c, &d, e))
		return -1;
	s->connected = 1;
	snprintf(s->conn_host, sizeof s->conn_host, "%s", u->host);
	s->conn_port = u->port;
	return 0;
}

enum { REQ_SIGNED = 1, REQ_START = 2, REQ_EXPECT = 4 };

/* Our headers, then (on the signed request) the -H ones. */
static long make_head(struct up *s, const struct url *u, const char *method,
		      unsigned long long len, const char *range, int flags, struct nr_err *e)
{
	struct http_hdr h[UPLOAD_MAX_HEADERS + 8];
	char clen[24], host[URL_HOST_MAX + 8], md5[25];
	int n = 0, i;

	snprintf(clen, sizeof clen, "%llu", len);
	h[n++] = (struct http_hdr){ "User-Agent", "netrescue/" NR_VERSION };
	h[n++] = (struct http_hdr){ "Content-Length", clen };
	if (range)
		h[n++] = (struct http_hdr){ "Content-Range", range };
	if (flags & REQ_EXPECT)
		h[n++] = (struct http_hdr){ "Expect", "100-continue" };
	if (flags & REQ_START)
		h[n++] = (struct http_hdr){ "x-goog-resumable", "start" };
	if ((flags & REQ_SIGNED) && s->r->provider == UPLOAD_AZURE && !given(s, "x-ms-blob-type", 14))
		h[n++] = (struct http_hdr){ "x-ms-blob-type", "BlockBlob" };
	if ((flags & REQ_SIGNED) && s->give_md5) {
		if (content_md5(s, md5, e))
			return -1;
		h[n++] = (struct http_hdr){ "Content-MD5", md5 };
	}
	for (i = 0; (flags & REQ_SIGNED) && i < s->nh; i++)
		h[n++] = (struct http_hdr){ s->h[i].name, s->h[i].value };
	return http_req_head(s->head, sizeof s->head, method, u->target, url_hostport(u, host, sizeof host),
			     h, n, e);
}

static int send_body(struct up *s, unsigned long long off, unsigned long long len, struct nr_err *e)
{
	ssize_t n;

	unsigned char *b;

	while (len) {
		b = hasher_buf(s);
		n = pread(s->fd, b, len < UP_BUF ? (size_t)len : UP_BUF, (off_t)off);
		if (n < 0)
			return nr_fail(e, NR_E_SYS, errno, "upload", "reading the file"), -2;
		if (!n)
			return nr_fail(e, NR_E_UPLOAD_SHORT, 0, "upload", "the file shrank while uploading"), -2;
		/* The hasher reads b while TLS copies it: both only read. */
		hasher_submit(s, off, (size_t)n);
		if (http_write(&s->c, b, (size_t)n, e))
			return -1;
		off += (unsigned long long)n;
		len -= (unsigned long long)n;
		progress(s, off, 0);
	}
	return 0;
}

/* After a head with Expect: 100-continue: 0 to send the body (100 Continue came, or nothing
 * within UP_EXPECT_MS), 1 when the final reply came instead (the body is not wanted), -1 when
 * the connection failed. */
static int await_continue(struct up *s, struct nr_err *e)
{
	struct pollfd p = { .fd = s->c.fd, .events = POLLIN };
	char buf[1024];
	long n;
	int r;

	do
		r = poll(&p, 1, UP_EXPECT_MS);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return 0;
	while (s->resp.state != HTTP_DONE) {
		if (s->resp.interim && s->resp.state == HTTP_STATUS && !s->resp.line_len)
			return 0;
		n = http_read(&s->c, buf, sizeof buf, e);
		if (n < 0)
			return -1;
		if (!n)
			return http_resp_eof(&s->resp, e) ? -1 : 1;
		if (http_resp_feed(&s->resp, buf, (size_t)n, e) < 0)
			return -1;
	}
	return 1;
}

/* Sends one request and reads the reply into s->resp. 0: a reply arrived (any status);
 * -1: the connection failed (another attempt may do); -2: it cannot work (e filled). */
static int exchange(struct up *s, const struct url *u, const char *method, unsigned long long off,
		    unsigned long long len, const char *range, int flags, struct nr_err *e)
{
	struct nr_err we;
	long hl;
	int rc;

	if (len >= UP_EXPECT_MIN)
		flags |= REQ_EXPECT;
	hl = make_head(s, u, method, len, range, flags, e);

	if (hl < 0)
		return -2;
	/* Fresh for every request: a failed one must not leave an older reply's Retry-After. */
	http_resp_init(&s->resp, 0);
	s->r->attempts++;
	if (conn_open(s, u, e))
		return fatal(e) ? -2 : -1;
	rc = http_write(&s->c, s->head, (size_t)hl, e);
	if (!rc && (flags & REQ_EXPECT)) {
		rc = http_flush(&s->c, e) ? -1 : await_continue(s, e);
		if (rc == 1) {
			/* Refused on the head alone: the connection still expects the body. */
			conn_drop(s);
			s->r->http_status = s->resp.status;
			return s->resp.status / 100 == 2
			       ? (nr_fail(e, NR_E_HTTP_PARSE, 0, "upload", "%s: success before the body", u->host), -1)
			       : 0;
		}
	}
	if (!rc)
		rc = send_body(s, off, len, e);
	if (!rc)
		rc = http_flush(&s->c, e) ? -1 : 0;
	if (rc == -2) {
		conn_drop(s);
		return -2;
	}
	we = *e;
	/* Even when sending failed, the server may have answered (a 403 before the body). */
	if (http_read_resp(&s->c, &s->resp, e)) {
		conn_drop(s);
		if (rc)
			*e = we;
		return fatal(e) && e->code != NR_E_HTTP_PARSE ? -2 : -1;
	}
	if (rc || s->resp.close)
		conn_drop(s);
	s->r->http_status = s->resp.status;
	/* A success before the whole body went out cannot be trusted to cover the file. */
	if (rc && s->resp.status / 100 == 2 && len) {
		*e = we;
		return -1;
	}
	return 0;
}

static int retryable(int status)
{
	return status == 429 || status == 408 || status >= 500;
}

/* Text between <tag> and </tag> in the kept body (Cloud Storage, S3 and Azure all use
 * <Error><Code>..</Code><Message>..</Message>). */
static void xml_field(const char *body, const char *tag, char *out, size_t cap)
{
	char open[32], close[32];
	const char *a, *b;

	out[0] = 0;
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	a = strstr(body, open);
	if (!a)
		return;
	a += strlen(open);
	b = strstr(a, close);
	if (b && (size_t)(b - a) < cap) {
		memcpy(out, a, (size_t)(b - a));
		out[b - a] = 0;
	}
}

/* A refusal (4xx, or 5xx after the last try) as one line a person can act on. */
static int refusal(struct up *s, const char *host, struct nr_err *e)
{
	char code[64], msg[256];
	int st = s->resp.status, nc;

	xml_field(s->resp.body, "Code", code, sizeof code);
	xml_field(s->resp.body, "Message", msg, sizeof msg);
	snprintf(s->r->server_code, sizeof s->r->server_code, "%s", code);
	if (!strcmp(code, "ExpiredToken") || strcasestr(msg, "expired") || strcasestr(msg, "time frame"))
		nc = NR_E_UPLOAD_EXPIRED;
	else if (!strcmp(code, "SignatureDoesNotMatch") || !strcmp(code, "InvalidSignature") ||
		 !strcmp(code, "InvalidAccessKeyId") ||
		 (!strcmp(code, "AuthenticationFailed") && strcasestr(msg, "signature")))
		nc = NR_E_UPLOAD_SIGNATURE;
	else if (!strcmp(code, "RequestTimeTooSkewed"))
		nc = NR_E_UPLOAD_SKEW;
	else if (!strcmp(code, "AccessDenied") || !strncmp(code, "Authorization", 13) || st == 403)
		nc = NR_E_UPLOAD_DENIED;
	else if (retryable(st))
		nc = NR_E_UPLOAD_RETRIES;
	else
		nc = NR_E_UPLOAD_REFUSED;
	return nr_fail(e, nc, 0, "upload", "%s: HTTP %d%s%s", host, st, code[0] ? " " : "", code);
}

static void backoff(struct up *s, int fails)
{
	unsigned base = s->o->backoff_ms ? s->o->backoff_ms : 500, ms;
	unsigned char j = 0;
	struct timespec ts;

	ms = base << (fails > 6 ? 6 : fails - 1);
	if (ms > 30000)
		ms = 30000;
	if (s->resp.state == HTTP_DONE && s->resp.retry_after && s->resp.retry_after * 1000 > ms)
		ms = s->resp.retry_after * 1000 > 60000 ? 60000 : s->resp.retry_after * 1000;
	/* Jitter up to a quarter, so many nodes retrying do not march in step. */
	if (getrandom(&j, 1, 0) == 1)
		ms += ms / 4 * j / 255;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int max_attempts(const struct up *s)
{
	return s->o->max_attempts > 0 ? s->o->max_attempts : 5;
}

/* --- single PUT: every retry starts over --------------------------------------------------- */

static int put_single(struct up *s, struct nr_err *e)
{
	int fails, rc;

	for (fails = 1;; fails++) {
		rc = exchange(s, &s->u, "PUT", 0, s->size, NULL, REQ_SIGNED, e);
		if (rc == -2)
			return -1;
		if (!rc && s->resp.status / 100 == 2)
			return finish(s, e);
		if (!rc && !retryable(s->resp.status))
			return refusal(s, s->u.host, e);
		if (fails >= max_attempts(s))
			return rc ? -1 : refusal(s, s->u.host, e);
		warnf(s, "attempt %d failed (%s); retrying", fails,
		      rc ? "connection lost" : "server busy");
		backoff(s, fails);
	}
}

/* --- Cloud Storage resumable upload ----------------------------------------------------------- */

static int start_session(struct up *s, struct nr_err *e)
{
	int fails, rc;

	for (fails = 1;; fails++) {
		rc = exchange(s, &s->u, "POST", 0, 0, NULL, REQ_SIGNED | REQ_START, e);
		if (rc == -2)
			return -1;
		if (!rc && s->resp.status / 100 == 2) {
			if (!s->resp.location[0])
				return nr_fail(e, NR_E_HTTP_PARSE, 0, "upload", "%s: no Location for the resumable session", s->u.host);
			return url_parse(s->resp.location, strlen(s->resp.location), &s->session, e);
		}
		if (!rc && !retryable(s->resp.status))
			return refusal(s, s->u.host, e);
		if (fails >= max_attempts(s))
			return rc ? -1 : refusal(s, s->u.host, e);
		backoff(s, fails);
	}
}

/* One chunk from off, or (query) a status request "bytes * /TOTAL" after a failure. */
static int chunk(struct up *s, unsigned long long off, int query, struct nr_err *e)
{
	unsigned long long cs = s->o->chunk_size ? s->o->chunk_size : UPLOAD_CHUNK_DEFAULT;
	unsigned long long len = s->size - off < cs ? s->size - off : cs;
	char range[80];

	if (query || !s->size)
		snprintf(range, sizeof range, "bytes */%llu", s->size);
	else if (off + len == s->size)
		snprintf(range, sizeof range, "bytes %llu-%llu/%llu", off, off + len - 1, s->size);
	else
		snprintf(range, sizeof range, "bytes %llu-%llu/*", off, off + len - 1);
	return exchange(s, &s->session, "PUT", off, query ? 0 : len, range, 0, e);
}

static int put_resumable(struct up *s, struct nr_err *e)
{
	unsigned long long off = 0, next;
	int fails = 0, query = 0, rc;

	if (start_session(s, e))
		return -1;
	for (;;) {
		rc = chunk(s, off, query, e);
		if (rc == -2)
			return -1;
		if (!rc && s->resp.status / 100 == 2)
			return finish(s, e);
		if (!rc && s->resp.status == 308) {
			/* 308 without Range: the server kept nothing yet (start from 0). */
			next = s->resp.has_range ? s->resp.range_end + 1 : 0;
			if (next > s->size)
				return nr_fail(e, NR_E_HTTP_PARSE, 0, "upload", "%s: server claims %llu bytes of %llu",
					       s->session.host, next, s->size);
			if (query)
				s->r->resumed = 1;
			if (next > off || query) {
				fails = next > off ? 0 : fails;
				off = next;
				query = 0;
				progress(s, off, 0);
				continue;
			}
			off = next; /* no progress: count it as a failure below */
		} else if (!rc && !retryable(s->resp.status)) {
			return refusal(s, s->session.host, e);
		}
		if (++fails >= max_attempts(s))
			return rc ? -1 : (s->resp.status == 308
					  ? nr_fail(e, NR_E_UPLOAD_RETRIES, 0, "upload", "%s: no progress", s->session.host)
					  : refusal(s, s->session.host, e));
		warnf(s, "chunk at byte %llu failed (%s); asking the server what it has", off,
		      rc ? "connection lost" : "server busy");
		backoff(s, fails);
		query = 1;
	}
}

/* --- entry points --------------------------------------------------------------------------- */

int upload_file(const char *path, const char *url, const struct upload_opts *o,
		struct upload_result *r, struct nr_err *e)
{
	struct up *s = &the_up;
	struct stat st;
	int resumable, rc;

	memset(s, 0, offsetof(struct up, head));
	s->o = o;
	s->r = r;
	s->fd = -1;
	if (check(s, url, &resumable, e))
		return -1;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return nr_fail(e, NR_E_SYS, errno, "upload", "open %s", path);
	if (fstat(s->fd, &st) || !S_ISREG(st.st_mode)) {
		close(s->fd);
		return nr_fail(e, NR_E_SYS, S_ISDIR(st.st_mode) ? EISDIR : errno, "upload", "%s: not a regular file", path);
	}
	s->size = (unsigned long long)st.st_size;
	upload_md5_init(&s->md5);
	progress(s, 0, 1);
	hasher_start(s);
	rc = resumable ? put_resumable(s, e) : put_single(s, e);
	hasher_stop(s);
	conn_drop(s);
	close(s->fd);
	/* A message may quote a URL (a Location, a proxy): never with its signature. */
	if (rc && e) {
		char red[NR_ERR_CTX];

		url_redact(e->ctx, red, sizeof red);
		memcpy(e->ctx, red, sizeof red);
	}
	return rc;
}

void upload_json(struct jw *w, const struct upload_result *r)
{
	jw_kuint(w, "bytes", r->bytes);
	jw_kint(w, "http_status", r->http_status);
	jw_kstr(w, "provider", upload_provider_name(r->provider));
	jw_kbool(w, "resumed", r->resumed);
	jw_kbool(w, "resumable", r->resumable);
	jw_kstr(w, "object", r->object);
	jw_kstr(w, "url", r->url);
	if (r->md5[0])
		jw_kstr(w, "md5", r->md5);
	else
		jw_knull(w, "md5");
	if (r->crc32c[0])
		jw_kstr(w, "crc32c", r->crc32c);
	else
		jw_knull(w, "crc32c");
	jw_kbool(w, "hash_checked", r->hash_checked);
	jw_kint(w, "attempts", r->attempts);
	if (r->server_code[0])
		jw_kstr(w, "server_code", r->server_code);
}
