/* HTTP/1.1 client pieces over a byte stream: connecting (DNS or --resolve, IPv4/IPv6, an HTTP
 * proxy via CONNECT, then TLS), writing a request head, and an incremental response parser
 * with bounded buffers (status, the headers uploads need, Content-Length / chunked / until-close
 * bodies of which the first HTTP_BODY_KEEP bytes are kept for error documents). */
#ifndef NR_HTTP_HTTP_H
#define NR_HTTP_HTTP_H
#include <stddef.h>

#include "base/err.h"
#include "base/parse.h"
#include "tls/tls.h"
#include "url/url.h"

/* HTTP_LINE_MAX: one header line; GFE and S3 send lines far below 8 KiB. */
#define HTTP_LINE_MAX 8192
/* HTTP_BODY_KEEP: an XML error document (<Error><Code>..<Message>..<Details>) fits in 4 KiB. */
#define HTTP_BODY_KEEP 4096
/* HTTP_LOCATION_MAX: a resumable session URI is ~300 bytes; upload_id grows over time. */
#define HTTP_LOCATION_MAX 2048
/* HTTP_ETAG_MAX: S3's ETag is a quoted 32-digit MD5, "-N" for multipart; room for others. */
#define HTTP_ETAG_MAX 96
/* HTTP_HASH_MAX: x-goog-hash: crc32c=XXXXXX==, md5=XXXXXXXXXXXXXXXXXXXXXX== (may be 2 lines). */
#define HTTP_HASH_MAX 256

enum http_state { HTTP_STATUS = 0, HTTP_HEADERS, HTTP_BODY, HTTP_CHUNK_SIZE, HTTP_CHUNK_DATA,
		  HTTP_CHUNK_CRLF, HTTP_TRAILERS, HTTP_UNTIL_CLOSE, HTTP_DONE };

struct http_resp {
	enum http_state state;
	int no_body;                   /* response to HEAD/CONNECT: headers only */
	int status;                    /* 100-599 */
	int close;                     /* Connection: close (or HTTP/1.0) */
	int has_length, chunked;
	unsigned long long length;     /* Content-Length */
	unsigned long long left;       /* body/chunk bytes still due */
	int has_range;                 /* Range: bytes=0-N (Cloud Storage 308) */
	unsigned long long range_end;  /* N: the server has bytes 0..N */
	unsigned retry_after;          /* seconds, 0 when absent */
	int interim;                   /* 1xx replies skipped so far (100 Continue) */
	char location[HTTP_LOCATION_MAX];
	char goog_hash[HTTP_HASH_MAX]; /* every x-goog-hash value, joined with "," */
	char etag[HTTP_ETAG_MAX];      /* ETag as sent (S3: the MD5 of a single PUT, in quotes) */
	char content_md5[32];          /* Content-MD5 (Azure: the MD5 of what it stored), base64 */
	char sse[32];                  /* x-amz-server-side-encryption ("aws:kms": ETag is no MD5) */
	char line[HTTP_LINE_MAX];      /* the line being read */
	size_t line_len;
	char body[HTTP_BODY_KEEP + 1]; /* first bytes of the body, NUL-terminated */
	size_t body_len;
	unsigned long long body_total; /* body bytes seen */
	/* http_resp_sink: the whole body (de-chunked) also goes to sink, sink_len bytes of it;
	 * sink_over when more came than sink_cap (the rest is dropped, the reader sees the flag). */
	char *sink;
	size_t sink_cap, sink_len;
	int sink_over;
};

/* no_body: the request was HEAD or CONNECT (no body follows the head). */
void http_resp_init(struct http_resp *r, int no_body);
/* After http_resp_init: every body byte is also copied to buf (cap bytes, not NUL-terminated).
 * buf may be the very buffer being fed (a whole answer read, then parsed in place): the body
 * never runs ahead of the bytes that carried it, and the copy is a memmove. */
