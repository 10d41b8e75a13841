/* Internal to tls/: hooks struct tls_peer in as the engine's X.509 validator. */
#ifndef NR_TLS_PEER_H
#define NR_TLS_PEER_H
#include "tls/tls.h"

void tls_peer_attach(struct tls_peer *p, br_ssl_engine_context *eng, const br_x509_class **inner);

#endif
