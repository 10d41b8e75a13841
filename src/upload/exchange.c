/* One request and its reply over the kept connection: the head (Expect: 100-continue for big
 * bodies), the body from the file through the hasher's ring, the reply. Each step records
 * where it is, so a stall or a cut names the phase and the byte. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "upload/private.h"
#include "version.h"

/* UP_EXPECT_MIN: bodies from 1 MiB on ask "Expect: 100-continue" (RFC 9110 10.1.1) first, so
 * an expired or refused URL costs one round trip instead of the whole file. */
#define UP_EXPECT_MIN (1024 * 1024)
/* UP_EXPECT_MS: how long to wait for "100 Continue" before sending anyway (servers that
 * ignore Expect), as curl does. */
#define UP_EXPECT_MS 1000
/* UP_SETUP_MS: connect + proxy CONNECT + TLS handshake together, whatever trickles. */
#define UP_SETUP_MS 30000

void up_conn_drop(struct up *s)
{
	if (s->connected)
		http_close(&s->c);
	s->connected = 0;
}

/* Errors that another attempt cannot mend. A refused connection is one: nothing listens. */
int up_fatal(const struct nr_err *e)
{
	switch (e->code) {
	case NR_E_HTTP_CONNECT: case NR_E_HTTP_CLOSED: case NR_E_HTTP_TIMEOUT:
	case NR_E_TLS_IO: case NR_E_TLS_HANDSHAKE: case NR_E_UPLOAD_STALLED:
		return 0;
	default:
		return 1;
	}
}

void up_phase_text(const struct up *s, char *buf, size_t cap)
{
	switch (s->phase) {
	case UP_PH_CONNECT:
		snprintf(buf, cap, "%s", s->c.phase == HTTP_PH_READY ? "connecting" : http_phase_name(s->c.phase));
		break;
	case UP_PH_HEAD:
		snprintf(buf, cap, "sending the request head");
		break;
	case UP_PH_CONTINUE:
		snprintf(buf, cap, "waiting for 100 Continue");
		break;
	case UP_PH_BODY:
		snprintf(buf, cap, "sending the body at byte %llu of %llu", s->phase_off, s->size);
		break;
	case UP_PH_RESPONSE:
		snprintf(buf, cap, "waiting for the response (body sent)");
		break;
	}
}

