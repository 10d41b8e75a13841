/* The CA roots compiled into netrescue: Debian's ca-certificates bundle, turned into BearSSL
 * trust anchors by build.sh (brssl ta) in build/gen/trust_anchors.c. */
#ifndef NR_TLS_ANCHORS_H
#define NR_TLS_ANCHORS_H
#include <stddef.h>
#include <bearssl.h>

extern const br_x509_trust_anchor *const tls_builtin_anchors;
extern const size_t tls_builtin_anchors_num;

#endif
