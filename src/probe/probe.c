/* The probe: TCP attempts, then on one fresh connection TLS and/or HTTP, then the path-MTU
 * search; findings with evidence and the next step. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "http/http.h"
#include "probe/probe.h"
#include "report/shell.h"

static const char *tcp_err_name(int err)
{
	switch (err) {
	case 0: return NULL;
	case ECONNREFUSED: return "refused";
	case ETIMEDOUT: return "timeout";
	case EHOSTUNREACH: return "host unreachable";
	case ENETUNREACH: return "network unreachable";
	default: return strerror(err);
	}
}

/* --- TLS ------------------------------------------------------------------------------------ */

/* The TLS/HTTP leg's state (a TLS engine's buffers, the peer's certificate, the response
 * parser and a read buffer): one allocation per probe run, only when that leg runs. */
struct probe_conn {
	struct tls_conn tc;
	struct tls_peer peer;
	struct http_resp resp;
	char buf[16384];
};

static void tls_stage(struct probe_tls *t, const struct tls_peer *peer, const struct nr_err *e,
		      unsigned timeout_ms)
{
	if (e->code == NR_E_HTTP_TIMEOUT && !t->rx_bytes)
		snprintf(t->stage, sizeof t->stage, "no ServerHello after %.1f s (ClientHello sent, nothing came back)",
			 timeout_ms / 1000.0);
	else if (e->code == NR_E_HTTP_TIMEOUT && !peer->chain_seen)
		snprintf(t->stage, sizeof t->stage, "stalled after %llu bytes, before the certificate arrived",
			 t->rx_bytes);
	else if (e->code == NR_E_HTTP_TIMEOUT)
		snprintf(t->stage, sizeof t->stage, "stalled after the certificate (%llu bytes)", t->rx_bytes);
	else if (!t->rx_bytes)
		snprintf(t->stage, sizeof t->stage, "connection closed before any reply");
	else if (peer->chain_seen)
		snprintf(t->stage, sizeof t->stage, "certificate received, handshake refused");
	else
		snprintf(t->stage, sizeof t->stage, "server answered but sent no certificate");
}

/* Handshake on fd (consumed). On success *tc stays open for HTTP. */
static int tls_step(const struct probe_opts *o, struct probe_tls *t, struct probe_conn *c, int fd)
{
	struct tls_conn *tc = &c->tc;
	struct tls_peer *peer = &c->peer;
	char num[16];
	const char *name = o->sni ? o->sni : tls_name_ok(o->host) ? o->host : NULL;
	struct nr_err e;
	double t0 = nr_now_ms();
	int rc;

	t->tried = 1;
	memset(peer, 0, sizeof *peer);
	peer->insecure = o->insecure;
	nr_err_clear(&e);
	rc = tls_connect_peer(tc, fd, name, o->anchors, o->timeout_ms, peer, &e);
	t->ms = nr_now_ms() - t0;
	t->rx_bytes = tc->rx_bytes;
	if (peer->leaf_len && !tls_cert_info(peer->leaf, peer->leaf_len, &t->cert))
		t->cert_seen = 1;
	if (rc) {
		nr_err_text(&e, t->error, sizeof t->error);
		t->code = e.code;
		tls_stage(t, peer, &e, o->timeout_ms);
		tls_close(tc);
		return -1;
	}
	t->ok = 1;
	snprintf(t->version, sizeof t->version, "%s",
		 tls_version_name(br_ssl_engine_get_version(&tc->sc.eng), num, sizeof num));
	snprintf(t->cipher, sizeof t->cipher, "%s", tls_suite_name(tc->sc.eng.session.cipher_suite, num, sizeof num));
	snprintf(t->stage, sizeof t->stage, "%s", peer->verify_err ? "handshake done (certificate NOT verified: --insecure)" : "handshake done");
	return 0;
}

/* --- HTTP ----------------------------------------------------------------------------------- */

struct hio {
	int fd;
	struct tls_conn *tc;        /* NULL: plain TCP */
	unsigned ms;
};

