/* Upload of one file to a signed URL over HTTPS: Cloud Storage V4 signed URLs (single PUT, or
 * the resumable protocol when the URL is signed for POST with x-goog-resumable:start),
 * S3 pre-signed URLs, Azure SAS URLs, or any other HTTPS URL that takes a PUT.
 * The file is streamed in fixed memory; CRC32C is computed while sending (checked against
 * Cloud Storage's x-goog-hash), MD5 beside it on a second thread where the provider reports
 * one (S3's ETag, Azure's Content-MD5). Signatures and proxy passwords never leave this module
 * in any text: every message and result holds redacted URLs only (url_redact in url/url.h). */
#ifndef NR_UPLOAD_UPLOAD_H
#define NR_UPLOAD_UPLOAD_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"
#include "report/json.h"

enum upload_provider { UPLOAD_OTHER = 0, UPLOAD_GCS, UPLOAD_S3, UPLOAD_AZURE };

/* UPLOAD_MAX_HEADERS: signed URLs carry a handful of signed headers (content-type,
 * x-goog-meta-*, content-md5); 32 leaves room. */
#define UPLOAD_MAX_HEADERS 32
/* UPLOAD_CHUNK_UNIT: Cloud Storage wants every resumable chunk but the last to be a multiple
 * of 256 KiB (cloud.google.com/storage/docs/performing-resumable-uploads). */
#define UPLOAD_CHUNK_UNIT (256u * 1024u)
/* UPLOAD_CHUNK_DEFAULT: 8 MiB, gsutil's default resumable chunk; a lost connection re-sends at
 * most this much. */
#define UPLOAD_CHUNK_DEFAULT (8ull * 1024 * 1024)

struct upload_progress {
	unsigned long long sent;   /* bytes of the file the server has or is receiving */
	unsigned long long total;  /* file size */
	int attempt;               /* 1 for the first try */
};

struct upload_opts {
	const char *headers[UPLOAD_MAX_HEADERS]; /* "Name: value" as given with -H */
	int nheaders;
	const char *ca_file;       /* PEM roots added to the built-in ones; NULL for none */
	const char *resolve;       /* "HOST:PORT:ADDR" (curl's --resolve); NULL for DNS */
	const char *proxy;         /* "http://[USER:PASS@]HOST:PORT"; NULL: https_proxy/HTTPS_PROXY,
				    * then ALL_PROXY, unless NO_PROXY matches; "" or "none": never */
	int resumable;             /* force the Cloud Storage resumable protocol */
	int no_md5;                /* never MD5 (CRC32C is still computed and checked) */
	int md5;                   /* MD5 also for Cloud Storage and other servers (S3 and Azure
				    * get it by default: their reply says the stored MD5) */
	int content_md5;           /* send Content-MD5 (one extra pass over the file first) so the
				    * server refuses a body that differs */
	int insecure_http;         /* allow plain http:// (refused otherwise) */
	int keep_state;            /* keep a resumable session in a state file beside the file */
	const volatile int *stop;  /* set by the caller's signal handler: stop, say where; or NULL */
	unsigned long long chunk_size; /* resumable chunk, multiple of UPLOAD_CHUNK_UNIT; 0: default */
	int max_attempts;          /* tries per request on connection loss/429/5xx; 0: 5 */
	unsigned backoff_ms;       /* first retry delay, doubled each time; 0: 500 */
	unsigned timeout_ms;       /* no progress for this long ends an attempt; 0: UPLOAD_STALL_MS */
	unsigned max_time_ms;      /* budget for one request once connected; 0: none (connect + proxy
				    * + TLS always have 30 s together) */
	/* Called on progress (at most a few times a second) and for warnings (e.g. the URL has
	 * expired already); the module never prints. Any may be NULL. */
	void (*progress)(const struct upload_progress *p, void *arg);
	void (*warn)(const char *msg, void *arg);
	void *arg;
};

/* UPLOAD_STALL_MS: a server silent this long while we send or wait is stalled (curl's
 * --speed-time is 30 s; a healthy GCS/S3 front end answers within a few). */
#define UPLOAD_STALL_MS 20000

/* UPLOAD_OBJECT_MAX: object names are at most 1024 bytes in Cloud Storage and S3. */
#define UPLOAD_OBJECT_MAX 1100

struct upload_result {
	unsigned long long bytes;  /* bytes of the file the server confirmed */
	int http_status;           /* final status (200/201), or the refusing one on failure */
	enum upload_provider provider;
	int resumable;             /* the resumable protocol was used */
	int resumed;               /* a resumable session continued after a broken connection */
	int attempts;              /* requests sent in all, including retries and status queries */
	char object[UPLOAD_OBJECT_MAX]; /* bucket/object path from the URL, percent-decoded */
	char md5[33];              /* hex, as md5sum prints it; "" with no_md5 */
	char crc32c[9];            /* base64, as Cloud Storage prints it (x-goog-hash crc32c=) */
	int hash_checked;          /* 1: a hash the server reported matched ours */
	char checked_by[32];       /* "x-goog-hash crc32c", "ETag md5", "Content-MD5", or "" */
	unsigned long long bytes_sent; /* on failure: how far the file got */
	char server_code[64];      /* XML <Code> of a refusal ("SignatureDoesNotMatch"), or "" */
	char url[512];             /* the URL with signatures redacted, for messages */
};

