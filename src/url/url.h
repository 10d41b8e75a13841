/* URLs as users paste them: http(s)://HOST[:PORT]/PATH?QUERY (HOST may be [IPv6]).
 * The path and query are kept byte for byte (a signed URL's signature covers them exactly).
 * url_redact hides signatures in any text that holds a URL; use it for everything printed. */
#ifndef NR_URL_URL_H
#define NR_URL_URL_H
#include <stddef.h>

#include "base/err.h"

/* URL_MAX: a V4 signed URL with a few signed headers is ~1-2.5 KB; 8 KiB is the request-line
 * limit most front ends (GFE, S3, nginx) enforce anyway. */
#define URL_MAX 8192
/* URL_HOST_MAX: a DNS name is at most 253 bytes. */
#define URL_HOST_MAX 256

struct url {
	int https;                /* 1 for https, 0 for http */
	char host[URL_HOST_MAX];  /* lower-cased; IPv6 without brackets */
	int host_ip6;             /* host is an IPv6 literal (written [host] in Host:) */
	unsigned port;            /* explicit or 443/80 */
	int port_given;           /* the URL named the port (then Host: carries it) */
	char target[URL_MAX];     /* path and query as given ("/" when empty), no fragment */
	size_t path_len;          /* bytes of target before '?' (== strlen when no query) */
};

/* Parses the n bytes at s. Rejects other schemes, user:password@, control bytes and spaces,
 * empty hosts and bad ports. 0, or -1 with NR_E_URL_BAD (e->ctx says what is wrong). */
int url_parse(const char *s, size_t n, struct url *u, struct nr_err *e);

/* URL_AUTH_MAX: a proxy user name or password (percent-decoded). */
#define URL_AUTH_MAX 256
struct url_auth {
	int given;                /* the URL held USER[:PASS]@ */
	char user[URL_AUTH_MAX];
	char pass[URL_AUTH_MAX];
};
/* As url_parse, but accepts http://USER[:PASS]@HOST (a proxy URL, as curl and Go read
 * HTTPS_PROXY), percent-decoding both into a. e->ctx never holds the password. */
int url_parse_auth(const char *s, size_t n, struct url *u, struct url_auth *a, struct nr_err *e);

/* The query parameter `name` (ASCII case-insensitive), percent-decoded into buf (cap bytes,
 * NUL-terminated). Returns 1 when present, 0 when absent, -1 when it does not fit or is
 * badly encoded. */
int url_query_get(const struct url *u, const char *name, char *buf, size_t cap);

/* Percent-decodes n bytes of s into buf ('+' stays '+': signed URLs never use it for space).
 * Returns the decoded length, or -1 when it does not fit or a %XX is bad. */
long url_decode(const char *s, size_t n, char *buf, size_t cap);

/* "host", "host:port" or "[v6]:port", as the Host header carries it. buf >= URL_HOST_MAX + 8. */
const char *url_hostport(const struct url *u, char *buf, size_t cap);

/* Copies the text s into dst (cap bytes, always NUL-terminated when cap > 0) with the value
 * of every credential-bearing query parameter (X-Goog-Signature, X-Amz-Signature,
 * X-Amz-Security-Token, Signature, sig, upload_id, access_token) and the password of every
 * "scheme://user:password@" replaced by "REDACTED". Works on any text: a whole URL, a
 * message holding one, or a broken URL. Returns the length the full result needs (like
 * snprintf). */
size_t url_redact(const char *s, char *dst, size_t cap);

/* 1 when a header of this name (n bytes) carries a credential (Authorization,
 * Proxy-Authorization, Cookie, anything naming a token, secret, password, signature or API
 * key): its value is never printed. */
int url_header_secret(const char *name, size_t n);

/* "Name: value" as given with -H, with the value replaced by REDACTED when the name is a
 * secret one (url_header_secret) and URL signatures in it redacted. Returns as url_redact. */
size_t url_redact_header(const char *h, char *dst, size_t cap);

/* A command line as ps shows it (argv joined by spaces): url_redact, and after every word
 * "Name:" with a secret header name (url_header_secret) the value up to the next " -" is
 * replaced by REDACTED. Returns as url_redact (the length of the url_redact stage when that
 * was cut). */
size_t url_redact_args(const char *s, char *dst, size_t cap);

#endif
