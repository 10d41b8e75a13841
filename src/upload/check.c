/* Checks made before anything is sent: the URL and its provider, -H against the signed
 * headers, --resolve, the proxy (and its credentials), the URL's expiry. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/parse.h"
#include "upload/private.h"

void up_warnf(const struct up *s, const char *fmt, ...)
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

int up_opt_fail(struct nr_err *e, const char *fmt, ...)
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
			return up_opt_fail(e, "-H%s: want 'Name: value'", colon ? " (name too long)" : "");
		for (i = 0; i < nl; i++)
			if ((unsigned char)h[i] <= ' ' || h[i] == 0x7f || strchr("()<>@,;\\\"/[]?={}", h[i]))
				return up_opt_fail(e, "-H '%.*s': bad header name", (int)nl, h);
		v = colon + 1 + strspn(colon + 1, " \t");
		vl = strlen(v);
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		if (vl >= sizeof s->h[0].value || strpbrk(v, "\r\n"))
			return up_opt_fail(e, "-H %.*s: bad or too long value", (int)nl, h);
		memcpy(s->h[k].name, h, nl);
		s->h[k].name[nl] = 0;
		memcpy(s->h[k].value, v, vl);
		s->h[k].value[vl] = 0;
		if (reserved(s->h[k].name))
			return up_opt_fail(e, "-H %s: netrescue sets this header itself", s->h[k].name);
	}
	s->nh = k;
	return 0;
}

int up_given(const struct up *s, const char *name, size_t n)
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
			up_warnf(s, "-H %s is not among the URL's signed headers: the server may refuse it",
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
		if (n == 11 && !strncasecmp(p, "content-md5", 11) && !up_given(s, p, n)) {
			s->give_md5 = 1;
			continue;
		}
		if (!up_given(s, p, n))
			return nr_fail(e, NR_E_UPLOAD_MISSING_HEADER, 0, "upload", "%.*s", (int)n, p);
	}
	warn_unsigned(s, list);
	return 0;
}

/* "20260101T000000Z" (X-Goog-Date, X-Amz-Date) or, as Azure writes se=, ISO 8601 UTC with or
 * without seconds, or a date alone ("2026-01-01T00:00:00Z", "2026-01-01T00:00Z", "2026-01-01"). */
static int parse_time(const char *v, time_t *out)
{
	static const char *const fmts[] = { "%Y%m%dT%H%M%SZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d" };
	struct tm tm;
	const char *end;
	size_t i;

	for (i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		memset(&tm, 0, sizeof tm);
		end = strptime(v, fmts[i], &tm);
		if (end && !*end) {
			*out = timegm(&tm);
			return 0;
		}
	}
	return -1;
}

/* The URL's expiry, or 0 when it does not say. */
static time_t url_expiry(const struct up *s)
{
	char d[40], x[24];
	unsigned long long secs;
	time_t t0, until;

	if ((url_query_get(&s->u, "X-Goog-Date", d, sizeof d) == 1 &&
	     url_query_get(&s->u, "X-Goog-Expires", x, sizeof x) == 1) ||
	    (url_query_get(&s->u, "X-Amz-Date", d, sizeof d) == 1 &&
	     url_query_get(&s->u, "X-Amz-Expires", x, sizeof x) == 1)) {
		if (parse_time(d, &t0) || parse_uint(x, 0, 10000000, &secs))
			return 0;
		return t0 + (time_t)secs;
	}
	if (url_query_get(&s->u, "se", d, sizeof d) == 1 && !parse_time(d, &until))
		return until;
	return 0;
}

/* A warning, not an error: the node clock may be the wrong one. */
static void check_expiry(struct up *s)
{
	char tb[32];
	time_t now = time(NULL);

	s->expires = url_expiry(s);
	if (!s->expires || s->expires >= now)
		return;
	strftime(tb, sizeof tb, "%Y-%m-%dT%H:%M:%SZ", gmtime(&s->expires));
	up_warnf(s, "the signed URL expired at %s%s, %lld s ago by this node's clock; sending anyway "
		 "(the server decides)", tb, s->r->provider == UPLOAD_AZURE ? " (SAS se=)" : "",
		 (long long)(now - s->expires));
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
		return up_opt_fail(e, "--resolve %s: want HOST:PORT:ADDR", v);
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
		return up_opt_fail(e, "--resolve %s: bad address", v);
	memcpy(addr, c2, n);
	addr[n] = 0;
	if (parse_uint(port, 1, 65535, &pv) || parse_ip(addr, &s->pin))
		return up_opt_fail(e, "--resolve %s: want HOST:PORT:ADDR with a numeric port and IP", v);
	s->pin_port = (unsigned)pv;
	for (n = 0; s->pin_host[n]; n++)
		if (s->pin_host[n] >= 'A' && s->pin_host[n] <= 'Z')
			s->pin_host[n] += 32;
	s->use_pin = 1;
	return 0;
}

