/* POST policies: the JSON {"url": ..., "fields": {...}} that Cloud Storage's
 * generateSignedPostPolicyV4 and S3's createPresignedPost return, read into a caller-owned
 * struct, and the policy document inside it (base64 JSON: conditions and expiration) read for
 * what can be checked before sending: the expiry, the object-name conditions, the size range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/jsontok.h"
#include "upload/upload.h"

/* POLICY_TOKENS: a policy has ~8 fields and ~10 conditions; room for a few times that. */
#define POLICY_TOKENS 256

static int bad(struct nr_err *e, const char *what)
{
	return nr_fail(e, NR_E_UPLOAD_POLICY, 0, "upload", "%s", what);
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 (padding optional) into out; returns the length or -1. */
static long b64dec(const char *in, char *out, size_t cap)
{
	unsigned long acc = 0;
	size_t o = 0;
	int bits = 0, v;

	for (; *in && *in != '='; in++) {
		if ((v = b64val((unsigned char)*in)) < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = 0;
	return (long)o;
}

/* "2026-12-06T04:00:00Z" (and with .sss) as Unix time; 0 when unreadable. */
static time_t iso_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return timegm(&tm);
}

/* One condition: {"key": "x"} / {"bucket": ..} or ["starts-with", "$key", "p"],
 * ["eq", "$key", "x"], ["content-length-range", min, max]. */
static void condition(const char *js, const struct jt_tok *t, int n, int i, struct upload_policy *pp)
{
	char a[64], b[64];
	int k;

	if (t[i].type == JT_OBJECT && t[i].size == 1 && jt_eq(js, t, i + 1, "key")) {
		if (jt_str(js, t, i + 2, pp->key_exact, sizeof pp->key_exact) >= 0)
			pp->has_exact = 1;
		return;
	}
	if (t[i].type != JT_ARRAY || t[i].size != 3 || jt_str(js, t, i + 1, a, sizeof a) < 0)
		return;
	if (!strcmp(a, "content-length-range")) {
		k = jt_skip(t, n, i + 2);
		if (t[i + 2].type == JT_PRIMITIVE && k < n && t[k].type == JT_PRIMITIVE) {
			pp->size_min = strtoull(js + t[i + 2].start, NULL, 10);
			pp->size_max = strtoull(js + t[k].start, NULL, 10);
			pp->has_range = 1;
		}
		return;
	}
	if (jt_str(js, t, i + 2, b, sizeof b) < 0 || strcasecmp(b, "$key"))
		return;
	if (!strcmp(a, "starts-with") && jt_str(js, t, i + 3, pp->key_prefix, sizeof pp->key_prefix) >= 0)
		pp->has_prefix = 1;
	else if (!strcmp(a, "eq") && jt_str(js, t, i + 3, pp->key_exact, sizeof pp->key_exact) >= 0)
		pp->has_exact = 1;
}

/* The policy document: what can be checked here. Unreadable is not an error (the server is the
 * judge); it only means nothing is checked before sending. */
static void document(const char *b64, struct upload_policy *pp)
{
	struct jt_tok t[POLICY_TOKENS]; /* 8 KiB */
	char *js = malloc(UPLOAD_POLICY_VALUE_MAX);
	long len;
	int n, c, i, m;

	if (!js)
		return;
	len = b64dec(b64, js, UPLOAD_POLICY_VALUE_MAX);
	n = len > 0 ? jt_parse(js, (size_t)len, t, POLICY_TOKENS) : -1;
	if (n > 0 && t[0].type == JT_OBJECT) {
		char exp[64];

		pp->document_read = 1;
		i = jt_get(js, t, n, 0, "expiration");
		if (i >= 0 && jt_str(js, t, i, exp, sizeof exp) > 0)
			pp->expires = iso_time(exp);
		c = jt_get(js, t, n, 0, "conditions");
		if (c >= 0 && t[c].type == JT_ARRAY)
			for (i = c + 1, m = 0; m < t[c].size && i < n; m++, i = jt_skip(t, n, i))
				condition(js, t, n, i, pp);
	}
	free(js);
}

int upload_policy_parse(const char *json, size_t len, struct upload_policy *pp, struct nr_err *e)
{
	struct jt_tok t[POLICY_TOKENS]; /* 8 KiB */
	int n, f, i, m;

	memset(pp, 0, sizeof *pp);
	n = jt_parse(json, len, t, POLICY_TOKENS);
	if (n <= 0 || t[0].type != JT_OBJECT)
		return bad(e, n == -2 ? "too many fields" : "not a JSON object");
	i = jt_get(json, t, n, 0, "url");
	if (i < 0 || jt_str(json, t, i, pp->url, sizeof pp->url) <= 0)
		return bad(e, "no \"url\" string");
	f = jt_get(json, t, n, 0, "fields");
	if (f < 0 || t[f].type != JT_OBJECT)
		return bad(e, "no \"fields\" object");
	for (i = f + 1, m = 0; m < t[f].size; m++, i = jt_skip(t, n, i + 1)) {
		struct upload_policy_field *pf = &pp->f[pp->nfields];

		if (pp->nfields >= UPLOAD_POLICY_FIELDS)
			return bad(e, "too many fields");
		if (jt_str(json, t, i, pf->name, sizeof pf->name) <= 0 ||
		    jt_str(json, t, i + 1, pf->value, sizeof pf->value) < 0)
			return bad(e, "a field is not a short string (name and value)");
		/* A name with quotes or line breaks would break the form's part headers. */
		if (strpbrk(pf->name, "\"\r\n") || strpbrk(pf->value, "\r\n"))
			return bad(e, "a field name or value holds quotes or line breaks");
		pp->nfields++;
		if (!strcasecmp(pf->name, "policy"))
			document(pf->value, pp);
	}
	return 0;
}

const char *upload_policy_field(const struct upload_policy *pp, const char *name)
{
	int i;

	for (i = 0; i < pp->nfields; i++)
		if (!strcasecmp(pp->f[i].name, name))
			return pp->f[i].value;
	return NULL;
}
