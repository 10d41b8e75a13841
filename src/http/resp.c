/* Incremental HTTP/1.1 response parser (RFC 9112): fed any split of the bytes, bounded memory,
 * every number checked for overflow. Only what uploads need is kept. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "base/parse.h"

static int bad(struct nr_err *e, const char *why)
{
	return nr_fail(e, NR_E_HTTP_PARSE, 0, "http", "%s", why);
}

void http_resp_init(struct http_resp *r, int no_body)
{
	memset(r, 0, offsetof(struct http_resp, line));
	r->no_body = no_body;
	r->line_len = 0;
	r->body_len = 0;
	r->body[0] = 0;
	r->location[0] = 0;
	r->goog_hash[0] = 0;
	r->etag[0] = 0;
	r->content_md5[0] = 0;
	r->sse[0] = 0;
	r->sink = NULL;
	r->sink_cap = r->sink_len = 0;
	r->sink_over = 0;
}

void http_resp_sink(struct http_resp *r, char *buf, size_t cap)
{
	r->sink = buf;
	r->sink_cap = cap;
	r->sink_len = 0;
	r->sink_over = 0;
}

/* A header value kept whole, or not at all (a cut hash would be compared as a wrong one). */
static void keep(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);

	if (n < cap)
		memcpy(dst, v, n + 1);
}

/* Decimal without sign or junk, no overflow. */
static int dec(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (~0ull - 9) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}


