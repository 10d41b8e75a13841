/* A POST-policy upload: one credential for a whole fleet. The form (RFC 7578) is the policy's
 * fields in their order, then the file; each node names its own object from a template. What
 * the policy document says is checked before sending (expiry as a warning, the object-name
 * conditions and the size range as errors), the rest is the server's to judge. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "upload/private.h"

/* POST_PRE_MAX: every field's part header and value, then the file's part header. */
#define POST_PRE_MAX (UPLOAD_POLICY_FIELDS * (UPLOAD_POLICY_VALUE_MAX + 256) + 2 * UPLOAD_OBJECT_MAX)

/* A node name as it may stand in an object name: [A-Za-z0-9._-], the rest '_'. */
static void node_name(const struct upload_post_opts *po, char *out, size_t cap)
{
	const char *n = po && po->node && *po->node ? po->node : getenv("NODE_NAME");
	struct utsname u;
	size_t i;

	if (!n || !*n)
		n = uname(&u) ? "node" : u.nodename;
	for (i = 0; n[i] && i + 1 < cap; i++)
		out[i] = (char)(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", n[i])
				&& n[i] ? n[i] : '_');
	out[i] = 0;
}

/* The template with {node}, {time} and {file} filled in; -1 when it does not fit. */
static int expand(const char *tpl, const char *node, const char *path, time_t when, char *out, size_t cap)
{
	char stamp[32];
	const char *file = strrchr(path, '/'), *v;
	time_t now = when ? when : time(NULL);
	struct tm tm;
	size_t o = 0, n;

	file = file ? file + 1 : path;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	while (*tpl) {
		v = NULL;
		if (!strncmp(tpl, "{node}", 6))
			v = node, n = 6;
		else if (!strncmp(tpl, "{time}", 6))
			v = stamp, n = 6;
		else if (!strncmp(tpl, "{file}", 6))
			v = file, n = 6;
		if (v) {
			if (o + strlen(v) >= cap)
				return -1;
			memcpy(out + o, v, strlen(v));
			o += strlen(v);
			tpl += n;
			continue;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = *tpl++;
	}
	out[o] = 0;
	return 0;
}

struct form {
	char key[UPLOAD_OBJECT_MAX];      /* the key field sent */
	char filename[UPLOAD_OBJECT_MAX]; /* the file part's name */
	char object[UPLOAD_OBJECT_MAX];   /* what the server will call it */
};

/* The key, the file part's name and the object name, from the policy and the template. */
static int name_object(const struct upload_policy *pp, const struct upload_post_opts *po,
		       const char *path, struct form *f, struct nr_err *e)
{
	const char *key = upload_policy_field(pp, "key"), *dollar;
	const char *tpl = po && po->object ? po->object : "{node}/{time}-{file}";
	char node[128], name[UPLOAD_OBJECT_MAX];

	node_name(po, node, sizeof node);
	if (expand(tpl, node, path, po ? po->when : 0, name, sizeof name))
		return nr_fail(e, NR_E_UPLOAD_POLICY, 0, "upload", "--object: the name is too long");
	snprintf(f->filename, sizeof f->filename, "%s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	if (key && (dollar = strstr(key, "${filename}"))) {
		/* The server puts the file part's name in place of ${filename}. */
		snprintf(f->key, sizeof f->key, "%s", key);
		snprintf(f->filename, sizeof f->filename, "%s", name);
		if ((size_t)snprintf(f->object, sizeof f->object, "%.*s%s%s", (int)(dollar - key), key, name,
				     dollar + 11) >= sizeof f->object)
			return nr_fail(e, NR_E_UPLOAD_POLICY, 0, "upload", "--object: the name is too long");
		return 0;
	}
	if (pp->has_exact && !pp->has_prefix) {
		if (po && po->object && strcmp(name, pp->key_exact))
			return nr_fail(e, NR_E_UPLOAD_POLICY, 0, "upload", "the policy fixes the object name to '%s' "
				       "(make it for 'PREFIX/${filename}' so that every node names its own)", pp->key_exact);
		snprintf(f->key, sizeof f->key, "%s", pp->key_exact);
	} else if (pp->has_prefix && strncmp(name, pp->key_prefix, strlen(pp->key_prefix))) {
		if ((size_t)snprintf(f->key, sizeof f->key, "%s%s", pp->key_prefix, name) >= sizeof f->key)
			return nr_fail(e, NR_E_UPLOAD_POLICY, 0, "upload", "--object: the name is too long");
	} else {
		snprintf(f->key, sizeof f->key, "%s", pp->has_prefix || !key ? name : key);
	}
	if (pp->has_exact && strcmp(f->key, pp->key_exact))
		return nr_fail(e, NR_E_UPLOAD_POLICY, 0, "upload", "the policy allows only the object '%s', not '%s'",
			       pp->key_exact, f->key);
	snprintf(f->object, sizeof f->object, "%s", f->key);
	return 0;
}

static int put(char *buf, size_t cap, size_t *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int put(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= cap - *n)
		return -1;
	*n += (size_t)r;
	return 0;
}

/* The form around the file: every field (the key replaced), then the file part's head; after
 * the file, the closing boundary. */
static int make_form(const struct upload_policy *pp, const struct form *f, const char *boundary,
		     char *pre, size_t cap, size_t *npre, char *post, size_t pcap, size_t *npost)
{
	const char *ctype = upload_policy_field(pp, "Content-Type");
	int i, have_key = 0;

	*npre = 0;
	for (i = 0; i < pp->nfields; i++) {
		const char *v = pp->f[i].value;

		if (!strcasecmp(pp->f[i].name, "key")) {
			v = f->key;
			have_key = 1;
		}
		if (put(pre, cap, npre, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
			boundary, pp->f[i].name, v))
			return -1;
	}
	if (!have_key && put(pre, cap, npre, "--%s\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n%s\r\n",
			     boundary, f->key))
		return -1;
	/* The file goes last: Cloud Storage and S3 ignore fields after it. */
	if (put(pre, cap, npre, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
		"Content-Type: %s\r\n\r\n", boundary, f->filename, ctype ? ctype : "application/octet-stream"))
		return -1;
	*npost = 0;
	return put(post, pcap, npost, "\r\n--%s--\r\n", boundary);
}

/* Checks the policy allows this file, warns when it has expired, names the provider. */
static int precheck(struct up *s, const struct upload_policy *pp, const struct form *f, struct nr_err *e)
{
	time_t now = time(NULL);

	if (pp->has_range && (s->size < pp->size_min || s->size > pp->size_max))
		return nr_fail(e, NR_E_UPLOAD_POLICY, 0, "upload", "the file is %llu bytes; the policy's "
			       "content-length-range allows %llu to %llu", s->size, pp->size_min, pp->size_max);
	if (pp->expires && pp->expires < now)
		up_warnf(s, "the POST policy expired %lld s ago (at %lld): the server will refuse it unless the "
			 "node clock is wrong", (long long)(now - pp->expires), (long long)pp->expires);
	if (!pp->document_read)
		up_warnf(s, "the policy document could not be read: its conditions are the server's to check");
	if (upload_policy_field(pp, "x-goog-signature"))
		s->r->provider = UPLOAD_GCS;
	else if (upload_policy_field(pp, "X-Amz-Signature"))
		s->r->provider = UPLOAD_S3;
	snprintf(s->r->object, sizeof s->r->object, "%s", f->object);
	return 0;
}

static int run(struct up *s, const char *path, const struct upload_policy *pp,
	       const struct upload_post_opts *po, struct nr_err *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[12];
	char boundary[48], ctype[96], post[64];
	struct form f;
	char *pre;
	size_t npre, npost, i;
	int resumable, rc;

	if (up_check(s, pp->url, &resumable, e) || up_open_file(s, path, e) || name_object(pp, po, path, &f, e) ||
	    precheck(s, pp, &f, e))
		return -1;
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return nr_fail(e, NR_E_SYS, errno, "upload", "getrandom");
	memcpy(boundary, "netrescue-", 10);
	for (i = 0; i < sizeof rnd; i++) {
		boundary[10 + 2 * i] = hex[rnd[i] >> 4];
		boundary[11 + 2 * i] = hex[rnd[i] & 15];
	}
	boundary[10 + 2 * sizeof rnd] = 0;
	pre = malloc(POST_PRE_MAX);
	if (!pre)
		return nr_fail(e, NR_E_NOMEM, errno, "upload", NULL);
	if (make_form(pp, &f, boundary, pre, POST_PRE_MAX, &npre, post, sizeof post, &npost)) {
		free(pre);
		return nr_fail(e, NR_E_TOOBIG, 0, "upload", "the form");
	}
	snprintf(ctype, sizeof ctype, "multipart/form-data; boundary=%s", boundary);
	s->form_pre = pre;
	s->form_npre = npre;
	s->form_post = post;
	s->form_npost = npost;
	s->content_type = ctype;
	s->path = path;
	s->want_md5 = !s->o->no_md5 && (s->o->md5 || s->r->provider == UPLOAD_S3);
	br_md5_init(&s->md5);
	up_progress(s, 0, 1);
	up_hasher_start(s);
	rc = up_send_whole(s, "POST", 0, e);
	up_hasher_stop(s);
	up_conn_drop(s);
	s->form_pre = s->form_post = s->content_type = NULL;
	free(pre);
	return rc;
}

int upload_post(const char *path, const struct upload_policy *pp, const struct upload_post_opts *po,
		const struct upload_opts *o, struct upload_result *r, struct nr_err *e)
{
	struct up *s = up_new(o, r, e);
	int rc;

	if (!s)
		return -1;
	rc = run(s, path, pp, po, e);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return up_redacted(rc, e);
}
