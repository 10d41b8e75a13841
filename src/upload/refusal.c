/* A reply that is not a success, as one error a person can act on: the XML <Error> that
 * Cloud Storage, S3 and Azure all send (<Code>, <Message>), redirects (never followed: the
 * signature is for this URL only), and an expiry the URL itself states. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "upload/private.h"

int up_retryable(int status)
{
	return status == 429 || status == 408 || status >= 500;
}

int up_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Text between <tag> and </tag> in the kept body. */
static void xml_field(const char *body, const char *tag, char *out, size_t cap)
{
	char open[32], close[32];
	const char *a, *b;

	out[0] = 0;
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	a = strstr(body, open);
	if (!a)
		return;
	a += strlen(open);
	b = strstr(a, close);
	if (b && (size_t)(b - a) < cap) {
		memcpy(out, a, (size_t)(b - a));
		out[b - a] = 0;
	}
}

static int redirected(struct up *s, const char *host, struct nr_err *e)
{
	char to[URL_HOST_MAX + 200];
	struct url u;

	if (!s->resp.location[0])
		return nr_fail(e, NR_E_UPLOAD_REDIRECT, 0, "upload", "%s: HTTP %d without a Location", host, s->resp.status);
	/* The place only: its query may hold another signature (redacted anyway). */
	if (!url_parse(s->resp.location, strlen(s->resp.location), &u, NULL))
		snprintf(to, sizeof to, "%s://%s:%u%.*s%s", u.https ? "https" : "http", u.host, u.port,
			 (int)(u.path_len > 120 ? 120 : u.path_len), u.target,
			 strcmp(u.host, s->u.host) ? " (another host)" : "");
	else
		snprintf(to, sizeof to, "%.120s", s->resp.location);
	return nr_fail(e, NR_E_UPLOAD_REDIRECT, 0, "upload", "%s: HTTP %d to %s", host, s->resp.status, to);
}

/* 403 with the URL's own expiry in the past: Azure answers an expired SAS with
 * AuthenticationFailed (Azurite with AuthorizationFailure), S3 with AccessDenied. */
static int expired_by_url(const struct up *s, const char *code)
{
	return s->resp.status == 403 && s->expires && s->expires < time(NULL) &&
	       (!strcmp(code, "AuthenticationFailed") || !strcmp(code, "AuthorizationFailure") ||
		!strcmp(code, "AccessDenied") || !code[0]);
}

int up_refusal(struct up *s, const char *host, struct nr_err *e)
{
	char code[64], msg[256], tb[32];
	int st = s->resp.status, nc;

	if (up_redirect(st))
		return redirected(s, host, e);
	xml_field(s->resp.body, "Code", code, sizeof code);
	xml_field(s->resp.body, "Message", msg, sizeof msg);
	snprintf(s->r->server_code, sizeof s->r->server_code, "%s", code);
	if (expired_by_url(s, code)) {
		strftime(tb, sizeof tb, "%Y-%m-%dT%H:%M:%SZ", gmtime(&s->expires));
		return nr_fail(e, NR_E_UPLOAD_EXPIRED, 0, "upload", "%s: HTTP %d%s%s (the URL says it expired at %s%s)",
			       host, st, code[0] ? " " : "", code, tb, s->r->provider == UPLOAD_AZURE ? ", SAS se=" : "");
	}
	if (!strcmp(code, "ExpiredToken") || strcasestr(msg, "expired") || strcasestr(msg, "time frame"))
		nc = NR_E_UPLOAD_EXPIRED;
	else if (!strcmp(code, "SignatureDoesNotMatch") || !strcmp(code, "InvalidSignature") ||
		 !strcmp(code, "InvalidAccessKeyId") ||
		 (!strcmp(code, "AuthenticationFailed") && strcasestr(msg, "signature")))
		nc = NR_E_UPLOAD_SIGNATURE;
	else if (!strcmp(code, "RequestTimeTooSkewed"))
		nc = NR_E_UPLOAD_SKEW;
	else if (!strcmp(code, "BadDigest") || !strcmp(code, "InvalidDigest") || !strcmp(code, "Md5Mismatch") ||
		 !strcmp(code, "InvalidMd5"))
		nc = NR_E_UPLOAD_HASH;
	else if (!strcmp(code, "AccessDenied") || !strncmp(code, "Authorization", 13) || st == 403)
		nc = NR_E_UPLOAD_DENIED;
	else if (up_retryable(st))
		nc = NR_E_UPLOAD_RETRIES;
	else
		nc = NR_E_UPLOAD_REFUSED;
	return nr_fail(e, nc, 0, "upload", "%s: HTTP %d%s%s", host, st, code[0] ? " " : "", code);
}
