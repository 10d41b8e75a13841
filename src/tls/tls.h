/* TLS 1.2 client on BearSSL over a connected socket: SNI and host-name verification always,
 * the built-in roots (anchors.h) plus roots from a PEM file, AES-GCM suites first (BearSSL's
 * ChaCha20 is ~10x slower than AES-NI GCM here; servers honour the client's order), getrandom()
 * entropy injected besides RDRAND. The caller owns every context; nothing is allocated. */
#ifndef NR_TLS_TLS_H
#define NR_TLS_TLS_H
#include <stddef.h>
#include <sys/types.h>
#include <bearssl.h>

#include "base/err.h"

/* TLS_EXTRA_MAX: --ca-file roots; a private CA bundle rarely holds more than a few. */
#define TLS_EXTRA_MAX 32
/* TLS_ANCHOR_MAX: Debian's bundle has ~144 roots, plus the extra ones. */
#define TLS_ANCHOR_MAX 256
/* TLS_EXTRA_STORE: DER names and public keys of the extra roots (~300-700 B per RSA root). */
#define TLS_EXTRA_STORE (64 * 1024)

struct tls_anchors {
	br_x509_trust_anchor ta[TLS_ANCHOR_MAX];
	size_t n;
	size_t nextra;                         /* roots read from the file */
	unsigned char store[TLS_EXTRA_STORE];  /* what ta[] of the extra roots point into */
	size_t used;
};

/* Built-in roots plus the CA certificates in the PEM file ca_file (may be NULL).
 * -1 with NR_E_TLS_CAFILE when the file holds no usable CA certificate. */
int tls_anchors_init(struct tls_anchors *a, const char *ca_file, struct nr_err *e);

struct tls_conn {
	int fd;
	unsigned timeout_ms;
	br_ssl_client_context sc;
	br_x509_minimal_context xc;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	int err;                               /* BearSSL error, or -errno of the socket */
	const volatile int *stop;              /* set (by a signal handler): give up waiting */
	long long deadline_ms;                 /* CLOCK_MONOTONIC ms after which waiting fails; 0: none */
	unsigned long long rx_bytes;           /* bytes read from the peer (probe: where it stopped) */
};

/* Runs the handshake on the connected socket fd (owned by t from now on, also on failure)
 * for the name host (SNI and certificate check). No application data is sent before the
 * certificate has been verified. Errors: NR_E_TLS_CLOCK (clock before the build date),
 * NR_E_TLS_UNTRUSTED, NR_E_TLS_NAME, NR_E_TLS_EXPIRED, NR_E_TLS_HANDSHAKE, NR_E_TLS_IO. */
int tls_connect(struct tls_conn *t, int fd, const char *host, const struct tls_anchors *a,
		unsigned timeout_ms, struct nr_err *e);
/* As tls_connect, and every later wait also ends when *stop becomes nonzero (NR_E_HTTP_STOPPED)
 * or at deadline_ms (CLOCK_MONOTONIC milliseconds; NR_E_HTTP_TIMEOUT); stop may be NULL and
 * deadline_ms 0. t->deadline_ms may be changed between calls. */
int tls_connect_ex(struct tls_conn *t, int fd, const char *host, const struct tls_anchors *a,
		   unsigned timeout_ms, const volatile int *stop, long long deadline_ms,
		   struct nr_err *e);
/* Sends all n bytes (buffered: call tls_flush after the last write). 0 or -1. */
int tls_write(struct tls_conn *t, const void *buf, size_t n, struct nr_err *e);
int tls_flush(struct tls_conn *t, struct nr_err *e);
/* Reads up to n bytes: >0, 0 at the end of the stream, -1 on error. */
long tls_read(struct tls_conn *t, void *buf, size_t n, struct nr_err *e);
/* Closes the socket. No close_notify exchange: br_sslio_close busy-loops while unread data
 * remains, and our requests say Connection: close or are complete. */
void tls_close(struct tls_conn *t);

/* --- probing a server (netrescue probe --tls) -------------------------------------------- */
/* TLS_LEAF_MAX: the server's own certificate, kept for its subject, issuer and expiry (an
 * RSA-4096 certificate with many SANs stays well below 16 KiB). */
#define TLS_LEAF_MAX 16384

/* Wraps the verifying X.509 engine to see the chain as it arrives: the leaf is kept, and with
 * insecure the handshake goes on whatever verification says (to see how far it gets). */
struct tls_peer {
	const br_x509_class *vtable;           /* first: this is a BearSSL X.509 engine */
	const br_x509_class **inner;           /* the verifying engine */
	int insecure;                          /* in: accept any certificate */
	int chain_seen;                        /* out: a Certificate message arrived */
	int ncerts;
	unsigned verify_err;                   /* out: the verifier's verdict (0: trusted) */
	size_t leaf_len;
	int leaf_cut;                          /* the leaf was longer than TLS_LEAF_MAX */
	unsigned char leaf[TLS_LEAF_MAX];
	br_x509_decoder_context dc;            /* the leaf's public key, for insecure */
};

/* tls_connect, also telling what the peer showed (peer may be NULL; host may be NULL: no SNI
 * and no name check, for a bare IP). peer->insecure must be set before. */
int tls_connect_peer(struct tls_conn *t, int fd, const char *host, const struct tls_anchors *a,
		     unsigned timeout_ms, struct tls_peer *peer, struct nr_err *e);

/* TLS_DN_MAX: a subject or issuer as "CN=..., O=..." text. */
#define TLS_DN_MAX 256
struct tls_cert_info {
	char subject[TLS_DN_MAX];
	char issuer[TLS_DN_MAX];
	char not_after[32];                    /* "2027-01-31T12:00:00Z" */
	char not_before[32];
	long long not_after_epoch;
};
/* Subject, issuer and validity of one DER certificate (n untrusted bytes). 0 or -1. */
int tls_cert_info(const unsigned char *der, size_t n, struct tls_cert_info *ci);
/* "TLSv1.2"; "TLS 0xNNNN" for others, written into buf (cap >= 16). */
const char *tls_version_name(unsigned v, char *buf, size_t cap);
/* The IANA name of a suite BearSSL offers ("ECDHE-RSA-AES128-GCM-SHA256" as OpenSSL
 * writes it), or "0xNNNN" written into buf (cap >= 16). */
const char *tls_suite_name(unsigned suite, char *buf, size_t cap);

/* The host must be a DNS name: BearSSL 0.6 matches DNS SANs only, never IP SANs. */
int tls_name_ok(const char *host);

/* Which BearSSL implementations this CPU runs, and the suite offered first. */
struct tls_impl {
	const char *aes, *ghash, *chacha20, *first;
};
void tls_impl(struct tls_impl *ti);

#endif