/* The proxy as curl picks it: --proxy, else (unless NO_PROXY names the host) the
 * scheme's variable (https_proxy, HTTPS_PROXY; http_proxy for http://), then ALL_PROXY. */
static const char *proxy_from_env(const struct up *s)
{
	static const char *const https_vars[] = { "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
	static const char *const http_vars[] = { "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY" };
	const char *const *vars = s->u.https ? https_vars : http_vars;
	const char *p;
	int i;

	if (http_no_proxy(getenv("NO_PROXY"), s->u.host) || http_no_proxy(getenv("no_proxy"), s->u.host))
		return NULL;
	for (i = 0; i < 4; i++)
		if ((p = getenv(vars[i])) && *p)
			return p;
	return NULL;
}

/* "Basic base64(user:password)" (RFC 7617) for Proxy-Authorization. */
static int proxy_basic(struct up *s, const struct url_auth *a, struct nr_err *e)
{
	char up[2 * URL_AUTH_MAX + 2];
	int n = snprintf(up, sizeof up, "%s:%s", a->user, a->pass);

	if (n < 0 || (size_t)n >= sizeof up || 6 + ((size_t)n + 2) / 3 * 4 >= sizeof s->proxy_auth)
		return up_opt_fail(e, "proxy user name and password: too long");
	memcpy(s->proxy_auth, "Basic ", 6);
	up_b64((const unsigned char *)up, (size_t)n, s->proxy_auth + 6);
	memset(up, 0, sizeof up);
	return 0;
}

static int setup_proxy(struct up *s, struct nr_err *e)
{
	const char *p = s->o->proxy;
	char tmp[URL_MAX];
	struct url_auth a;
	int rc;

	if (!p)
		p = proxy_from_env(s);
	if (!p || !*p || !strcmp(p, "none"))
		return 0;
	if (!strstr(p, "://")) {
		if (snprintf(tmp, sizeof tmp, "http://%s", p) >= (int)sizeof tmp)
			return up_opt_fail(e, "proxy: too long");
		p = tmp;
	}
	rc = url_parse_auth(p, strlen(p), &s->proxy, &a, e);
	if (!rc && s->proxy.https)
		rc = up_opt_fail(e, "proxy %s: only http:// proxies (CONNECT) are supported", "https://...");
	else if (rc)
		rc = up_opt_fail(e, "proxy: not a URL like http://[USER:PASS@]HOST:PORT (%s)", e ? e->ctx : "");
	if (!rc && a.given)
		rc = proxy_basic(s, &a, e);
	memset(&a, 0, sizeof a);
	s->use_proxy = !rc;
	return rc;
}

static void object_of(struct up *s)
{
	const char *t = s->u.target + 1;
	size_t n = s->u.path_len ? s->u.path_len - 1 : 0;

	if (url_decode(t, n, s->r->object, sizeof s->r->object) < 0)
		snprintf(s->r->object, sizeof s->r->object, "%.*s", (int)n, t);
}

int up_check(struct up *s, const char *url, int *resumable, struct nr_err *e)
{
	memset(s->r, 0, sizeof *s->r);
	url_redact(url, s->r->url, sizeof s->r->url);
	if (url_parse(url, strlen(url), &s->u, e))
		return -1;
	if (!s->u.https && !s->o->insecure_http)
		return nr_fail(e, NR_E_UPLOAD_INSECURE, 0, "upload", "http://%s", s->u.host);
	if (s->u.https && !tls_name_ok(s->u.host))
		return up_opt_fail(e, "https://%s%s%s: BearSSL checks certificates against DNS names only; use the "
				"name with --resolve NAME:%u:%s%s%s", s->u.host_ip6 ? "[" : "", s->u.host,
				s->u.host_ip6 ? "]" : "", s->u.port, s->u.host_ip6 ? "[" : "", s->u.host,
				s->u.host_ip6 ? "]" : "");
	s->r->provider = provider_of(&s->u);
	object_of(s);
	*resumable = s->o->resumable;
	if (parse_headers(s, e) || check_signed(s, resumable, e))
		return -1;
	if (*resumable && s->r->provider != UPLOAD_GCS && s->r->provider != UPLOAD_OTHER)
		return up_opt_fail(e, "--resumable: %s", "the resumable protocol is Cloud Storage's; this URL is not");
	if (s->o->chunk_size % UPLOAD_CHUNK_UNIT)
		return up_opt_fail(e, "--chunk-size %llu: must be a multiple of 256 KiB", s->o->chunk_size);
	if (s->o->resolve && parse_resolve(s, s->o->resolve, e))
		return -1;
	if (setup_proxy(s, e))
		return -1;
	check_expiry(s);
	s->r->resumable = *resumable;
	return 0;
}

