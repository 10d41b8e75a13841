/* URL parsing, query lookup and signature redaction. Input is untrusted (pasted by a user,
 * or a Location header from a server): every byte is checked against the given length. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/parse.h"
#include "url/url.h"

static int bad(struct nr_err *e, const char *why)
{
	return nr_fail(e, NR_E_URL_BAD, 0, "url", "%s", why);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* RFC 3986 reg-name / IPv4 characters we accept in a host (no percent-encoding: DNS names). */
static int host_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

static int parse_scheme(const char **p, const char *end, struct url *u)
{
	size_t n = (size_t)(end - *p);

	if (n >= 8 && !strncasecmp(*p, "https://", 8)) {
		u->https = 1;
		u->port = 443;
		*p += 8;
		return 0;
	}
	if (n >= 7 && !strncasecmp(*p, "http://", 7)) {
		u->port = 80;
		*p += 7;
		return 0;
	}
	return -1;
}

static int parse_host(const char *h, size_t n, struct url *u, struct nr_err *e)
{
	struct nr_addr a;
	size_t i;

	if (n && h[0] == '[') {
		if (n < 3 || h[n - 1] != ']' || n - 2 >= URL_HOST_MAX)
			return bad(e, "bad [IPv6] host");
		memcpy(u->host, h + 1, n - 2);
		u->host[n - 2] = 0;
		if (parse_ip(u->host, &a) || a.family != 10 /* AF_INET6 */)
			return bad(e, "bad [IPv6] host");
		u->host_ip6 = 1;
		return 0;
	}
	if (!n)
		return bad(e, "no host");
	if (n >= URL_HOST_MAX)
		return bad(e, "host name too long");
	for (i = 0; i < n; i++) {
		if (!host_char((unsigned char)h[i]))
			return bad(e, "bad character in host");
		u->host[i] = (char)lower((unsigned char)h[i]);
	}
	u->host[n] = 0;
	return 0;
}

static int parse_authority(const char *a, size_t n, struct url *u, struct nr_err *e)
{
	const char *colon = NULL;
	char port[8];
	unsigned long long v;
	size_t i, pl;

	if (memchr(a, '@', n))
		return bad(e, "user:password@ in URLs is not supported");
	/* The port colon is the last one after any "]". */
	for (i = n; i > 0; i--) {
		if (a[i - 1] == ']')
			break;
		if (a[i - 1] == ':') {
			colon = a + i - 1;
			break;
		}
	}
	if (!colon)
		return parse_host(a, n, u, e);
	pl = (size_t)(a + n - colon - 1);
	if (!pl || pl >= sizeof port)
		return bad(e, "bad port");
	memcpy(port, colon + 1, pl);
	port[pl] = 0;
	if (parse_uint(port, 1, 65535, &v))
		return bad(e, "bad port");
	u->port = (unsigned)v;
	u->port_given = 1;
	return parse_host(a, (size_t)(colon - a), u, e);
}

int url_parse(const char *s, size_t n, struct url *u, struct nr_err *e)
{
	const char *p = s, *end = s + n, *auth, *frag;
	size_t i, tl;

	memset(u, 0, sizeof *u);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] == 0x7f)
			return bad(e, "control byte or space in URL (quote it; spaces must be %20)");
	if (parse_scheme(&p, end, u))
		return bad(e, "not an http:// or https:// URL");
	auth = p;
	while (p < end && *p != '/' && *p != '?' && *p != '#')
		p++;
	if (parse_authority(auth, (size_t)(p - auth), u, e))
		return -1;
	frag = memchr(p, '#', (size_t)(end - p));
	if (frag)
		end = frag;
	tl = (size_t)(end - p);
	if (tl + 2 > URL_MAX)
		return bad(e, "URL too long");
	i = 0;
	if (!tl || *p != '/')
		u->target[i++] = '/';   /* "https://h?q" and "https://h" mean path "/" */
	memcpy(u->target + i, p, tl);
	u->target[i + tl] = 0;
	u->path_len = strcspn(u->target, "?");
	return 0;
}