/* Checks everything that can be checked before connecting: the URL, the provider, that every
 * signed header is given (-> NR_E_UPLOAD_MISSING_HEADER naming it), the -H syntax, the
 * --resolve and proxy syntax, and the URL's expiry (a warning through o->warn, not an
 * error: the node clock may be wrong). Fills r->provider, r->object, r->url. */
int upload_check(const char *url, const struct upload_opts *o, struct upload_result *r,
		 struct nr_err *e);

/* Uploads the file at path to url. Runs upload_check first; nothing is sent when it fails or
 * when the server's certificate is not trusted. Returns 0 when the server confirmed the whole
 * file; -1 with e filled (and r filled as far as it got). e must not be NULL. Its state
 * (~0.5 MiB: TLS buffers, file ring) is allocated per call; it runs one helper thread for MD5
 * while sending when MD5 is wanted. Interrupted (*o->stop): NR_E_UPLOAD_INTERRUPTED saying
 * where, with a resumable session kept for the next run. */
int upload_file(const char *path, const char *url, const struct upload_opts *o,
		struct upload_result *r, struct nr_err *e);

/* --- POST policies: one credential for a whole fleet ------------------------------------------
 * The JSON that Cloud Storage's generateSignedPostPolicyV4 and S3's createPresignedPost return,
 * {"url": ..., "fields": {...}}, sent as a multipart/form-data POST (the fields, then the file).
 * The signature fields are secrets like a URL's signature: never printed. */
/* UPLOAD_POLICY_FIELDS / _VALUE_MAX: ~8 fields; the policy document (base64) is the longest,
 * ~1-3 KiB with a dozen conditions. */
#define UPLOAD_POLICY_FIELDS 24
#define UPLOAD_POLICY_VALUE_MAX 8192

struct upload_policy_field {
	char name[128];
	char value[UPLOAD_POLICY_VALUE_MAX];
};

struct upload_policy {
	char url[2048];
	int nfields;
	struct upload_policy_field f[UPLOAD_POLICY_FIELDS];
	/* From the policy document, when it could be read (document_read). */
	int document_read;
	time_t expires;                 /* 0: unknown */
	int has_prefix, has_exact, has_range;
	char key_prefix[UPLOAD_OBJECT_MAX]; /* ["starts-with", "$key", P] */
	char key_exact[UPLOAD_OBJECT_MAX];  /* {"key": K} or ["eq", "$key", K] */
	unsigned long long size_min, size_max; /* ["content-length-range", MIN, MAX] */
};

/* Reads the policy JSON (len bytes) into pp (~200 KiB: allocate it). NR_E_UPLOAD_POLICY when
 * it is not that shape. */
int upload_policy_parse(const char *json, size_t len, struct upload_policy *pp, struct nr_err *e);
/* The value of a form field (case-insensitive name), or NULL. */
const char *upload_policy_field(const struct upload_policy *pp, const char *name);

/* What the object is called: the template's {node}, {time} (UTC, 20261206T031500Z) and {file}
 * (the file's base name) filled in. With a key field holding ${filename} (the way to let every
 * node name its own object under a fixed policy), the expanded name is sent as the file's name
 * and the server puts it in place of ${filename}; with a starts-with $key condition, the key is
 * the prefix followed by the expanded name (unless it already starts with it); a policy that
 * fixes the key leaves no choice (a template that differs is an error). */
struct upload_post_opts {
	const char *object;        /* template; NULL: "{node}/{time}-{file}" */
	const char *node;          /* {node}; NULL: $NODE_NAME, else the host name */
	time_t when;               /* {time}; 0: now (two objects of one run share it) */
};

/* Sends the file at path as the policy's form POST. Same options, result and errors as
 * upload_file (no resumable protocol: a POST sends the whole file each attempt). */
int upload_post(const char *path, const struct upload_policy *pp, const struct upload_post_opts *po,
		const struct upload_opts *o, struct upload_result *r, struct nr_err *e);

/* Writes the result's keys into the current JSON object: "bytes", "http_status", "provider",
 * "resumed", "resumable", "object", "md5", "crc32c", "hash_checked", "checked_by",
 * "attempts", "url". */
void upload_json(struct jw *w, const struct upload_result *r);

/* CRC32C (Castagnoli, as Cloud Storage's x-goog-hash uses): start with crc = 0, feed pieces
 * in order. Uses the CPU's CRC instruction when it has one (SSE4.2, Armv8 CRC). */
uint32_t upload_crc32c(uint32_t crc, const void *buf, size_t n);
/* The same through the tables alone (what CPUs without the instruction run; tested apart). */
uint32_t upload_crc32c_table(uint32_t crc, const void *buf, size_t n);
/* Which implementation upload_crc32c runs here: "sse4.2", "armv8-crc" or "table". */
const char *upload_crc32c_impl(void);

/* "gcs", "s3", "azure", "other". */
const char *upload_provider_name(enum upload_provider p);

#endif