void http_resp_sink(struct http_resp *r, char *buf, size_t cap);
/* Feeds n bytes. Returns how many were used (less than n only once the response is complete),
 * or -1 when the bytes are not HTTP (e->ctx names what). Interim 1xx responses are skipped.
 * The response is complete when r->state == HTTP_DONE. */
long http_resp_feed(struct http_resp *r, const char *buf, size_t n, struct nr_err *e);
/* The peer closed the stream: completes an until-close body; -1 when the response was cut. */
int http_resp_eof(struct http_resp *r, struct nr_err *e);

struct http_hdr {
	const char *name;
	const char *value;
};
/* Writes "METHOD TARGET HTTP/1.1\r\nHost: HOST\r\n" + headers + "\r\n" into buf. Header names
 * and values with CR/LF are refused (no injection). Returns the length, or -1 (NR_E_TOOBIG /
 * NR_E_USAGE). */
long http_req_head(char *buf, size_t cap, const char *method, const char *target,
		   const char *host, const struct http_hdr *h, int nh, struct nr_err *e);

/* Where to connect: the URL's host and port, optionally pinned to an address (--resolve) or
 * reached through an HTTP proxy. */
struct http_dest {
	const char *host;              /* name for DNS, SNI, certificate */
	unsigned port;
	const struct nr_addr *addr;    /* pinned address, or NULL for DNS */
	const struct url *proxy;       /* http:// proxy for CONNECT, or NULL */
	const char *proxy_auth;        /* Proxy-Authorization value ("Basic ..."), or NULL */
	struct http_resp *scratch;     /* room to read the proxy's reply in (the caller's) */
	const struct tls_anchors *anchors; /* NULL: plain TCP (http://) */
	unsigned timeout_ms;           /* no progress for this long: NR_E_HTTP_TIMEOUT; 0: 30 s */
	unsigned setup_ms;             /* budget for connect + CONNECT + TLS together; 0: none */
	const volatile int *stop;      /* nonzero (a signal came): NR_E_HTTP_STOPPED; may be NULL */
};

/* Where a connection got to, for messages that say what stalled. */
enum http_phase { HTTP_PH_CONNECT = 0, HTTP_PH_PROXY, HTTP_PH_TLS, HTTP_PH_READY };

struct http_conn {
	int fd;
	int tls_on;
	enum http_phase phase;         /* how far http_connect got (also after a failure) */
	unsigned timeout_ms;
	const volatile int *stop;
	long long deadline_ms;         /* CLOCK_MONOTONIC ms; 0: none (see http_set_deadline) */
	struct tls_conn tls;
};

/* Connects (each resolved address in turn), CONNECTs through the proxy, runs TLS. Errors:
 * NR_E_HTTP_RESOLVE, NR_E_HTTP_REFUSED, NR_E_HTTP_CONNECT, NR_E_HTTP_PROXY_AUTH (407),
 * NR_E_HTTP_PROXY_DENIED (403), NR_E_HTTP_PROXY, NR_E_HTTP_TIMEOUT, NR_E_HTTP_STOPPED, the
 * TLS ones. */
int http_connect(struct http_conn *c, const struct http_dest *d, struct nr_err *e);
/* From now on every wait on c also ends at ms milliseconds from now (0: no budget). */
void http_set_deadline(struct http_conn *c, unsigned ms);
/* "connecting", "the proxy's CONNECT", "the TLS handshake", "" */
const char *http_phase_name(enum http_phase p);
int http_write(struct http_conn *c, const void *buf, size_t n, struct nr_err *e);
int http_flush(struct http_conn *c, struct nr_err *e);
long http_read(struct http_conn *c, void *buf, size_t n, struct nr_err *e);
/* Reads until r is complete. */
int http_read_resp(struct http_conn *c, struct http_resp *r, struct nr_err *e);
void http_close(struct http_conn *c);

/* NO_PROXY matching (comma-separated names, ".suffix"/"suffix" match subdomains, "*" all). */
int http_no_proxy(const char *no_proxy, const char *host);

#endif
