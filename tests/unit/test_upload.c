/* Upload checks done before anything is sent, CRC32C, the JSON result, TLS anchors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls/tls.h"
#include "upload/upload.h"
#include "t.h"

static void crc32c(void)
{
	const char *s = "123456789";
	static unsigned char zeros[32], big[100003];
	size_t i;
	uint32_t a, b;

	CHECK_INT(upload_crc32c(0, s, 9), 0xe3069283u);            /* RFC 3720 check value */
	CHECK_INT(upload_crc32c(0, zeros, 32), 0x8a9136aau);       /* RFC 3720 B.4 */
	CHECK_INT(upload_crc32c(upload_crc32c(0, s, 4), s + 4, 5), 0xe3069283u);
	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 7 + 3);
	a = upload_crc32c(0, big, sizeof big);
	b = upload_crc32c(upload_crc32c(upload_crc32c(0, big, 1), big + 1, 50000), big + 50001, sizeof big - 50001);
	CHECK_INT(a, b);
	/* The table fallback (CPUs without a CRC instruction) agrees with the instruction path. */
	CHECK_INT(upload_crc32c_table(0, s, 9), 0xe3069283u);
	CHECK_INT(upload_crc32c_table(0, zeros, 32), 0x8a9136aau);
	CHECK_INT(upload_crc32c_table(0, big, sizeof big), a);
	CHECK_INT(upload_crc32c_table(upload_crc32c_table(0, big, 7), big + 7, sizeof big - 7), a);
	CHECK(!strcmp(upload_crc32c_impl(), "table") || !strcmp(upload_crc32c_impl(), "sse4.2") ||
	      !strcmp(upload_crc32c_impl(), "armv8-crc"));
}

static void hex(const unsigned char *d, char *out)
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void md5(void)
{
	static const struct { const char *in, *out; } v[] = { /* RFC 1321 A.5 */
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	static unsigned char big[70000];
	unsigned char d[16], d2[16];
	char h[33];
	br_md5_context m, b;
	size_t i, k;

	/* BearSSL's br_md5 is the one MD5 (RFC 1321 A.5 vectors); any split gives one answer. */
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		br_md5_init(&m);
		br_md5_update(&m, v[i].in, strlen(v[i].in));
		br_md5_out(&m, d);
		hex(d, h);
		CHECK_STR(h, v[i].out);
	}
	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 31 + (i >> 8));
	for (k = 1; k < 200; k += 37) {
		br_md5_init(&m);
		for (i = 0; i < sizeof big; i += k)
			br_md5_update(&m, big + i, sizeof big - i < k ? sizeof big - i : k);
		br_md5_out(&m, d);
		br_md5_init(&b);
		br_md5_update(&b, big, sizeof big);
		br_md5_out(&b, d2);
		CHECK(!memcmp(d, d2, 16));
	}
}

static int check(const char *url, const char *const *hdrs, int n, struct upload_result *r, struct nr_err *e)
{
	static struct upload_opts o;
	int i;

	memset(&o, 0, sizeof o);
	for (i = 0; i < n; i++)
		o.headers[i] = hdrs[i];
	o.nheaders = n;
	o.proxy = "none";
	nr_err_clear(e);
	return upload_check(url, &o, r, e);
}

static void providers(void)
{
	static struct upload_result r;
	struct nr_err e;

	CHECK_INT(check("https://storage.googleapis.com/b/o?X-Goog-Signature=aa", NULL, 0, &r, &e), 0);
	CHECK_INT(r.provider, UPLOAD_GCS);
	CHECK_STR(r.object, "b/o");
	CHECK_STR(r.url, "https://storage.googleapis.com/b/o?X-Goog-Signature=REDACTED");
	CHECK_INT(check("https://s3.amazonaws.com/b/k%20x?X-Amz-Signature=aa", NULL, 0, &r, &e), 0);
	CHECK_INT(r.provider, UPLOAD_S3);
	CHECK_STR(r.object, "b/k x");
	CHECK_INT(check("https://a.blob.core.windows.net/c/b?sv=2022&sig=x", NULL, 0, &r, &e), 0);
	CHECK_INT(r.provider, UPLOAD_AZURE);
	CHECK_INT(check("https://a.blob.core.windows.net/c/b?sig=x", NULL, 0, &r, &e), 0);
	CHECK_INT(r.provider, UPLOAD_OTHER);
	CHECK_STR(upload_provider_name(UPLOAD_AZURE), "azure");
}

static void signed_headers(void)
{
	static struct upload_result r;
	const char *u = "https://storage.googleapis.com/b/o?X-Goog-SignedHeaders=content-type%3Bhost%3Bx-goog-resumable"
			"&X-Goog-Signature=aa";
	const char *ct[] = { "Content-Type: application/octet-stream" };
	const char *md5u = "https://s3.amazonaws.com/b/o?X-Amz-SignedHeaders=content-md5%3Bhost&X-Amz-Signature=a";
	struct nr_err e;

	CHECK_INT(check(u, NULL, 0, &r, &e), -1);
	CHECK_INT(e.code, NR_E_UPLOAD_MISSING_HEADER);
	CHECK_STR(e.ctx, "content-type");
	CHECK_INT(check(u, ct, 1, &r, &e), 0);
	CHECK_INT(r.resumable, 1);
	/* Content-MD5 is netrescue's to compute. */
	CHECK_INT(check(md5u, NULL, 0, &r, &e), 0);
}