static long hio_read(struct hio *h, char *buf, size_t n, struct nr_err *e)
{
	struct pollfd p = { .fd = h->fd, .events = POLLIN };
	ssize_t k;

	if (h->tc)
		return tls_read(h->tc, buf, n, e);
	for (;;) {
		k = recv(h->fd, buf, n, MSG_DONTWAIT);
		if (k >= 0)
			return (long)k;
		if (errno != EAGAIN && errno != EINTR)
			return nr_fail(e, NR_E_HTTP_CLOSED, errno, "probe", "recv");
		if (poll(&p, 1, (int)h->ms) == 0)
			return nr_fail(e, NR_E_HTTP_TIMEOUT, 0, "probe", "no data for %u ms", h->ms);
	}
}

static int hio_write(struct hio *h, const char *buf, size_t n, struct nr_err *e)
{
	if (h->tc)
		return tls_write(h->tc, buf, n, e) || tls_flush(h->tc, e) ? -1 : 0;
	return send(h->fd, buf, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 :
	       nr_fail(e, NR_E_HTTP_CLOSED, errno, "probe", "send");
}

static void status_line(struct probe_http *h, const char *buf, size_t n)
{
	size_t l = strcspn(buf, "\r\n");

	if (h->status_line[0] || !n)
		return;
	if (l > n)
		l = n;
	if (l >= sizeof h->status_line)
		l = sizeof h->status_line - 1;
	memcpy(h->status_line, buf, l);
	h->status_line[l] = 0;
}

static void http_step(const struct probe_opts *o, struct probe_http *h, struct hio *io, struct probe_conn *c)
{
	struct http_resp *resp = &c->resp;
	char *buf = c->buf;
	char req[PROBE_HOST_MAX + 1024];
	const struct http_hdr hd[] = { { "User-Agent", "netrescue-probe" }, { "Accept", "*/*" },
				       { "Connection", "close" } };
	struct nr_err e;
	double t0 = nr_now_ms();
	long n, k;

	h->tried = 1;
	nr_err_clear(&e);
	/* Host: the SNI name when one was given for an IP target (virtual hosts route on both). */
	n = http_req_head(req, sizeof req, "GET", o->http_path, o->sni ? o->sni : o->host, hd, 3, &e);
	if (n < 0 || hio_write(io, req, (size_t)n, &e))
		goto fail;
	t0 = nr_now_ms();
	http_resp_init(resp, 0);
	while (resp->state != HTTP_DONE && h->bytes < PROBE_HTTP_MAX) {
		n = hio_read(io, buf, sizeof c->buf - 1, &e);
		if (n < 0)
			goto fail;
		if (!n) {
			if (http_resp_eof(resp, &e))
				goto fail;
			break;
		}
		if (!h->bytes)
			h->ttfb_ms = nr_now_ms() - t0;
		buf[n] = 0;
		status_line(h, buf, (size_t)n);
		h->bytes += (unsigned long long)n;
		k = http_resp_feed(resp, buf, (size_t)n, &e);
		if (k < 0)
			goto fail;
	}
	h->ms = nr_now_ms() - t0;
	h->status = resp->status;
	h->complete = resp->state == HTTP_DONE;
	return;
fail:
	h->ms = nr_now_ms() - t0;
	h->status = resp->state > HTTP_STATUS ? resp->status : 0;
	nr_err_text(&e, h->error, sizeof h->error);
	if (e.code == NR_E_HTTP_TIMEOUT)
		snprintf(h->error, sizeof h->error, "reply stalled after %llu bytes (no data for %.1f s)",
			 h->bytes, io->ms / 1000.0);
}

/* --- findings ------------------------------------------------------------------------------- */

static void add_findings(const struct probe_opts *o, const struct probe_report *r, struct findings *fs)
{
	char subj[sizeof r->target + 96], mtufix[sizeof r->target + 160] = "";
	const char *from;
	int i, refused = 0, timeout = 0, ok = 0, other = 0;

	snprintf(subj, sizeof subj, "%s -> %s", o->subject ? o->subject : "pod", r->target);
	/* The path-MTU probe to run next, with this probe's own pod and target (a command that
	 * runs as printed, never a template). */
	from = r->from[0] ? r->from : o->subject && !strncmp(o->subject, "pod ", 4) ? o->subject + 4 : NULL;
	if (from && !o->mtu)
		sh_printf(mtufix, sizeof mtufix, "netrescue probe --from %s %s --mtu", from, r->target);
	for (i = 0; i < r->ntcp; i++) {
		ok += r->tcp[i].ok;
		refused += r->tcp[i].err == ECONNREFUSED;
		timeout += r->tcp[i].err == ETIMEDOUT;
		other += !r->tcp[i].ok && r->tcp[i].err != ECONNREFUSED && r->tcp[i].err != ETIMEDOUT;
	}
	if (refused)
		findings_add(fs, "tcp-refused", SEV_FAIL, subj, NULL,
			     "%d of %d TCP connects to %s were refused (RST): nothing listens on port %u there, "
			     "or a firewall rejects", refused, r->ntcp, r->addr, r->port);
	if (timeout)
		findings_add(fs, "tcp-timeout", SEV_FAIL, subj, NULL,
			     "%d of %d TCP connects to %s port %u got no answer within %u ms: a drop on the way "
			     "(network policy, firewall, routing) or a silent host", timeout, r->ntcp, r->addr,
			     r->port, o->timeout_ms);
	if (other && !refused && !timeout)
		findings_add(fs, "tcp-timeout", SEV_FAIL, subj, NULL, "%d of %d TCP connects failed: %s",
			     other, r->ntcp, tcp_err_name(r->tcp[0].err));
	if (r->tls.tried && !r->tls.ok)
		findings_add(fs, "tls-handshake-failed", SEV_FAIL, subj,
			     r->tls.rx_bytes ? NULL : mtufix,
			     "TCP connected but the TLS handshake failed: %s; %s", r->tls.stage, r->tls.error);
	if (r->http.tried && r->http.error[0])
		findings_add(fs, "http-incomplete", SEV_FAIL, subj,
			     mtufix,
			     "GET %s: %s%s%s", o->http_path, r->http.error,
			     r->http.status_line[0] ? "; status line: " : "", r->http.status_line);
	if (r->pmtu.done && !r->pmtu.icmp_seen && r->pmtu.smallest_lost)
		finding_advice(findings_add(fs, "pmtu-blackhole", SEV_FAIL, subj, NULL,
			     "packets of up to %d bytes reach %s, packets of %d bytes and more vanish with no ICMP "
			     "\"fragmentation needed\" (pod MTU %d, node route MTU %d): large replies such as a TLS "
			     "certificate never arrive", r->pmtu.largest_ok, r->addr, r->pmtu.smallest_lost,
			     r->pmtu.pod_mtu, r->pmtu.node_mtu),
			       "lower the pod MTU to %d (the \"mtu\" of the CNI config under /etc/cni/net.d; under "
			       "kubenet the kubelet's --network-plugin-mtu), or let ICMP type 3 code 4 "
			       "(fragmentation needed) through the path", r->pmtu.largest_ok);
	else if (r->pmtu.done && r->pmtu.icmp_seen)
		findings_add(fs, "pmtu-reduced", SEV_INFO, subj, NULL,
			     "the path to %s carries %d bytes; a router says \"fragmentation needed\" (next-hop MTU %d), "
			     "so path-MTU discovery works (pod MTU %d)", r->addr, r->pmtu.mtu, r->pmtu.icmp_mtu,
			     r->pmtu.pod_mtu);
}

int probe_run(int netns_fd, const struct probe_opts *o, struct probe_report *r,
	      struct findings *fs, struct nr_err *e)
{
	struct probe_conn *c = NULL;
	struct probe_tcp extra;
	struct hio io;
	int i, fd = -1;

	r->port = o->port;
	addr_str(&o->addr, r->addr, sizeof r->addr);
	r->ntcp = o->count < 1 ? 1 : o->count > PROBE_COUNT_MAX ? PROBE_COUNT_MAX : o->count;
	for (i = 0; i < r->ntcp; i++) {
		probe_tcp_connect(netns_fd, &o->addr, o->port, o->timeout_ms, &r->tcp[i], NULL);
		if (r->tcp[i].err == EBADF || r->tcp[i].err == ENOENT)
			return nr_fail(e, NR_E_PROBE_NONETNS, r->tcp[i].err, "probe", "%s", r->from);
	}
	if ((o->tls || o->http_path) && r->tcp[0].ok && !(c = calloc(1, sizeof *c)))
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "probe", NULL);
	if (c) {
		probe_tcp_connect(netns_fd, &o->addr, o->port, o->timeout_ms, &extra, &fd);
		if (fd >= 0 && o->tls && tls_step(o, &r->tls, c, fd))
			fd = -1;
		if (fd >= 0 && o->http_path) {
			io.fd = fd;
			io.tc = o->tls ? &c->tc : NULL;
			io.ms = o->timeout_ms;
			http_step(o, &r->http, &io, c);
		}
		if (fd >= 0 && o->tls)
			tls_close(&c->tc);
		else if (fd >= 0)
			close(fd);
		free(c);
	}
	if (o->mtu && probe_pmtu_run(netns_fd, &o->addr, o->pod_if, o->timeout_ms, &r->pmtu, e))
		return -1;
	add_findings(o, r, fs);
	return 0;
}

