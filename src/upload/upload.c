/* Uploads to signed URLs, the entry points: checks before sending (check.c), one PUT with
 * retries from the start (retry.c) or Cloud Storage's resumable protocol (resumable.c), each
 * request through exchange.c, hashes in hash.c, refusals named in refusal.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upload/private.h"

const char *upload_provider_name(enum upload_provider p)
{
	static const char *const names[] = { "other", "gcs", "s3", "azure" };

	return (unsigned)p < 4 ? names[p] : "other";
}

/* A message may quote a URL (a Location, a proxy): never with its signature or password. */
int up_redacted(int rc, struct nr_err *e)
{
	char red[NR_ERR_CTX];

	if (rc && e) {
		url_redact(e->ctx, red, sizeof red);
		memcpy(e->ctx, red, sizeof red);
	}
	return rc;
}

struct up *up_new(const struct upload_opts *o, struct upload_result *r, struct nr_err *e)
{
	/* ~0.5 MiB (TLS buffers, the file ring): one allocation per upload, not the stack. */
	struct up *s = calloc(1, sizeof *s);

	if (!s) {
		nr_fail(e, NR_E_NOMEM, errno, "upload", NULL);
		return NULL;
	}
	s->o = o;
	s->r = r;
	s->fd = -1;
	return s;
}

int upload_check(const char *url, const struct upload_opts *o, struct upload_result *r,
		 struct nr_err *e)
{
	struct up *s = up_new(o, r, e);
	int resumable, rc;

	if (!s)
		return -1;
	rc = up_check(s, url, &resumable, e);
	free(s);
	return up_redacted(rc, e);
}

int up_open_file(struct up *s, const char *path, struct nr_err *e)
{
	struct stat st;
	int err;

	s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (s->fd < 0)
		return nr_fail(e, NR_E_SYS, errno, "upload", "open %s", path);
	if (fstat(s->fd, &st)) {
		err = errno;
		close(s->fd);
		s->fd = -1;
		return nr_fail(e, NR_E_SYS, err, "upload", "%s", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(s->fd);
		s->fd = -1;
		return nr_fail(e, NR_E_SYS, S_ISDIR(st.st_mode) ? EISDIR : EINVAL, "upload", "%s: not a regular file", path);
	}
	s->size = (unsigned long long)st.st_size;
	return 0;
}

/* Where it stopped, and what the next run will do. */
static void interrupted(struct up *s, struct nr_err *e)
{
	unsigned long long at = s->phase == UP_PH_BODY ? s->phase_off : s->r->bytes;

	if (s->r->resumable && s->state_path[0] && s->session.host[0])
		nr_fail(e, NR_E_UPLOAD_INTERRUPTED, 0, "upload", "%s: at byte %llu of %llu (server has %llu); "
			"session kept in %s: run the same command again to resume", s->r->object, at, s->size,
			s->r->bytes, s->state_path);
	else
		nr_fail(e, NR_E_UPLOAD_INTERRUPTED, 0, "upload", "%s: at byte %llu of %llu; %s", s->r->object, at,
			s->size, s->r->resumable ? "no session kept: the next run starts over"
						 : "a single PUT cannot resume: the next run sends the whole file");
	s->r->bytes_sent = at;
}

static int run(struct up *s, const char *path, const char *url, struct nr_err *e)
{
	int resumable, rc;

	if (up_check(s, url, &resumable, e) || up_open_file(s, path, e))
		return -1;
	s->path = path;
	/* MD5 where a provider reports it (S3's ETag, Azure's Content-MD5) or it is asked for;
	 * Cloud Storage checks CRC32C, which costs nothing on the sender. */
	s->want_md5 = !s->o->no_md5 && (s->o->md5 || s->r->provider == UPLOAD_S3 ||
					 s->r->provider == UPLOAD_AZURE || s->give_md5 || s->o->content_md5);
	br_md5_init(&s->md5);
	if (resumable)
		up_state_path(s, path);
	up_progress(s, 0, 1);
	up_hasher_start(s);
	rc = resumable ? up_put_resumable(s, e) : up_put_single(s, e);
	up_hasher_stop(s);
	up_conn_drop(s);
	if (!rc)
		up_state_drop(s);
	else if (e->code == NR_E_HTTP_STOPPED)
		interrupted(s, e);
	else if (s->r->bytes_sent < s->phase_off)
		s->r->bytes_sent = s->phase_off;
	return rc;
}

int upload_file(const char *path, const char *url, const struct upload_opts *o,
		struct upload_result *r, struct nr_err *e)
{
	struct up *s = up_new(o, r, e);
	int rc;

	if (!s)
		return -1;
	rc = run(s, path, url, e);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return up_redacted(rc, e);
}

void upload_json(struct jw *w, const struct upload_result *r)
{
	jw_kuint(w, "bytes", r->bytes);
	jw_kint(w, "http_status", r->http_status);
	jw_kstr(w, "provider", upload_provider_name(r->provider));
	jw_kbool(w, "resumed", r->resumed);
	jw_kbool(w, "resumable", r->resumable);
	jw_kstr(w, "object", r->object);
	jw_kstr(w, "url", r->url);
	if (r->md5[0])
		jw_kstr(w, "md5", r->md5);
	else
		jw_knull(w, "md5");
	if (r->crc32c[0])
		jw_kstr(w, "crc32c", r->crc32c);
	else
		jw_knull(w, "crc32c");
	jw_kbool(w, "hash_checked", r->hash_checked);
	if (r->checked_by[0])
		jw_kstr(w, "checked_by", r->checked_by);
	else
		jw_knull(w, "checked_by");
	jw_kint(w, "attempts", r->attempts);
	if (r->server_code[0])
		jw_kstr(w, "server_code", r->server_code);
}
