/* Hashes of the file while it is sent: CRC32C always (SSE4.2: ~10 GB/s, on the sender),
 * MD5 where the provider reports one (S3's ETag, Azure's Content-MD5) or one is asked for, on
 * a thread beside the sender so that it costs no throughput on a machine with a second CPU.
 * Then the comparison with what the server says it stored. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "upload/private.h"

void up_b64(const unsigned char *in, size_t n, char *out)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3, out += 4) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[0] = al[v >> 18];
		out[1] = al[(v >> 12) & 63];
		out[2] = al[(v >> 6) & 63];
		out[3] = al[v & 63];
	}
	if (i < n) {
		v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
		out[0] = al[v >> 18];
		out[1] = al[(v >> 12) & 63];
		out[2] = i + 1 < n ? al[(v >> 6) & 63] : '=';
		out[3] = '=';
		out += 4;
	}
	*out = 0;
}

static void hash_bytes(struct up *s, unsigned long long off, const unsigned char *p, size_t n)
{
	size_t skip;

	if (off > s->hashed || off + n <= s->hashed)
		return;
	skip = (size_t)(s->hashed - off);
	if (s->want_md5)
		br_md5_update(&s->md5, p + skip, n - skip);
	s->crc = upload_crc32c(s->crc, p + skip, n - skip);
	s->hashed = off + n;
}

/* --- hashing beside the sender ------------------------------------------------------------- */

static void *hasher(void *arg)
{
	struct up *s = arg;
	unsigned k;

	pthread_mutex_lock(&s->hz.mu);
	for (;;) {
		while (s->hz.head == s->hz.tail && !s->hz.quit)
			pthread_cond_wait(&s->hz.cv, &s->hz.mu);
		if (s->hz.head == s->hz.tail)
			break;
		k = s->hz.head % UP_NBUF;
		pthread_mutex_unlock(&s->hz.mu);
		hash_bytes(s, s->hz.off[k], s->ring[k], s->hz.n[k]);
		pthread_mutex_lock(&s->hz.mu);
		s->hz.head++;
		pthread_cond_broadcast(&s->hz.cv);
	}
	pthread_mutex_unlock(&s->hz.mu);
	return NULL;
}

/* Without a thread (MD5 not wanted, or creation failed) hashing happens inline. The thread
 * blocks every signal: Ctrl-C must interrupt the sender's poll, not the hasher. */