/* --- output --------------------------------------------------------------------------------- */

static void jw_ms(struct jw *w, const char *k, double ms)
{
	jw_key(w, k);
	jw_double(w, (double)(long long)(ms * 100) / 100);
}

static void tls_json(struct jw *w, const struct probe_tls *t)
{
	if (!t->tried) {
		jw_knull(w, "tls");
		return;
	}
	jw_key(w, "tls");
	jw_obj(w);
	jw_kbool(w, "ok", t->ok);
	jw_kstr(w, "version", t->ok ? t->version : NULL);
	jw_kstr(w, "cipher", t->ok ? t->cipher : NULL);
	jw_kstr(w, "subject", t->cert_seen ? t->cert.subject : NULL);
	jw_kstr(w, "issuer", t->cert_seen ? t->cert.issuer : NULL);
	jw_kstr(w, "not_after", t->cert_seen ? t->cert.not_after : NULL);
	jw_kstr(w, "stage", t->stage);
	jw_kuint(w, "bytes_received", t->rx_bytes);
	jw_ms(w, "ms", t->ms);
	jw_kstr(w, "error", t->ok ? NULL : t->error);
	jw_obj_end(w);
}

static void http_json(struct jw *w, const struct probe_http *h)
{
	if (!h->tried) {
		jw_knull(w, "http");
		return;
	}
	jw_key(w, "http");
	jw_obj(w);
	if (h->status)
		jw_kint(w, "status", h->status);
	else
		jw_knull(w, "status");
	jw_kstr(w, "status_line", h->status_line[0] ? h->status_line : NULL);
	jw_ms(w, "ms", h->ttfb_ms);
	jw_ms(w, "total_ms", h->ms);
	jw_kuint(w, "bytes", h->bytes);
	jw_kbool(w, "complete", h->complete);
	jw_kstr(w, "error", h->error[0] ? h->error : NULL);
	jw_obj_end(w);
}