static void bad_options(void)
{
	static struct upload_result r;
	const char *u = "https://h/o";
	const char *h1[] = { "nocolon" }, *h2[] = { "Host: evil" }, *h3[] = { "Bad Name: v" };
	struct nr_err e;

	CHECK_INT(check(u, h1, 1, &r, &e), -1);
	CHECK_INT(e.code, NR_E_UPLOAD_OPTION);
	CHECK_INT(check(u, h2, 1, &r, &e), -1);
	CHECK_INT(check(u, h3, 1, &r, &e), -1);
	CHECK_INT(check("ftp://h/o", NULL, 0, &r, &e), -1);
	CHECK_INT(e.code, NR_E_URL_BAD);
	/* Clear text only when asked for. */
	CHECK_INT(check("http://h/o?X-Goog-Signature=aa", NULL, 0, &r, &e), -1);
	CHECK_INT(e.code, NR_E_UPLOAD_INSECURE);
	CHECK(!strstr(e.ctx, "aa"));
}

static void proxies(void)
{
	static struct upload_opts o;
	static struct upload_result r;
	struct nr_err e;

	memset(&o, 0, sizeof o);
	o.proxy = "http://bob:hunter2@10.0.0.9:3128";
	nr_err_clear(&e);
	CHECK_INT(upload_check("https://h/o?sig=x&sv=1", &o, &r, &e), 0);
	o.proxy = "https://bob:hunter2@10.0.0.9:3128";
	CHECK_INT(upload_check("https://h/o?sig=x&sv=1", &o, &r, &e), -1);
	CHECK_INT(e.code, NR_E_UPLOAD_OPTION);
	CHECK(!strstr(e.ctx, "hunter2"));
	o.proxy = "http://bob:hun%zzter2@10.0.0.9:3128";
	CHECK_INT(upload_check("https://h/o?sig=x&sv=1", &o, &r, &e), -1);
	CHECK(!strstr(e.ctx, "hun"));
	/* ALL_PROXY after the scheme's own variable; NO_PROXY wins over both. */
	o.proxy = NULL;
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	setenv("ALL_PROXY", "http://u:p@[::1", 1);
	unsetenv("NO_PROXY");
	unsetenv("no_proxy");
	CHECK_INT(upload_check("https://h/o", &o, &r, &e), -1); /* the bad ALL_PROXY was read */
	setenv("NO_PROXY", "h", 1);
	CHECK_INT(upload_check("https://h/o", &o, &r, &e), 0);
	unsetenv("NO_PROXY");
	unsetenv("ALL_PROXY");
}

static void json(void)
{
	static struct upload_result r;
	static char out[4096];
	FILE *f = fmemopen(out, sizeof out, "w");
	struct jw w;

	memset(&r, 0, sizeof r);
	r.bytes = 5;
	r.http_status = 200;
	r.provider = UPLOAD_GCS;
	strcpy(r.md5, "0123456789abcdef0123456789abcdef");
	jw_init(&w, f);
	jw_begin_doc(&w, "upload");
	upload_json(&w, &r);
	CHECK_INT(jw_end(&w), 0);
	fclose(f);
	CHECK(strstr(out, "\"bytes\": 5") || strstr(out, "\"bytes\":5"));
	CHECK(strstr(out, "\"provider\": \"gcs\"") || strstr(out, "\"provider\":\"gcs\""));
	CHECK(strstr(out, "\"resumed\": false") || strstr(out, "\"resumed\":false"));
	CHECK(strstr(out, "\"crc32c\": null") || strstr(out, "\"crc32c\":null"));
}

static void anchors(void)
{
	static struct tls_anchors a;
	struct nr_err e;
	char path[64];
	FILE *f;

	snprintf(path, sizeof path, "/tmp/nr_test_upload_%d.pem", (int)getpid());
	CHECK_INT(tls_anchors_init(&a, NULL, &e), 0);
	CHECK(a.n > 100);
	/* A PEM file without a certificate is refused with a clear code. */
	f = fopen(path, "w");
	fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", f);
	fclose(f);
	nr_err_clear(&e);
	CHECK_INT(tls_anchors_init(&a, path, &e), -1);
	CHECK_INT(e.code, NR_E_TLS_CAFILE);
	remove(path);
	/* The system bundle: every root parses. */
	CHECK_INT(tls_anchors_init(&a, "/etc/ssl/certs/ca-certificates.crt", &e), 0);
	CHECK(a.nextra == 32); /* TLS_EXTRA_MAX: the rest are ignored, not an error */
	CHECK(!tls_name_ok("10.0.0.1") && !tls_name_ok("::1") && tls_name_ok("storage.googleapis.com"));
}

int main(void)
{
	RUN(crc32c);
	RUN(md5);
	RUN(providers);
	RUN(signed_headers);
	RUN(bad_options);
	RUN(proxies);
	RUN(json);
	RUN(anchors);
	return T_EXIT();
}