static int conn_open(struct up *s, const struct url *u, struct nr_err *e)
{
	struct http_dest d;

	if (s->connected && s->conn_port == u->port && !strcmp(s->conn_host, u->host))
		return 0;
	up_conn_drop(s);
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
	d.proxy_auth = s->proxy_auth[0] ? s->proxy_auth : NULL;
	d.scratch = &s->resp;
	d.anchors = u->https ? &s->anchors : NULL;
	d.timeout_ms = s->o->timeout_ms ? s->o->timeout_ms : UPLOAD_STALL_MS;
	d.setup_ms = UP_SETUP_MS;
	d.stop = s->o->stop;
	if (http_connect(&s->c, &d, e))
		return -1;
	s->connected = 1;
	snprintf(s->conn_host, sizeof s->conn_host, "%s", u->host);
	s->conn_port = u->port;
	return 0;
}

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
	if (s->content_type)
		h[n++] = (struct http_hdr){ "Content-Type", s->content_type };
	if ((flags & REQ_SIGNED) && s->r->provider == UPLOAD_AZURE && !up_given(s, "x-ms-blob-type", 14))
		h[n++] = (struct http_hdr){ "x-ms-blob-type", "BlockBlob" };
	/* Content-MD5 lets the server refuse a body that differs: sent when signed, when asked
	 * for, and on a retry of a whole PUT once the first attempt hashed the file. */
	if ((flags & REQ_SIGNED) && !(flags & REQ_START) && !up_given(s, "content-md5", 11) &&
	    (s->give_md5 || s->o->content_md5 || (s->want_md5 && s->hashed == s->size && s->r->attempts > 1))) {
		if (up_content_md5(s, md5, e))
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
	unsigned char *b;
	ssize_t n;

	s->phase = UP_PH_BODY;
	while (len) {
		s->phase_off = off;
		if (s->o->stop && *s->o->stop)
			return nr_fail(e, NR_E_HTTP_STOPPED, 0, "upload", NULL), -2;
		b = up_hasher_buf(s);
		n = pread(s->fd, b, len < UP_BUF ? (size_t)len : UP_BUF, (off_t)off);
		if (n < 0)
			return nr_fail(e, NR_E_SYS, errno, "upload", "reading the file"), -2;
		if (!n)
			return nr_fail(e, NR_E_UPLOAD_SHORT, 0, "upload", "the file shrank while uploading"), -2;
		/* The hasher reads b while TLS copies it: both only read. */
		up_hasher_submit(s, off, (size_t)n);
		if (http_write(&s->c, b, (size_t)n, e))
			return -1;
		off += (unsigned long long)n;
		len -= (unsigned long long)n;
		up_progress(s, off, 0);
	}
	s->phase_off = off;
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

	s->phase = UP_PH_CONTINUE;
	do
		r = poll(&p, 1, UP_EXPECT_MS);
	while (r < 0 && errno == EINTR && !(s->o->stop && *s->o->stop));
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

/* A timeout becomes a stall that names the host, the phase and the byte. */
static void name_stall(struct up *s, const struct url *u, struct nr_err *e)
{
	char ph[96], host[URL_HOST_MAX + 8];
	int budget = strstr(e->ctx, "budget") != NULL;
	unsigned ms = s->o->timeout_ms ? s->o->timeout_ms : UPLOAD_STALL_MS;

	if (e->code != NR_E_HTTP_TIMEOUT)
		return;
	up_phase_text(s, ph, sizeof ph);
	if (s->use_proxy && s->phase == UP_PH_CONNECT && s->c.phase <= HTTP_PH_PROXY)
		snprintf(host, sizeof host, "proxy %s:%u", s->proxy.host, s->proxy.port);
	else
		snprintf(host, sizeof host, "%s:%u", u->host, u->port);
	if (budget)
		nr_fail(e, NR_E_UPLOAD_STALLED, 0, "upload", "%s: %s not done within %u s", host, ph,
			s->phase == UP_PH_CONNECT ? UP_SETUP_MS / 1000 : s->o->max_time_ms / 1000);
	else
		nr_fail(e, NR_E_UPLOAD_STALLED, 0, "upload", "%s: no progress for %u s while %s", host, ms / 1000, ph);
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
	s->r->attempts++;
	hl = make_head(s, u, method, len + s->form_npre + s->form_npost, range, flags, e);
	if (hl < 0)
		return -2;
	s->phase = UP_PH_CONNECT;
	s->phase_off = off;
	http_resp_init(&s->resp, 0);
	if (conn_open(s, u, e))
		return up_fatal(e) ? -2 : -1;
	/* Fresh for every request (and after a proxy's CONNECT reply read into it): a failed one
	 * must not leave an older reply's status or Retry-After. */
	http_resp_init(&s->resp, 0);
	if (s->o->max_time_ms)
		http_set_deadline(&s->c, s->o->max_time_ms);
	s->phase = UP_PH_HEAD;
	rc = http_write(&s->c, s->head, (size_t)hl, e);
	if (!rc && (flags & REQ_EXPECT)) {
		rc = http_flush(&s->c, e) ? -1 : await_continue(s, e);
		if (rc == 1) {
			/* Refused on the head alone: the connection still expects the body. */
			up_conn_drop(s);
			s->r->http_status = s->resp.status;
			return s->resp.status / 100 == 2
			       ? (nr_fail(e, NR_E_HTTP_PARSE, 0, "upload", "%s: success before the body", u->host), -1)
			       : 0;
		}
	}
	if (!rc && s->form_npre)
		rc = http_write(&s->c, s->form_pre, s->form_npre, e) ? -1 : 0;
	if (!rc)
		rc = send_body(s, off, len, e);
	if (!rc && s->form_npost)
		rc = http_write(&s->c, s->form_post, s->form_npost, e) ? -1 : 0;
	if (!rc)
		rc = http_flush(&s->c, e) ? -1 : 0;
	if (rc == -2 || (rc && e->code == NR_E_HTTP_STOPPED)) {
		up_conn_drop(s);
		return -2;
	}
	if (!rc)
		s->phase = UP_PH_RESPONSE;
	we = *e;
	/* Even when sending failed, the server may have answered (a 403 before the body). */
	if (http_read_resp(&s->c, &s->resp, e)) {
		up_conn_drop(s);
		if (rc)
			*e = we;
		return e->code == NR_E_HTTP_STOPPED || (up_fatal(e) && e->code != NR_E_HTTP_PARSE) ? -2 : -1;
	}
	if (rc || s->resp.close)
		up_conn_drop(s);
	else if (s->o->max_time_ms)
		http_set_deadline(&s->c, 0);
	s->r->http_status = s->resp.status;
	/* A success before the whole body went out cannot be trusted to cover the file. */
	if (rc && s->resp.status / 100 == 2 && len) {
		*e = we;
		return -1;
	}
	return 0;
}

int up_exchange(struct up *s, const struct url *u, const char *method, unsigned long long off,
		unsigned long long len, const char *range, int flags, struct nr_err *e)
{
	int rc = exchange(s, u, method, off, len, range, flags, e);

	if (rc < 0)
		name_stall(s, u, e);
	return rc;
}
