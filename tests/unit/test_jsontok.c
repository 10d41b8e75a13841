/* The JSON tokenizer (strict RFC 8259, bounded) and the POST-policy reader built on it. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "base/jsontok.h"
#include "upload/upload.h"

static int parse(const char *s, struct jt_tok *t, int cap)
{
	return jt_parse(s, strlen(s), t, cap);
}

static void tokenizes(void)
{
	struct jt_tok t[32];
	const char *js = " {\"a\": [1, -2.5e3, true, null], \"b\": {\"c\": \"x\\u00e9\\ud83d\\ude00\\n\"}} ";
	char out[64];
	int n = parse(js, t, 32), b, c;

	CHECK_INT(n, 11);
	CHECK_INT(t[0].type, JT_OBJECT);
	CHECK_INT(t[0].size, 2);
	CHECK_INT(t[2].type, JT_ARRAY);
	CHECK_INT(t[2].size, 4);
	b = jt_get(js, t, n, 0, "b");
	CHECK(b > 0 && t[b].type == JT_OBJECT && t[b].size == 1);
	c = jt_get(js, t, n, b, "c");
	CHECK(c > 0 && jt_str(js, t, c, out, sizeof out) == 8);
	CHECK_STR(out, "x\xc3\xa9\xf0\x9f\x98\x80\n");
	CHECK_INT(jt_get(js, t, n, 0, "nope"), -1);
	CHECK_INT(jt_skip(t, n, 2), 7);
}

static void refuses(void)
{
	static const char *const bad[] = { "", "{", "{\"a\"}", "{\"a\":}", "[1,]", "01", "1.", "-", "\"\\x\"",
		"\"a\nb\"", "{\"a\":1 \"b\":2}", "tru", "[1] 2", "{\"a\":1,}", "\"\\u12\"", "{1:2}", "nul l" };
	struct jt_tok t[16];
	char deep[80];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i], t, 16) >= 0)
			printf("# accepted: %s\n", bad[i]);
		CHECK(parse(bad[i], t, 16) < 0);
	}
	memset(deep, '[', 40);
	memset(deep + 40, ']', 40);
	CHECK_INT(jt_parse(deep, 80, t, 16), -2);       /* more tokens than room */
	CHECK_INT(parse("[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]", t, 16), -2);
	{
		struct jt_tok big[64];

		CHECK_INT(jt_parse(deep, 80, big, 64), -3); /* deeper than JT_DEPTH_MAX */
	}
	/* A NUL escaped into a string is refused when unescaping. */
	CHECK_INT(parse("\"a\\u0000b\"", t, 16), 1);
	{
		char out[8];

		CHECK_INT(jt_str("\"a\\u0000b\"", t, 0, out, sizeof out), -1);
	}
}

static void policy(void)
{
	/* {"conditions":[{"bucket":"b"},["starts-with","$key","bundles/"],{"key":"bundles/${filename}"},
	 *  ["content-length-range",0,1000]],"expiration":"2026-12-06T04:00:00Z"} */
	const char *doc = "{\"conditions\":[{\"bucket\":\"b\"},[\"starts-with\",\"$key\",\"bundles/\"],"
			  "{\"key\":\"bundles/${filename}\"},[\"content-length-range\",0,1000]],"
			  "\"expiration\":\"2026-12-06T04:00:00Z\"}";
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char js[2048], enc[1024];
	size_t i, o = 0, n = strlen(doc);
	struct upload_policy *pp = malloc(sizeof *pp);
	struct nr_err e;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)doc[i] << 16 | (i + 1 < n ? (unsigned char)doc[i + 1] << 8 : 0) |
			     (i + 2 < n ? (unsigned char)doc[i + 2] : 0);

		enc[o++] = b64[v >> 18];
		enc[o++] = b64[(v >> 12) & 63];
		enc[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		enc[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	enc[o] = 0;
	snprintf(js, sizeof js, "{\"url\":\"https://storage.googleapis.com/b/\",\"fields\":{\"key\":\"bundles/${filename}\","
		 "\"policy\":\"%s\",\"x-goog-signature\":\"abc\"}}", enc);
	CHECK(pp != NULL);
	CHECK_INT(upload_policy_parse(js, strlen(js), pp, &e), 0);
	CHECK_STR(pp->url, "https://storage.googleapis.com/b/");
	CHECK_INT(pp->nfields, 3);
	CHECK_STR(upload_policy_field(pp, "X-Goog-Signature"), "abc");
	CHECK(pp->document_read && pp->has_prefix && pp->has_exact && pp->has_range);
	CHECK_STR(pp->key_prefix, "bundles/");
	CHECK_STR(pp->key_exact, "bundles/${filename}");
	CHECK_INT(pp->size_max, 1000);
	CHECK_INT(pp->expires, 1796529600);
	CHECK_INT(upload_policy_parse("{\"url\":\"x\"}", 11, pp, &e), -1);
	CHECK_INT(e.code, NR_E_UPLOAD_POLICY);
	CHECK_INT(upload_policy_parse("{\"url\":\"x\",\"fields\":{\"a\":1}}", 28, pp, &e), -1);
	free(pp);
}

int main(void)
{
	RUN(tokenizes);
	RUN(refuses);
	RUN(policy);
	return T_EXIT();
}