long url_decode(const char *s, size_t n, char *buf, size_t cap)
{
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			h = hex_digit((unsigned char)s[i + 1]);
			l = hex_digit((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h * 16 + l);
			i += 2;
		}
		if (o + 1 >= cap)
			return -1;
		buf[o++] = c;
	}
	if (cap)
		buf[o] = 0;
	return (long)o;
}

int url_query_get(const struct url *u, const char *name, char *buf, size_t cap)
{
	const char *q = u->target + u->path_len, *end, *eq;
	size_t nl = strlen(name);

	if (*q != '?')
		return 0;
	q++;
	while (*q) {
		end = q + strcspn(q, "&");
		eq = memchr(q, '=', (size_t)(end - q));
		if (!eq)
			eq = end;
		if ((size_t)(eq - q) == nl && !strncasecmp(q, name, nl)) {
			if (eq == end)
				return cap ? (buf[0] = 0, 1) : -1;
			return url_decode(eq + 1, (size_t)(end - eq - 1), buf, cap) < 0 ? -1 : 1;
		}
		q = *end ? end + 1 : end;
	}
	return 0;
}

const char *url_hostport(const struct url *u, char *buf, size_t cap)
{
	const char *l = u->host_ip6 ? "[" : "", *r = u->host_ip6 ? "]" : "";

	if (u->port_given)
		snprintf(buf, cap, "%s%s%s:%u", l, u->host, r, u->port);
	else
		snprintf(buf, cap, "%s%s%s", l, u->host, r);
	return buf;
}

/* Query parameters whose values are credentials: V4 signatures (GCS, S3), S3 session tokens,
 * V2 signatures (GCS/S3 "Signature"), Azure SAS "sig", and the Cloud Storage resumable
 * session id, which lets anyone holding it write the object. */
static const char *const secret_params[] = {
	"X-Goog-Signature", "X-Amz-Signature", "X-Amz-Security-Token", "Signature", "sig",
	"upload_id", "access_token",
};

static size_t secret_at(const char *s)
{
	size_t i, l;

	for (i = 0; i < sizeof secret_params / sizeof secret_params[0]; i++) {
		l = strlen(secret_params[i]);
		if (!strncasecmp(s, secret_params[i], l) && s[l] == '=')
			return l + 1;
	}
	return 0;
}

/* A value ends where a URL's query parameter or the surrounding text would end. */
static int value_end(int c)
{
	return !c || c == '&' || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '"' || c == '\'' || c == '<' || c == '>';
}

/* Bytes that may appear in a URL's userinfo (RFC 3986 3.2.1) as people write proxy URLs. */
static int userinfo_char(int c)
{
	return c > 0x20 && c < 0x7f && !strchr("/?#@\"'<>[]", c);
}

/* At "://": when "user:password@" follows, the length of "user:" (the password starts
 * there); 0 when there is none. */
static size_t userinfo_at(const char *s, size_t *pass_len)
{
	size_t i = 0, colon = 0;

	while (userinfo_char((unsigned char)s[i])) {
		if (s[i] == ':' && !colon)
			colon = i + 1;
		i++;
	}
	if (s[i] != '@' || !colon)
		return 0;
	*pass_len = i - colon;
	return colon;
}

static int header_secret_word(const char *w, size_t n);

