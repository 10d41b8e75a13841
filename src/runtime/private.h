/* Private to runtime: the Docker socket client (docker.c), the JSON documents a runtime
 * leaves (doc.c), and the working buffers one struct rt owns. */
#ifndef NR_RUNTIME_PRIVATE_H
#define NR_RUNTIME_PRIVATE_H
#include <stddef.h>

#include "base/jsontok.h"
#include "http/http.h"
#include "runtime/runtime.h"

/* RT_CONFIG_MAX: an OCI config.json with a seccomp profile is ~40 KB; Docker's config.v2.json
 * and its API answer are smaller. */
#define RT_CONFIG_MAX (256 * 1024)
/* RT_TOKENS: JSON tokens of one document; containerd's default seccomp profile makes an OCI
 * config ~1,500 tokens, a Docker answer a few hundred. More is refused, not cut. */
#define RT_TOKENS 8192

/* One document at a time: read, tokenized, looked up (netrescue is single-threaded here). */
struct rt_work {
	char doc[RT_CONFIG_MAX];
	struct jt_tok tok[RT_TOKENS];
	struct http_resp resp;        /* the Docker answer's framing */
};

/* GET what from the Docker Engine API over the node's docker.sock: the body into buf (cap
 * bytes, NUL-terminated, *len its length). Returns the HTTP status, or -1 (no socket, no
 * answer within the deadline, not HTTP, a body that does not fit). */
int rt_docker_get(const struct rt *rt, const char *what, char *buf, size_t cap, size_t *len,
		  struct http_resp *resp);

/* The names in an OCI config.json (CRI annotations) or a Docker container document
 * (Config.Labels) of len bytes, tokenized into tok[cap]; out->id is kept. 0 when some name was
 * found, else -1 (also when the document is not JSON). */
int rt_doc_names(const char *doc, size_t len, struct jt_tok *tok, int cap, struct rt_container *out);
/* A Docker container document says State.Running is true: 1, else 0. */
int rt_doc_running(const char *doc, size_t len, struct jt_tok *tok, int cap);

#endif