static int status_line(struct http_resp *r, const char *l, struct nr_err *e)
{
	const char *p = l + 9;

	if (strncmp(l, "HTTP/1.", 7) || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
		return bad(e, "not an HTTP/1.x status line");
	if (p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9' ||
	    (p[3] && p[3] != ' '))
		return bad(e, "bad status code");
	r->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	r->close = l[7] == '0';
	r->state = HTTP_HEADERS;
	return 0;
}

/* Cloud Storage 308: "Range: bytes=0-N" (the server has bytes 0..N). */
static int range_hdr(struct http_resp *r, const char *v)
{
	const char *dash;
	char num[24];
	size_t n;

	if (strncasecmp(v, "bytes=0-", 8))
		return 0;
	dash = v + 7;
	n = strlen(dash + 1);
	if (!n || n >= sizeof num)
		return 0;
	memcpy(num, dash + 1, n + 1);
	if (dec(num, &r->range_end))
		return 0;
	r->has_range = 1;
	return 0;
}

static void append(char *dst, size_t cap, const char *v)
{
	size_t l = strlen(dst), vl = strlen(v);

	if (l && l + 1 < cap)
		dst[l++] = ',';
	if (l + vl + 1 > cap)
		vl = l + 1 < cap ? cap - l - 1 : 0;
	memcpy(dst + l, v, vl);
	dst[l + vl] = 0;
}

static int header(struct http_resp *r, char *l, struct nr_err *e)
{
	char *colon = strchr(l, ':'), *v, *end;
	unsigned long long n;

	if (l[0] == ' ' || l[0] == '\t')
		return 0; /* obsolete folding: nothing we read is folded */
	if (!colon || colon == l)
		return bad(e, "header line without a name");
	*colon = 0;
	v = colon + 1;
	v += strspn(v, " \t");
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = 0;
	if (!strcasecmp(l, "content-length")) {
		/* Two different lengths would let a cut reply look whole (RFC 9112 6.3). */
		if (dec(v, &n) || (r->has_length && n != r->length))
			return bad(e, "bad Content-Length");
		r->has_length = 1;
		r->length = n;
	} else if (!strcasecmp(l, "transfer-encoding")) {
		end = v + strlen(v);
		r->chunked = end - v >= 7 && !strcasecmp(end - 7, "chunked");
		if (!r->chunked)
			return bad(e, "unsupported Transfer-Encoding");
	} else if (!strcasecmp(l, "connection")) {
		if (strcasestr(v, "close"))
			r->close = 1;
	} else if (!strcasecmp(l, "location")) {
		if (strlen(v) >= sizeof r->location)
			return bad(e, "Location too long");
		memcpy(r->location, v, strlen(v) + 1);
	} else if (!strcasecmp(l, "range")) {
		return range_hdr(r, v);
	} else if (!strcasecmp(l, "etag")) {
		keep(r->etag, sizeof r->etag, v);
	} else if (!strcasecmp(l, "content-md5")) {
		keep(r->content_md5, sizeof r->content_md5, v);
	} else if (!strcasecmp(l, "x-amz-server-side-encryption")) {
		keep(r->sse, sizeof r->sse, v);
	} else if (!strcasecmp(l, "x-goog-hash")) {
		append(r->goog_hash, sizeof r->goog_hash, v);
	} else if (!strcasecmp(l, "retry-after")) {
		if (!dec(v, &n))
			r->retry_after = n > 3600 ? 3600 : (unsigned)n;
	}
	return 0;
}

/* The blank line after the headers: decide how the body is framed (RFC 9112 6.3). */
static void end_of_head(struct http_resp *r)
{
	if (r->status < 200) {
		/* An interim reply (100 Continue): the real one follows. */
		int n = r->interim + 1;
		char *sink = r->sink;
		size_t cap = r->sink_cap;

		http_resp_init(r, r->no_body);
		r->interim = n;
		if (sink)
			http_resp_sink(r, sink, cap);
		return;
	}
	if (r->no_body || r->status == 204 || r->status == 304)
		r->state = HTTP_DONE;
	else if (r->chunked)
		r->state = HTTP_CHUNK_SIZE;
	else if (r->has_length)
		r->state = r->length ? HTTP_BODY : HTTP_DONE, r->left = r->length;
	else
		r->state = HTTP_UNTIL_CLOSE;
}

static int chunk_size(struct http_resp *r, const char *l, struct nr_err *e)
{
	unsigned long long v = 0;
	int d, any = 0;

	for (; (d = hex_digit((unsigned char)*l)) >= 0; l++, any = 1) {
		if (v >> 60)
			return bad(e, "chunk size overflows");
		v = v * 16 + (unsigned)d;
	}
	if (!any || (*l && *l != ';' && *l != ' ' && *l != '\t'))
		return bad(e, "bad chunk size");
	r->left = v;
	r->state = v ? HTTP_CHUNK_DATA : HTTP_TRAILERS;
	return 0;
}

/* One complete line (CR LF or LF stripped) in the current state. */
static int line(struct http_resp *r, struct nr_err *e)
{
	char *l = r->line;

	switch (r->state) {
	case HTTP_STATUS:
		return status_line(r, l, e);
	case HTTP_HEADERS:
		if (!*l) {
			end_of_head(r);
			return 0;
		}
		return header(r, l, e);
	case HTTP_CHUNK_SIZE:
		return chunk_size(r, l, e);
	case HTTP_CHUNK_CRLF:
		if (*l)
			return bad(e, "chunk not followed by CRLF");
		r->state = HTTP_CHUNK_SIZE;
		return 0;
	case HTTP_TRAILERS:
		if (!*l)
			r->state = HTTP_DONE;
		return 0;
	default:
		return bad(e, "internal state");
	}
}

static void keep_body(struct http_resp *r, const char *p, size_t n)
{
	size_t room = HTTP_BODY_KEEP - r->body_len;

	if (n > room)
		n = room;
	memcpy(r->body + r->body_len, p, n);
	r->body_len += n;
	r->body[r->body_len] = 0;
}

static void sink_body(struct http_resp *r, const char *p, size_t n)
{
	size_t room = r->sink_cap - r->sink_len;

	if (!r->sink)
		return;
	if (n > room) {
		r->sink_over = 1;
		n = room;
	}
	memmove(r->sink + r->sink_len, p, n);
	r->sink_len += n;
}

static size_t body_bytes(struct http_resp *r, const char *p, size_t n)
{
	if (r->state != HTTP_UNTIL_CLOSE && n > r->left)
		n = (size_t)r->left;
	keep_body(r, p, n);
	sink_body(r, p, n);
	r->body_total += n;
	if (r->state == HTTP_UNTIL_CLOSE)
		return n;
	r->left -= n;
	if (!r->left)
		r->state = r->state == HTTP_BODY ? HTTP_DONE : HTTP_CHUNK_CRLF;
	return n;
}

long http_resp_feed(struct http_resp *r, const char *buf, size_t n, struct nr_err *e)
{
	size_t i = 0;

	while (i < n && r->state != HTTP_DONE) {
		if (r->state == HTTP_BODY || r->state == HTTP_CHUNK_DATA || r->state == HTTP_UNTIL_CLOSE) {
			i += body_bytes(r, buf + i, n - i);
			continue;
		}
		if (buf[i] == '\n') {
			if (r->line_len && r->line[r->line_len - 1] == '\r')
				r->line_len--;
			r->line[r->line_len] = 0;
			r->line_len = 0;
			i++;
			if (line(r, e))
				return -1;
			continue;
		}
		if (!buf[i])
			return bad(e, "NUL byte in the head");
		if (r->line_len + 1 >= sizeof r->line)
			return bad(e, "line too long");
		r->line[r->line_len++] = buf[i++];
	}
	return (long)i;
}

int http_resp_eof(struct http_resp *r, struct nr_err *e)
{
	if (r->state == HTTP_UNTIL_CLOSE)
		r->state = HTTP_DONE;
	if (r->state == HTTP_DONE)
		return 0;
	return nr_fail(e, NR_E_HTTP_CLOSED, 0, "http", "%s",
		       r->state < HTTP_BODY ? "reply head cut" : "reply body cut");
}

/* --- request head -------------------------------------------------------------------------- */

static int clean(const char *s)
{
	return !strpbrk(s, "\r\n");
}

long http_req_head(char *buf, size_t cap, const char *method, const char *target,
		   const char *host, const struct http_hdr *h, int nh, struct nr_err *e)
{
	size_t n = 0;
	int i, w;

#define ADD(...) do { w = snprintf(buf + n, cap - n, __VA_ARGS__); \
	if (w < 0 || (size_t)w >= cap - n) return nr_fail(e, NR_E_TOOBIG, 0, "http", "request head"); \
	n += (size_t)w; } while (0)
	if (!clean(target) || !clean(host) || strchr(target, ' '))
		return nr_fail(e, NR_E_USAGE, 0, "http", "CR/LF or space in the request line");
	ADD("%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host);
	for (i = 0; i < nh; i++) {
		if (!clean(h[i].name) || !clean(h[i].value) || strchr(h[i].name, ':'))
			return nr_fail(e, NR_E_USAGE, 0, "http", "header %s: CR/LF in a header", h[i].name);
		ADD("%s: %s\r\n", h[i].name, h[i].value);
	}
	ADD("\r\n");
#undef ADD
	return (long)n;
}