static void kint_or_null(struct jw *w, const char *k, int v)
{
	if (v)
		jw_kint(w, k, v);
	else
		jw_knull(w, k);
}

static void pmtu_json(struct jw *w, const struct probe_pmtu *m)
{
	if (!m->tried) {
		jw_knull(w, "path_mtu");
		return;
	}
	jw_key(w, "path_mtu");
	jw_obj(w);
	kint_or_null(w, "mtu", m->done ? m->mtu : 0);
	kint_or_null(w, "largest_ok", m->largest_ok);
	kint_or_null(w, "smallest_lost", m->smallest_lost);
	jw_kbool(w, "icmp_seen", m->icmp_seen);
	kint_or_null(w, "icmp_mtu", m->icmp_mtu);
	kint_or_null(w, "pod_mtu", m->pod_mtu);
	kint_or_null(w, "node_mtu", m->node_mtu);
	jw_kstr(w, "method", m->method);
	jw_kint(w, "probes", m->nprobes);
	jw_kstr(w, "error", m->error[0] ? m->error : NULL);
	jw_obj_end(w);
}

void probe_json(struct jw *w, const struct probe_report *r)
{
	int i, ok = 0;

	jw_kstr(w, "target", r->target);
	jw_kstr(w, "address", r->addr);
	jw_kuint(w, "port", r->port);
	for (i = 0; i < r->ntcp; i++)
		ok += r->tcp[i].ok;
	jw_key(w, "tcp");
	jw_obj(w);
	jw_kbool(w, "ok", ok == r->ntcp);
	jw_ms(w, "ms", r->tcp[0].ms);
	jw_kstr(w, "error", tcp_err_name(r->tcp[0].err));
	jw_kint(w, "attempts", r->ntcp);
	jw_kint(w, "connected", ok);
	jw_obj_end(w);
	jw_key(w, "attempts");
	jw_arr(w);
	for (i = 0; i < r->ntcp; i++) {
		jw_obj(w);
		jw_kbool(w, "ok", r->tcp[i].ok);
		jw_ms(w, "ms", r->tcp[i].ms);
		jw_kstr(w, "error", tcp_err_name(r->tcp[i].err));
		jw_obj_end(w);
	}
	jw_arr_end(w);
	tls_json(w, &r->tls);
	http_json(w, &r->http);
	pmtu_json(w, &r->pmtu);
}

