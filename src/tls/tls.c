/* BearSSL client glue: trust anchors, handshake, record I/O on a socket with timeouts. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tls/anchors.h"
#include "tls/peer.h"
#include "tls/tls.h"
#include "version.h"

/* --- trust anchors ------------------------------------------------------------------------- */

/* TLS_CERT_MAX: one DER certificate from the CA file (RSA-4096 roots are ~2 KB). */
#define TLS_CERT_MAX 16384

struct dn_buf {
	unsigned char *p;
	size_t len, cap;
	int over;
};

static void dn_append(void *ctx, const void *buf, size_t len)
{
	struct dn_buf *d = ctx;

	if (d->len + len > d->cap) {
		d->over = 1;
		return;
	}
	memcpy(d->p + d->len, buf, len);
	d->len += len;
}

/* Bump allocation inside a->store: the anchors live as long as the struct. */
static unsigned char *store_take(struct tls_anchors *a, size_t n)
{
	unsigned char *p;

	if (n > sizeof a->store - a->used)
		return NULL;
	p = a->store + a->used;
	a->used += n;
	return p;
}

static int key_copy(struct tls_anchors *a, br_x509_trust_anchor *ta, const br_x509_pkey *pk)
{
	unsigned char *p;

	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		p = store_take(a, pk->key.rsa.nlen + pk->key.rsa.elen);
		if (!p)
			return -1;
		memcpy(p, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(p + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.n = p;
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = p + pk->key.rsa.nlen;
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		return 0;
	}
	if (pk->key_type == BR_KEYTYPE_EC) {
		p = store_take(a, pk->key.ec.qlen);
		if (!p)
			return -1;
		memcpy(p, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = p;
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		return 0;
	}
	return -1;
}

/* One DER certificate -> one anchor (CA or, for a self-signed server, the leaf itself). */
static int add_cert(struct tls_anchors *a, const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	br_x509_trust_anchor *ta;
	struct dn_buf dn;
	const br_x509_pkey *pk;
	size_t mark = a->used;

	if (a->n >= TLS_ANCHOR_MAX || a->nextra >= TLS_EXTRA_MAX)
		return -1;
	dn.p = a->store + a->used;
	dn.len = 0;
	dn.cap = sizeof a->store - a->used;
	dn.over = 0;
	br_x509_decoder_init(&dc, dn_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || dn.over)
		return -1;
	ta = &a->ta[a->n];
	a->used += dn.len;
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	if (key_copy(a, ta, pk)) {
		a->used = mark;
		return -1;
	}
	a->n++;
	a->nextra++;
	return 0;
}

struct pem_sink {
	unsigned char der[TLS_CERT_MAX];
	size_t len;
	int over;
};

static void pem_dest(void *ctx, const void *src, size_t len)
{
	struct pem_sink *s = ctx;

	if (s->len + len > sizeof s->der) {
		s->over = 1;
		return;
	}
	memcpy(s->der + s->len, src, len);
	s->len += len;
}

/* Feeds PEM text; adds every CERTIFICATE object. Returns -1 on a malformed file. */
static int pem_feed(struct tls_anchors *a, br_pem_decoder_context *pc, struct pem_sink *s,
		    int *in_cert, const unsigned char *buf, size_t n)
{
	size_t k;

	while (n) {
		k = br_pem_decoder_push(pc, buf, n);
		buf += k;
		n -= k;
		switch (br_pem_decoder_event(pc)) {
		case BR_PEM_BEGIN_OBJ:
			*in_cert = !strcmp(br_pem_decoder_name(pc), "CERTIFICATE") ||
				   !strcmp(br_pem_decoder_name(pc), "X509 CERTIFICATE");
			s->len = 0;
			s->over = 0;
			br_pem_decoder_setdest(pc, *in_cert ? pem_dest : NULL, s);
			break;
		case BR_PEM_END_OBJ:
			if (*in_cert && !s->over)
				add_cert(a, s->der, s->len);
			*in_cert = 0;
			break;
		case BR_PEM_ERROR:
			return -1;
		default:
			break;
		}
	}
	return 0;
}

static int load_file(struct tls_anchors *a, const char *path, struct nr_err *e)
{
	struct pem_sink *sink; /* 16 KiB: one allocation per file */
	br_pem_decoder_context pc;
	unsigned char buf[4096];
	int fd, in_cert = 0, rc = 0, err;
	ssize_t r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nr_fail(e, NR_E_SYS, errno, "tls", "%s", path);
	if (!(sink = calloc(1, sizeof *sink))) {
		close(fd);
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "tls", "%s", path);
	}
	br_pem_decoder_init(&pc);
	while ((r = read(fd, buf, sizeof buf)) > 0)
		if (pem_feed(a, &pc, sink, &in_cert, buf, (size_t)r)) {
			rc = -1;
			break;
		}
	err = errno;
	if (r < 0)
		rc = nr_fail(e, NR_E_SYS, err, "tls", "%s", path);
	/* A file without a final newline leaves the END line pending. */
	else if (!rc)
		pem_feed(a, &pc, sink, &in_cert, (const unsigned char *)"\n", 1);
	close(fd);
	free(sink);
	if (rc || !a->nextra)
		return r < 0 ? -1 : nr_fail(e, NR_E_TLS_CAFILE, 0, "tls", "%s", path);
	return 0;
}

int tls_anchors_init(struct tls_anchors *a, const char *ca_file, struct nr_err *e)
{
	size_t i;

	a->n = a->nextra = a->used = 0;
	for (i = 0; i < tls_builtin_anchors_num && i < TLS_ANCHOR_MAX - TLS_EXTRA_MAX; i++)
		a->ta[a->n++] = tls_builtin_anchors[i];
	if (ca_file && *ca_file)
		return load_file(a, ca_file, e);
	return 0;
}

/* --- engine ---------------------------------------------------------------------------------- */

/* ECDHE only (forward secrecy). With AES in hardware (AES-NI) AES-GCM is ~10x ChaCha20 in
 * BearSSL, so it goes first; without it (BearSSL 0.6 has no Armv8 AES code: arm64 runs the
 * constant-time aes_ct64) ChaCha20-Poly1305 is the faster one and goes first. */
static const uint16_t suites_aes_first[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const uint16_t suites_chacha_first[] = {
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};
#define NSUITES (sizeof suites_aes_first / sizeof suites_aes_first[0])

static int aes_hw(void)
{
	return br_aes_x86ni_ctr_get_vtable() != NULL || br_aes_pwr8_ctr_get_vtable() != NULL;
}

void tls_impl(struct tls_impl *ti)
{
	ti->aes = br_aes_x86ni_ctr_get_vtable() ? "aes_x86ni" :
		br_aes_pwr8_ctr_get_vtable() ? "aes_pwr8" : "aes_ct64";
	ti->ghash = br_ghash_pclmul_get() ? "ghash_pclmul" :
		br_ghash_pwr8_get() ? "ghash_pwr8" : "ghash_ctmul64";
	ti->chacha20 = br_chacha20_sse2_get() ? "chacha20_sse2" : "chacha20_ct";
	ti->first = aes_hw() ? "AES-128-GCM" : "ChaCha20-Poly1305";
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(struct tls_conn *t, short ev, struct nr_err *e)
{
	struct pollfd p = { .fd = t->fd, .events = ev };
	long long ms, left;
	int r;

	do {
		if (t->stop && *t->stop)
			return nr_fail(e, NR_E_HTTP_STOPPED, 0, "tls", NULL);
		ms = t->timeout_ms;
		left = t->deadline_ms ? t->deadline_ms - mono_ms() : ms;
		if (left <= 0) {
			t->err = -ETIMEDOUT;
			return nr_fail(e, NR_E_HTTP_TIMEOUT, 0, "tls", "time budget spent");
		}
		r = poll(&p, 1, (int)(left < ms ? left : ms));
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return nr_fail(e, NR_E_SYS, errno, "tls", "poll");
	if (!r) {
		t->err = -ETIMEDOUT;
		if (t->deadline_ms && mono_ms() >= t->deadline_ms)
			return nr_fail(e, NR_E_HTTP_TIMEOUT, 0, "tls", "time budget spent");
		return nr_fail(e, NR_E_HTTP_TIMEOUT, 0, "tls", "no data for %u s", t->timeout_ms / 1000);
	}
	return 0;
}

static int map_err(struct tls_conn *t, struct nr_err *e)
{
	int be = br_ssl_engine_last_error(&t->sc.eng);

	t->err = be;
	switch (be) {
	case BR_ERR_X509_NOT_TRUSTED:
		return nr_fail(e, NR_E_TLS_UNTRUSTED, 0, "tls", "%s", t->xc.server_name ? t->xc.server_name : "");
	case BR_ERR_X509_BAD_SERVER_NAME:
		return nr_fail(e, NR_E_TLS_NAME, 0, "tls", "%s", t->xc.server_name ? t->xc.server_name : "");
	case BR_ERR_X509_EXPIRED:
		return nr_fail(e, NR_E_TLS_EXPIRED, 0, "tls", "%s", t->xc.server_name ? t->xc.server_name : "");
	case BR_ERR_OK:
		return nr_fail(e, NR_E_TLS_IO, 0, "tls", "closed by peer");
	default:
		if (be >= BR_ERR_RECV_FATAL_ALERT && be < BR_ERR_SEND_FATAL_ALERT)
			return nr_fail(e, NR_E_TLS_HANDSHAKE, 0, "tls", "server sent alert %d",
				       be - BR_ERR_RECV_FATAL_ALERT);
		return nr_fail(e, NR_E_TLS_HANDSHAKE, 0, "tls", "BearSSL error %d", be);
	}
}

static int send_rec(struct tls_conn *t, struct nr_err *e)
{
	size_t len;
	unsigned char *buf = br_ssl_engine_sendrec_buf(&t->sc.eng, &len);
	ssize_t w = send(t->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return wait_fd(t, POLLOUT, e);
	if (w < 0) {
		t->err = -errno;
		return nr_fail(e, NR_E_TLS_IO, errno, "tls", "send");
	}
	br_ssl_engine_sendrec_ack(&t->sc.eng, (size_t)w);
	return 0;
}

/* Returns 1 at EOF of the socket, 0 after progress, -1 on error. */
static int recv_rec(struct tls_conn *t, struct nr_err *e)
{
	size_t len;
	unsigned char *buf = br_ssl_engine_recvrec_buf(&t->sc.eng, &len);
	ssize_t r = recv(t->fd, buf, len, MSG_DONTWAIT);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return wait_fd(t, POLLIN, e);
	if (r < 0) {
		t->err = -errno;
		return nr_fail(e, NR_E_TLS_IO, errno, "tls", "recv");
	}
	if (!r)
		return 1;
	t->rx_bytes += (unsigned long long)r;
	br_ssl_engine_recvrec_ack(&t->sc.eng, (size_t)r);
	return 0;
}

/* Drives the engine until one of the states in `want` is reached. Returns 0, 1 when the
 * stream ended (closed socket or close_notify), -1 on error. Pending records always go out
 * first, so a write followed by a run to SENDAPP has flushed everything. */
static int run_until(struct tls_conn *t, unsigned want, struct nr_err *e)
{
	unsigned st;
	int r;

	for (;;) {
		st = br_ssl_engine_current_state(&t->sc.eng);
		if (st & BR_SSL_CLOSED)
			return br_ssl_engine_last_error(&t->sc.eng) == BR_ERR_OK ? 1 : map_err(t, e);
		if (st & BR_SSL_SENDREC) {
			if (send_rec(t, e))
				return -1;
			continue;
		}
		if (st & want)
			return 0;
		/* The server answered while we still send (e.g. 403 before the body is done):
		 * nothing more can go out until it is read. */
		if ((st & BR_SSL_RECVAPP) && !(want & BR_SSL_RECVAPP))
			return nr_fail(e, NR_E_TLS_IO, 0, "tls", "server replied before the request was sent");
		if (st & BR_SSL_RECVREC) {
			/* A socket EOF without close_notify is an end of stream too: HTTP framing
			 * (Content-Length, chunked) tells a cut reply from a whole one. */
			r = recv_rec(t, e);
			if (r)
				return r;
			continue;
		}
		br_ssl_engine_flush(&t->sc.eng, 0);
	}
}

int tls_name_ok(const char *host)
{
	/* IP literals hold ':' (IPv6) or only digits and dots (IPv4). */
	return !strchr(host, ':') && strspn(host, "0123456789.") != strlen(host);
}

static int connect_core(struct tls_conn *t, int fd, const char *host, const struct tls_anchors *a,
			unsigned timeout_ms, const volatile int *stop, long long deadline_ms,
			struct tls_peer *peer, struct nr_err *e);

int tls_connect(struct tls_conn *t, int fd, const char *host, const struct tls_anchors *a,
		unsigned timeout_ms, struct nr_err *e)
{
	return connect_core(t, fd, host, a, timeout_ms, NULL, 0, NULL, e);
}

int tls_connect_ex(struct tls_conn *t, int fd, const char *host, const struct tls_anchors *a,
		   unsigned timeout_ms, const volatile int *stop, long long deadline_ms,
		   struct nr_err *e)
{
	return connect_core(t, fd, host, a, timeout_ms, stop, deadline_ms, NULL, e);
}

int tls_connect_peer(struct tls_conn *t, int fd, const char *host, const struct tls_anchors *a,
		     unsigned timeout_ms, struct tls_peer *peer, struct nr_err *e)
{
	return connect_core(t, fd, host, a, timeout_ms, NULL, 0, peer, e);
}

/* The handshake for all three entry points: upload's (a stop flag and a deadline) and the
 * probe's (what the peer sent, how far it got). */
static int connect_core(struct tls_conn *t, int fd, const char *host, const struct tls_anchors *a,
			unsigned timeout_ms, const volatile int *stop, long long deadline_ms,
			struct tls_peer *peer, struct nr_err *e)
{
	unsigned char seed[32];
	int r;

	t->fd = fd;
	t->timeout_ms = timeout_ms ? timeout_ms : 30000;
	t->err = 0;
	t->stop = stop;
	t->deadline_ms = deadline_ms;
	t->rx_bytes = 0;
	if (!host)
		host = "";
	/* x509_minimal checks validity against time(): a clock before our build cannot be right. */
	if (time(NULL) < (time_t)NR_BUILD_EPOCH)
		return nr_fail(e, NR_E_TLS_CLOCK, 0, "tls", "%s", host);
	br_ssl_client_init_full(&t->sc, &t->xc, a->ta, a->n);
	br_ssl_engine_set_versions(&t->sc.eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(&t->sc.eng, aes_hw() ? suites_aes_first : suites_chacha_first, NSUITES);
	br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof t->iobuf, 1);
	/* BearSSL 0.6 trusts RDRAND alone when present; add the kernel's entropy. */
	if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		return nr_fail(e, NR_E_SYS, errno, "tls", "getrandom");
	br_ssl_engine_inject_entropy(&t->sc.eng, seed, sizeof seed);
	if (peer)
		tls_peer_attach(peer, &t->sc.eng, &t->xc.vtable);
	if (!br_ssl_client_reset(&t->sc, *host ? host : NULL, 0))
		return map_err(t, e);
	r = run_until(t, BR_SSL_SENDAPP, e);
	if (r > 0)
		return nr_fail(e, NR_E_TLS_HANDSHAKE, 0, "tls", "%s: connection closed during the handshake", host);
	return r;
}

int tls_write(struct tls_conn *t, const void *buf, size_t n, struct nr_err *e)
{
	const unsigned char *p = buf;
	unsigned char *dst;
	size_t len;

	while (n) {
		if (run_until(t, BR_SSL_SENDAPP, e))
			return e && e->code ? -1 : nr_fail(e, NR_E_TLS_IO, 0, "tls", "connection closed");
		dst = br_ssl_engine_sendapp_buf(&t->sc.eng, &len);
		if (len > n)
			len = n;
		memcpy(dst, p, len);
		br_ssl_engine_sendapp_ack(&t->sc.eng, len);
		p += len;
		n -= len;
	}
	return 0;
}

int tls_flush(struct tls_conn *t, struct nr_err *e)
{
	br_ssl_engine_flush(&t->sc.eng, 0);
	if (run_until(t, BR_SSL_SENDAPP | BR_SSL_RECVAPP, e))
		return e && e->code ? -1 : nr_fail(e, NR_E_TLS_IO, 0, "tls", "connection closed");
	return 0;
}

long tls_read(struct tls_conn *t, void *buf, size_t n, struct nr_err *e)
{
	unsigned char *src;
	size_t len;
	int r = run_until(t, BR_SSL_RECVAPP, e);

	if (r)
		return r > 0 ? 0 : -1;
	src = br_ssl_engine_recvapp_buf(&t->sc.eng, &len);
	if (len > n)
		len = n;
	memcpy(buf, src, len);
	br_ssl_engine_recvapp_ack(&t->sc.eng, len);
	return (long)len;
}

void tls_close(struct tls_conn *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