void up_hasher_start(struct up *s)
{
	sigset_t all, old;

	pthread_mutex_init(&s->hz.mu, NULL);
	pthread_cond_init(&s->hz.cv, NULL);
	s->hz.head = s->hz.tail = 0;
	s->hz.quit = 0;
	s->hz.on = 0;
	/* CRC32C alone (SSE4.2) costs less than handing buffers to a thread. */
	if (!s->want_md5)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->hz.on = !pthread_create(&s->hz.th, NULL, hasher, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Waits until at most `keep` buffers are still being hashed. */
static void hasher_wait(struct up *s, unsigned keep)
{
	if (!s->hz.on)
		return;
	pthread_mutex_lock(&s->hz.mu);
	while (s->hz.tail - s->hz.head > keep)
		pthread_cond_wait(&s->hz.cv, &s->hz.mu);
	pthread_mutex_unlock(&s->hz.mu);
}

unsigned char *up_hasher_buf(struct up *s)
{
	hasher_wait(s, UP_NBUF - 1);
	return s->ring[s->hz.tail % UP_NBUF];
}

void up_hasher_submit(struct up *s, unsigned long long off, size_t n)
{
	unsigned k = s->hz.tail % UP_NBUF;

	if (!s->hz.on) {
		hash_bytes(s, off, s->ring[k], n);
		return;
	}
	pthread_mutex_lock(&s->hz.mu);
	s->hz.off[k] = off;
	s->hz.n[k] = n;
	s->hz.tail++;
	pthread_cond_signal(&s->hz.cv);
	pthread_mutex_unlock(&s->hz.mu);
}

void up_hasher_stop(struct up *s)
{
	if (s->hz.on) {
		pthread_mutex_lock(&s->hz.mu);
		s->hz.quit = 1;
		pthread_cond_broadcast(&s->hz.cv);
		pthread_mutex_unlock(&s->hz.mu);
		pthread_join(s->hz.th, NULL);
		s->hz.on = 0;
	}
	pthread_cond_destroy(&s->hz.cv);
	pthread_mutex_destroy(&s->hz.mu);
}

void up_progress(struct up *s, unsigned long long sent, int force)
{
	struct upload_progress p;
	struct timespec now;

	if (!s->o->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && (now.tv_sec - s->last_progress.tv_sec) * 1000000000LL +
			      (now.tv_nsec - s->last_progress.tv_nsec) < 200000000LL)
		return; /* at most 5 times a second */
	s->last_progress = now;
	p.sent = sent;
	p.total = s->size;
	p.attempt = s->r->attempts;
	s->o->progress(&p, s->o->arg);
}

/* Reads [off, off+len) of the file into the hashes (or just through, for Content-MD5). */
static int read_range(struct up *s, unsigned long long off, unsigned long long len,
		      br_md5_context *only_md5, struct nr_err *e)
{
	ssize_t n;

	while (len) {
		n = pread(s->fd, s->buf, len < UP_BUF ? (size_t)len : UP_BUF, (off_t)off);
		if (n < 0)
			return nr_fail(e, NR_E_SYS, errno, "upload", "reading the file");
		if (!n)
			return nr_fail(e, NR_E_UPLOAD_SHORT, 0, "upload", "the file shrank while uploading");
		if (only_md5)
			br_md5_update(only_md5, s->buf, (size_t)n);
		else
			hash_bytes(s, off, s->buf, (size_t)n);
		off += (unsigned long long)n;
		len -= (unsigned long long)n;
	}
	return 0;
}

/* Content-MD5 before the body: a pass over the file first, unless an earlier attempt hashed
 * all of it already (then its MD5 is known for free). */
int up_content_md5(struct up *s, char out[25], struct nr_err *e)
{
	br_md5_context m;
	unsigned char d[16];

	if (!s->full_md5[0]) {
		hasher_wait(s, 0);
		if (s->want_md5 && s->hashed == s->size) {
			m = s->md5; /* br_md5_out leaves the context as it was; a copy is safe too */
		} else {
			br_md5_init(&m);
			if (read_range(s, 0, s->size, &m, e))
				return -1;
		}
		br_md5_out(&m, d);
		up_b64(d, 16, s->full_md5);
	}
	memcpy(out, s->full_md5, 25);
	return 0;
}

/* Value of "name=" in an x-goog-hash list ("crc32c=n03x6A==,md5=Ojk9c3dhfxgoKVVHYwFbHQ=="). */
static int hash_field(const char *list, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), l;
	const char *p = list;

	while (*p) {
		p += strspn(p, ", ");
		l = strcspn(p, ", ");
		if (l > nl && p[nl] == '=' && !strncasecmp(p, name, nl) && l - nl - 1 < cap) {
			memcpy(out, p + nl + 1, l - nl - 1);
			out[l - nl - 1] = 0;
			return 1;
		}
		p += l;
	}
	return 0;
}

/* S3's ETag of a single PUT is the hex MD5 of the body, in quotes, except for multipart
 * objects ("-N") and SSE-KMS/SSE-C encryption (docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html):
 * 1 and the 32 hex digits when it is one. */
static int etag_md5(const struct http_resp *r, char hex[33])
{
	const char *t = r->etag;
	size_t n;

	if (*t == 'W' && t[1] == '/')
		return 0; /* a weak ETag says nothing about bytes */
	t += *t == '"';
	n = strcspn(t, "\"");
	if (n != 32 || strspn(t, "0123456789abcdefABCDEF") < 32 || !strncasecmp(r->sse, "aws:kms", 7))
		return 0;
	memcpy(hex, t, 32);
	hex[32] = 0;
	return 1;
}

static int mismatch(struct up *s, const char *what, const char *theirs, const char *ours, struct nr_err *e)
{
	return nr_fail(e, NR_E_UPLOAD_HASH, 0, "upload", "%s: %s %s, ours %s", s->r->object, what, theirs, ours);
}

/* Compares every hash the server reported with ours; fills r->checked_by. */
static int compare(struct up *s, const char *md5b, const char *crcb, struct nr_err *e)
{
	char theirs[64], hex[33];
	int md5 = s->r->md5[0] != 0;

	if (md5 && hash_field(s->resp.goog_hash, "md5", theirs, sizeof theirs)) {
		if (strcmp(theirs, md5b))
			return mismatch(s, "x-goog-hash md5", theirs, md5b, e);
		snprintf(s->r->checked_by, sizeof s->r->checked_by, "x-goog-hash md5");
	}
	if (hash_field(s->resp.goog_hash, "crc32c", theirs, sizeof theirs)) {
		if (strcmp(theirs, crcb))
			return mismatch(s, "x-goog-hash crc32c", theirs, crcb, e);
		snprintf(s->r->checked_by, sizeof s->r->checked_by, "%s", md5 && s->r->checked_by[0]
			 ? "x-goog-hash md5+crc32c" : "x-goog-hash crc32c");
	}
	if (md5 && s->r->provider == UPLOAD_S3 && !s->r->resumable && etag_md5(&s->resp, hex)) {
		if (strcasecmp(hex, s->r->md5))
			return mismatch(s, "ETag", hex, s->r->md5, e);
		snprintf(s->r->checked_by, sizeof s->r->checked_by, "ETag md5");
	}
	if (md5 && s->resp.content_md5[0]) {
		if (strcmp(s->resp.content_md5, md5b))
			return mismatch(s, "Content-MD5", s->resp.content_md5, md5b, e);
		snprintf(s->r->checked_by, sizeof s->r->checked_by, "Content-MD5");
	}
	s->r->hash_checked = s->r->checked_by[0] != 0;
	return 0;
}

/* The server has the whole file: finish the hashes and compare with what it reported. */
int up_finish(struct up *s, struct nr_err *e)
{
	unsigned char d[16], c[4];
	char md5b[25], crcb[16];
	int i;

	hasher_wait(s, 0);
	if (s->hashed < s->size && read_range(s, s->hashed, s->size - s->hashed, NULL, e))
		return -1;
	br_md5_out(&s->md5, d);
	for (i = 0; i < 16 && s->want_md5; i++)
		snprintf(s->r->md5 + 2 * i, 3, "%02x", d[i]);
	up_b64(d, 16, md5b);
	c[0] = (unsigned char)(s->crc >> 24);
	c[1] = (unsigned char)(s->crc >> 16);
	c[2] = (unsigned char)(s->crc >> 8);
	c[3] = (unsigned char)s->crc;
	up_b64(c, 4, crcb);
	memcpy(s->r->crc32c, crcb, sizeof s->r->crc32c); /* 8 base64 characters + NUL */
	s->r->bytes = s->size;
	if (compare(s, md5b, crcb, e))
		return -1;
	up_progress(s, s->size, 1);
	return 0;
}