/* args: also the value after a secret "Name:" word, up to the next " -" (a joined argv). */
static size_t redact(const char *s, char *dst, size_t cap, int args)
{
	static const char mark[] = "REDACTED";
	const char *start = s, *cut;
	size_t o = 0, k, j, pl;

#define PUT(c) do { if (o + 1 < cap) dst[o] = (c); o++; } while (0)
	while (*s) {
		int at_param = (*s == '?' || *s == '&' || *s == ';');

		if (!strncmp(s, "://", 3) && (k = userinfo_at(s + 3, &pl))) {
			/* A user part that reads like a query ("u&sig=X:...@") is hidden whole. */
			int odd = memchr(s + 3, '&', k) || memchr(s + 3, '?', k) || memchr(s + 3, ';', k) ||
				  memchr(s + 3, '=', k);

			for (j = 0; j < (odd ? 3 : 3 + k); j++)
				PUT(s[j]);
			for (j = 0; mark[j]; j++)
				PUT(mark[j]);
			s += 3 + k + pl;
			continue;
		}
		if (args && (s == start || s[-1] == ' ') && (k = strcspn(s, " :")) && s[k] == ':' &&
		    header_secret_word(s, k)) {
			for (j = 0; j <= k; j++)
				PUT(s[j]);
			s += k + 1;
			if (*s == ' ')
				PUT(*s++);
			for (j = 0; mark[j]; j++)
				PUT(mark[j]);
			cut = strstr(s, " -");
			s = cut ? cut : s + strlen(s);
			continue;
		}
		PUT(*s);
		s++;
		if (!at_param || !(k = secret_at(s)))
			continue;
		for (j = 0; j < k; j++)
			PUT(s[j]);
		s += k;
		while (!value_end((unsigned char)*s))
			s++;
		for (j = 0; mark[j]; j++)
			PUT(mark[j]);
	}
	if (cap)
		dst[o < cap ? o : cap - 1] = 0;
#undef PUT
	return o;
}

size_t url_redact(const char *s, char *dst, size_t cap)
{
	return redact(s, dst, cap, 0);
}

/* "--header=Authorization", "-HCookie", "Authorization": the name is the word's tail. */
static int header_secret_word(const char *w, size_t n)
{
	return url_header_secret(w, n);
}

int url_header_secret(const char *name, size_t n)
{
	static const char *const words[] = { "authorization", "cookie", "token", "secret", "password",
					     "signature", "api-key", "apikey", "credential", "session" };
	char low[128];
	size_t i;

	if (n >= sizeof low)
		return 1; /* an odd, very long name: keep its value to ourselves */
	for (i = 0; i < n; i++)
		low[i] = (char)lower((unsigned char)name[i]);
	low[n] = 0;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(low, words[i]))
			return 1;
	return 0;
}

size_t url_redact_header(const char *h, char *dst, size_t cap)
{
	size_t n = strcspn(h, ":");

	if (h[n] == ':' && url_header_secret(h, n)) {
		int w = snprintf(dst, cap, "%.*s: REDACTED", (int)n, h);

		return w < 0 ? 0 : (size_t)w;
	}
	return url_redact(h, dst, cap);
}

int url_parse_auth(const char *s, size_t n, struct url *u, struct url_auth *a, struct nr_err *e)
{
	char buf[URL_MAX];
	const char *p = memchr(s, ':', n), *at, *end, *colon;
	size_t skip, ul;

	memset(a, 0, sizeof *a);
	if (!p || (size_t)(p - s) + 3 > n || strncmp(p, "://", 3))
		return url_parse(s, n, u, e);
	skip = (size_t)(p - s) + 3;
	end = s + skip;
	while (end < s + n && *end != '/' && *end != '?' && *end != '#')
		end++;
	at = NULL;
	for (p = s + skip; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return url_parse(s, n, u, e);
	colon = memchr(s + skip, ':', (size_t)(at - s - skip));
	ul = (size_t)((colon ? colon : at) - s - skip);
	if (url_decode(s + skip, ul, a->user, sizeof a->user) < 0 ||
	    (colon && url_decode(colon + 1, (size_t)(at - colon - 1), a->pass, sizeof a->pass) < 0))
		return bad(e, "bad or too long user:password@ (percent-encode special characters)");
	if (n - (size_t)(at + 1 - s) + skip >= sizeof buf)
		return bad(e, "URL too long");
	a->given = 1;
	memcpy(buf, s, skip);
	memcpy(buf + skip, at + 1, n - (size_t)(at + 1 - s));
	return url_parse(buf, skip + n - (size_t)(at + 1 - s), u, e);
}

size_t url_redact_args(const char *s, char *dst, size_t cap)
{
	return redact(s, dst, cap, 1);
}
