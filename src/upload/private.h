/* What the files of the upload module share: one upload's state (struct up) and the steps
 * each file provides. Only src/upload/ includes this. */
#ifndef NR_UPLOAD_PRIVATE_H
#define NR_UPLOAD_PRIVATE_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <bearssl.h>

#include "http/http.h"
#include "upload/upload.h"
#include "url/url.h"

/* UP_BUF: file bytes per read and TLS write; 64 KiB = four full TLS records per read. */
#define UP_BUF (64 * 1024)
/* UP_NBUF: buffers in flight between the sender and the hashing thread: MD5 (~550 MB/s) is
 * slower than AES-GCM, so it runs beside the sender, a few buffers behind. */
#define UP_NBUF 4
/* UP_HEAD: request head: a signed target (URL_MAX) plus our headers and the -H ones. */
#define UP_HEAD (URL_MAX + 8192)
/* UP_SIGNED_MAX: the X-*-SignedHeaders list. */
#define UP_SIGNED_MAX 2048
/* UP_AUTH_MAX: "Basic " + base64 of "user:password" (URL_AUTH_MAX each). */
#define UP_AUTH_MAX (8 + (2 * URL_AUTH_MAX + 2) * 4 / 3 + 4)
/* UP_PATH_MAX: the state file's path (beside the input file). */
#define UP_PATH_MAX 4096

struct hdr_kv {
	char name[128];
	char value[1024];
};

/* Where an attempt is, for messages that say what stalled or broke. */
enum up_phase { UP_PH_CONNECT = 0, UP_PH_HEAD, UP_PH_CONTINUE, UP_PH_BODY, UP_PH_RESPONSE };

/* Everything one upload needs, in one place (~0.5 MiB: TLS buffers, the file ring). The
 * caller of upload_file never sees it: upload.c keeps one per call on the heap. */
struct up {
	const struct upload_opts *o;
	struct upload_result *r;
	struct url u;                   /* the signed URL */
	struct url session;             /* resumable session URI */
	struct url proxy;
	int use_proxy;
	char proxy_auth[UP_AUTH_MAX];   /* "Basic ..." or "" */
	struct nr_addr pin;             /* --resolve */
	char pin_host[URL_HOST_MAX];
	unsigned pin_port;
	int use_pin;
	time_t expires;                 /* the URL's expiry (X-*-Date + Expires, Azure se=); 0: unknown */
	struct tls_anchors anchors;
	int anchors_ready;
	struct http_conn c;
	int connected;                  /* c is open, to conn_host:conn_port */
	char conn_host[URL_HOST_MAX];
	unsigned conn_port;
	struct http_resp resp;
	struct hdr_kv h[UPLOAD_MAX_HEADERS];
	int nh;
	int give_md5;                   /* Content-MD5 is signed and not given: we send it */
	int want_md5;                   /* MD5 is computed (and checked where the server says it) */
	int fd;
	const char *path;
	unsigned long long size;
	/* Where the current attempt is, for messages. */
	enum up_phase phase;
	unsigned long long phase_off;
	char state_path[UP_PATH_MAX];   /* resumable state file, "" when none */
	/* A form POST (post.c): these bytes go before and after the file's, with this type. */
	const char *form_pre, *form_post, *content_type;
	size_t form_npre, form_npost;
	/* Hashes cover the file once, in order: bytes before `hashed` were already counted.
	 * While the hasher thread runs, only it touches these. */
	br_md5_context md5;
	uint32_t crc;
	unsigned long long hashed;
	char full_md5[25];              /* base64 MD5 of the whole file once known (Content-MD5) */
	struct {
		pthread_t th;
		pthread_mutex_t mu;
		pthread_cond_t cv;
		int on, quit;
		unsigned head, tail;          /* submitted buffers: hash head..tail-1 in order */
		unsigned long long off[UP_NBUF];
		size_t n[UP_NBUF];
	} hz;
	struct timespec last_progress;
	char head[UP_HEAD];
	unsigned char buf[UP_BUF];
	unsigned char ring[UP_NBUF][UP_BUF];
};

/* Request flags for up_exchange. */
enum { REQ_SIGNED = 1, REQ_START = 2, REQ_EXPECT = 4 };

/* check.c: the URL and options, before anything is sent. */
int up_check(struct up *s, const char *url, int *resumable, struct nr_err *e);
int up_opt_fail(struct nr_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void up_warnf(const struct up *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int up_given(const struct up *s, const char *name, size_t n);

/* hash.c: MD5/CRC32C while sending (a thread beside the sender when MD5 is wanted). */
void up_b64(const unsigned char *in, size_t n, char *out);
void up_hasher_start(struct up *s);
void up_hasher_stop(struct up *s);
unsigned char *up_hasher_buf(struct up *s);
void up_hasher_submit(struct up *s, unsigned long long off, size_t n);
int up_content_md5(struct up *s, char out[25], struct nr_err *e);
int up_finish(struct up *s, struct nr_err *e);
void up_progress(struct up *s, unsigned long long sent, int force);

/* exchange.c: one request and its reply over the kept connection. */
int up_exchange(struct up *s, const struct url *u, const char *method, unsigned long long off,
		unsigned long long len, const char *range, int flags, struct nr_err *e);
void up_conn_drop(struct up *s);
int up_fatal(const struct nr_err *e);
/* "sending the body at byte 1048576 of 5243003", "waiting for the response", ... */
void up_phase_text(const struct up *s, char *buf, size_t cap);

/* refusal.c: a reply that is not a success, as one error a person can act on. */
int up_retryable(int status);
int up_redirect(int status);
int up_refusal(struct up *s, const char *host, struct nr_err *e);

/* retry.c: waiting between attempts, and the single PUT (every retry starts over). */
void up_backoff(struct up *s, int fails);
int up_max_attempts(const struct up *s);
int up_put_single(struct up *s, struct nr_err *e);
/* The whole file in one request (a PUT, a form POST), every retry from the start. */
int up_send_whole(struct up *s, const char *method, int flags, struct nr_err *e);
/* The text of a failed attempt for a warning ("connection refused while connecting"). */
void up_attempt_text(const struct up *s, int rc, const struct nr_err *e, char *buf, size_t cap);

/* resumable.c: Cloud Storage's resumable protocol, resumed across runs through a state file. */
int up_put_resumable(struct up *s, struct nr_err *e);

/* upload.c: the steps every upload shares (opening the file, hashing around the sending). */
struct up *up_new(const struct upload_opts *o, struct upload_result *r, struct nr_err *e);
int up_open_file(struct up *s, const char *path, struct nr_err *e);
int up_redacted(int rc, struct nr_err *e);

/* state.c: the 0600 file beside the input that keeps a resumable session between runs. */
void up_state_path(struct up *s, const char *file);
int up_state_load(struct up *s, char *uri, size_t cap);
void up_state_save(struct up *s, const char *uri);
void up_state_drop(struct up *s);

#endif
