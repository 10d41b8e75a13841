/* URL parsing, query lookup, percent-decoding and signature redaction, table-driven. */
#include <stdio.h>
#include <string.h>

#include "url/url.h"
#include "t.h"

static void parse_ok(void)
{
	static const struct { const char *in, *host, *target; unsigned port; int https, v6, given; } c[] = {
		{ "https://storage.googleapis.com/b/o?X-Goog-Signature=ab", "storage.googleapis.com", "/b/o?X-Goog-Signature=ab", 443, 1, 0, 0 },
		{ "http://Example.COM:8080", "example.com", "/", 8080, 0, 0, 1 },
		{ "https://[fd00::1]:8443/x#frag", "fd00::1", "/x", 8443, 1, 1, 1 },
		{ "https://[::1]/", "::1", "/", 443, 1, 1, 0 },
		{ "HTTPS://h?q=1", "h", "/?q=1", 443, 1, 0, 0 },
		{ "https://h/a%20b?x=%2F&y", "h", "/a%20b?x=%2F&y", 443, 1, 0, 0 },
	};
	struct url u;
	struct nr_err e;
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		CHECK_INT(url_parse(c[i].in, strlen(c[i].in), &u, &e), 0);
		CHECK_STR(u.host, c[i].host);
		CHECK_STR(u.target, c[i].target);
		CHECK_INT(u.port, c[i].port);
		CHECK_INT(u.https, c[i].https);
		CHECK_INT(u.host_ip6, c[i].v6);
		CHECK_INT(u.port_given, c[i].given);
	}
	CHECK_INT(url_parse("https://h/p?q", 13, &u, &e), 0);
	CHECK_INT(u.path_len, 2);
}

static void parse_bad(void)
{
	static const char *const bad[] = {
		"ftp://h/", "https://", "https:///x", "https://u:p@h/", "https://h:0/", "https://h:65536/",
		"https://h:x/", "https://h/a b", "https://h/\n", "https://[fd00::1/", "https://[zz]/",
		"https://h_!/", "h/x", "https://h:/", "",
	};
	struct url u;
	struct nr_err e;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		nr_err_clear(&e);
		CHECK_INT(url_parse(bad[i], strlen(bad[i]), &u, &e), -1);
		CHECK_INT(e.code, NR_E_URL_BAD);
	}
}

static void query(void)
{
	const char *s = "https://h/b/o?X-Goog-Date=20260101T000000Z&X-Goog-SignedHeaders=content-type%3Bhost&empty&sig=a%2Bb";
	struct url u;
	struct nr_err e;
	char v[64], tiny[4];

	CHECK_INT(url_parse(s, strlen(s), &u, &e), 0);
	CHECK_INT(url_query_get(&u, "x-goog-signedheaders", v, sizeof v), 1);
	CHECK_STR(v, "content-type;host");
	CHECK_INT(url_query_get(&u, "sig", v, sizeof v), 1);
	CHECK_STR(v, "a+b");
	CHECK_INT(url_query_get(&u, "empty", v, sizeof v), 1);
	CHECK_STR(v, "");
	CHECK_INT(url_query_get(&u, "nope", v, sizeof v), 0);
	CHECK_INT(url_query_get(&u, "X-Goog-Date", tiny, sizeof tiny), -1);
	CHECK_INT(url_decode("%zz", 3, v, sizeof v), -1);
	CHECK_INT(url_decode("%4", 2, v, sizeof v), -1);
	CHECK_INT(url_decode("a%41", 4, v, sizeof v), 2);
	CHECK_STR(v, "aA");
	CHECK_STR(url_hostport(&u, v, sizeof v), "h");
}

