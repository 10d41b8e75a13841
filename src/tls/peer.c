/* An X.509 "engine" that sits in front of x509_minimal: it keeps the leaf certificate for the
 * probe's report and, when insecure, lets the handshake go on whatever the verdict, using the
 * leaf's own public key (decoded by br_x509_decoder), so a probe can tell "the server sent an
 * expired certificate" from "nothing came back". */
#include <string.h>

#include "tls/peer.h"

static void dn_ignore(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

static void start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct tls_peer *p = (struct tls_peer *)(void *)ctx;

	p->chain_seen = 1;
	p->ncerts = 0;
	p->leaf_len = 0;
	p->leaf_cut = 0;
	(*p->inner)->start_chain(p->inner, server_name);
}

static void start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct tls_peer *p = (struct tls_peer *)(void *)ctx;

	if (!p->ncerts) {
		p->leaf_cut = length > sizeof p->leaf;
		br_x509_decoder_init(&p->dc, dn_ignore, NULL);
	}
	(*p->inner)->start_cert(p->inner, length);
}

static void append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct tls_peer *p = (struct tls_peer *)(void *)ctx;
	size_t k;

	if (!p->ncerts) {
		k = sizeof p->leaf - p->leaf_len;
		if (k > len)
			k = len;
		memcpy(p->leaf + p->leaf_len, buf, k);
		p->leaf_len += k;
		br_x509_decoder_push(&p->dc, buf, len);
	}
	(*p->inner)->append(p->inner, buf, len);
}

static void end_cert(const br_x509_class **ctx)
{
	struct tls_peer *p = (struct tls_peer *)(void *)ctx;

	p->ncerts++;
	(*p->inner)->end_cert(p->inner);
}

static unsigned end_chain(const br_x509_class **ctx)
{
	struct tls_peer *p = (struct tls_peer *)(void *)ctx;

	p->verify_err = (*p->inner)->end_chain(p->inner);
	if (p->insecure)
		return br_x509_decoder_get_pkey(&p->dc) ? 0 : BR_ERR_X509_BAD_SERVER_NAME;
	return p->verify_err;
}

static const br_x509_pkey *get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct tls_peer *p = (const struct tls_peer *)(const void *)ctx;

	if (p->insecure) {
		if (usages)
			*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
		return br_x509_decoder_get_pkey((br_x509_decoder_context *)&p->dc);
	}
	return (*p->inner)->get_pkey(p->inner, usages);
}

static const br_x509_class peer_vtable = {
	sizeof(struct tls_peer), start_chain, start_cert, append, end_cert, end_chain, get_pkey,
};

void tls_peer_attach(struct tls_peer *p, br_ssl_engine_context *eng, const br_x509_class **inner)
{
	p->vtable = &peer_vtable;
	p->inner = inner;
	p->chain_seen = p->ncerts = 0;
	p->verify_err = 0;
	p->leaf_len = 0;
	p->leaf_cut = 0;
	br_ssl_engine_set_x509(eng, &p->vtable);
}