void probe_text(FILE *f, const struct probe_report *r)
{
	int i;

	fprintf(f, "probe from %s (netns %llu) to %s (%s port %u)\n", r->from, r->netns, r->target,
		r->addr, r->port);
	for (i = 0; i < r->ntcp; i++)
		fprintf(f, "  tcp  #%d  %-8s %8.2f ms\n", i + 1, r->tcp[i].ok ? "ok" : tcp_err_name(r->tcp[i].err),
			r->tcp[i].ms);
	if (r->tls.tried) {
		fprintf(f, "  tls  %s  %.2f ms  %s\n", r->tls.ok ? "ok" : "FAILED", r->tls.ms, r->tls.stage);
		if (r->tls.ok)
			fprintf(f, "       %s %s\n", r->tls.version, r->tls.cipher);
		if (r->tls.cert_seen)
			fprintf(f, "       subject %s\n       issuer  %s\n       expires %s\n",
				r->tls.cert.subject, r->tls.cert.issuer, r->tls.cert.not_after);
		if (!r->tls.ok)
			fprintf(f, "       %s\n", r->tls.error);
	}
	if (r->http.tried)
		fprintf(f, "  http %s  first byte %.2f ms, %llu bytes in %.2f ms%s%s\n",
			r->http.status_line[0] ? r->http.status_line : "(no status line)", r->http.ttfb_ms,
			r->http.bytes, r->http.ms, r->http.error[0] ? "  " : "", r->http.error);
	if (r->pmtu.tried) {
		if (r->pmtu.done)
			fprintf(f, "  mtu  path %d (largest ok %d, smallest lost %d, ICMP frag-needed %s), pod %d, node %d, %d probes\n",
				r->pmtu.mtu, r->pmtu.largest_ok, r->pmtu.smallest_lost,
				r->pmtu.icmp_seen ? "seen" : "never seen", r->pmtu.pod_mtu, r->pmtu.node_mtu,
				r->pmtu.nprobes);
		else
			fprintf(f, "  mtu  unknown: %s\n", r->pmtu.error);
	}
	fputc('\n', f);
}