static void redact(void)
{
	static const struct { const char *in, *out; } c[] = {
		{ "https://h/o?X-Goog-Signature=abc123&X-Goog-Date=1", "https://h/o?X-Goog-Signature=REDACTED&X-Goog-Date=1" },
		{ "https://h/o?a=1&x-amz-signature=ff", "https://h/o?a=1&x-amz-signature=REDACTED" },
		{ "https://a.blob.core.windows.net/c/b?sv=1&sig=s%2Bk%3D&se=2", "https://a.blob.core.windows.net/c/b?sv=1&sig=REDACTED&se=2" },
		{ "sent to https://h/x?upload_id=AEnB2U zzz", "sent to https://h/x?upload_id=REDACTED zzz" },
		{ "https://h/o?notsig=1&design=2", "https://h/o?notsig=1&design=2" },
		{ "https://h/o?Signature=x&X-Amz-Security-Token=t", "https://h/o?Signature=REDACTED&X-Amz-Security-Token=REDACTED" },
		{ "no url at all", "no url at all" },
		{ "--proxy=http://bob:s3cr%40t@10.0.0.9:3128", "--proxy=http://bob:REDACTED@10.0.0.9:3128" },
		{ "proxy http://u:p@h:1 and https://x/y?sig=z", "proxy http://u:REDACTED@h:1 and https://x/y?sig=REDACTED" },
		{ "https://h/o?access_token=ya29.x", "https://h/o?access_token=REDACTED" },
		{ "http://nopass@h/", "http://nopass@h/" },
		{ "mailto:a@b and x://a:b", "mailto:a@b and x://a:b" },
	};
	char out[256], small[12];
	size_t i, n;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		n = url_redact(c[i].in, out, sizeof out);
		CHECK_STR(out, c[i].out);
		CHECK_INT(n, strlen(c[i].out));
	}
	n = url_redact("https://h/o?sig=secretsecret", small, sizeof small);
	CHECK_INT(strlen(small), sizeof small - 1);
	CHECK(n > sizeof small);
	CHECK(!strstr(small, "secret"));
}

static void auth(void)
{
	static struct url u;
	struct url_auth a;
	struct nr_err e;
	char out[128];

	CHECK_INT(url_parse_auth("http://bob:s3cr%40t@10.0.0.9:3128", 33, &u, &a, &e), 0);
	CHECK_INT(a.given, 1);
	CHECK_STR(a.user, "bob");
	CHECK_STR(a.pass, "s3cr@t");
	CHECK_STR(u.host, "10.0.0.9");
	CHECK_INT(u.port, 3128);
	CHECK_INT(url_parse_auth("http://h:3128", 13, &u, &a, &e), 0);
	CHECK_INT(a.given, 0);
	CHECK_INT(url_parse_auth("http://u@h:1/", 13, &u, &a, &e), 0);
	CHECK_STR(a.user, "u");
	CHECK_STR(a.pass, "");
	/* A bad one says so without the password. */
	nr_err_clear(&e);
	CHECK_INT(url_parse_auth("http://u:pw%zz@h/", 17, &u, &a, &e), -1);
	CHECK(!strstr(e.ctx, "pw"));
	CHECK(url_header_secret("Authorization", 13) && url_header_secret("X-Amz-Security-Token", 20) &&
	      url_header_secret("proxy-authorization", 19) && url_header_secret("Cookie", 6) &&
	      !url_header_secret("Content-Type", 12) && !url_header_secret("x-goog-meta-node", 16));
	url_redact_header("Authorization: Bearer abc", out, sizeof out);
	CHECK_STR(out, "Authorization: REDACTED");
	url_redact_header("Content-Type: text/plain", out, sizeof out);
	CHECK_STR(out, "Content-Type: text/plain");
	url_redact_args("curl -H Authorization: Bearer abc -T f https://h/o?sig=x&sv=1", out, sizeof out);
	CHECK_STR(out, "curl -H Authorization: REDACTED -T f https://h/o?sig=REDACTED&sv=1");
	url_redact_args("nr upload f u --header=Cookie: a=b", out, sizeof out);
	CHECK_STR(out, "nr upload f u --header=Cookie: REDACTED");
	url_redact_args("x --proxy http://u:pw@h:1 y", out, sizeof out);
	CHECK_STR(out, "x --proxy http://u:REDACTED@h:1 y");
}

int main(void)
{
	RUN(parse_ok);
	RUN(auth);
	RUN(parse_bad);
	RUN(query);
	RUN(redact);
	return T_EXIT();
}
