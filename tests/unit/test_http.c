/* The HTTP response parser on recorded replies (Cloud Storage, S3, nginx shapes), fed whole,
 * 1 byte and 100 bytes at a time; request heads; NO_PROXY. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "t.h"

static struct http_resp r;

/* Feeds s in pieces of step bytes (0: whole); returns 0 when complete, -1 on error,
 * 1 when more was expected. *used gets the bytes consumed. */
static int feed(const char *s, size_t n, size_t step, int no_body, size_t *used)
{
	struct nr_err e;
	size_t i = 0, k;
	long c;

	http_resp_init(&r, no_body);
	*used = 0;
	while (i < n && r.state != HTTP_DONE) {
		k = step && n - i > step ? step : n - i;
		c = http_resp_feed(&r, s + i, k, &e);
		if (c < 0)
			return -1;
		i += (size_t)c;
	}
	*used = i;
	return r.state == HTTP_DONE ? 0 : 1;
}

static const char gcs_308[] =
	"HTTP/1.1 308 Resume Incomplete\r\nX-GUploader-UploadID: ADPycdt\r\nRange: bytes=0-262143\r\n"
	"Content-Length: 0\r\nDate: Wed, 25 Nov 2026 13:00:00 GMT\r\n\r\nEXTRA";
static const char gcs_200[] =
	"HTTP/1.1 200 OK\r\nx-goog-hash: crc32c=n03x6A==\r\nx-goog-hash: md5=Ojk9c3dhfxgoKVVHYwFbHQ==\r\n"
	"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	"5\r\n{\"a\":\r\n3;ext=1\r\n1}\n\r\n0\r\nX-Trailer: t\r\n\r\n";
static const char s3_403[] =
	"HTTP/1.1 100 Continue\r\n\r\n"
	"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nConnection: close\r\nContent-Length: 115\r\n\r\n"
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
static const char nginx_close[] = "HTTP/1.0 201 Created\r\nServer: nginx\r\n\r\nbody until close";

static void recorded(void)
{
	static const size_t steps[] = { 0, 1, 100 };
	size_t i, used;

	for (i = 0; i < 3; i++) {
		CHECK_INT(feed(gcs_308, sizeof gcs_308 - 1, steps[i], 0, &used), 0);
		CHECK_INT(r.status, 308);
		CHECK_INT(r.has_range, 1);
		CHECK_INT(r.range_end, 262143);
		CHECK_INT(used, sizeof gcs_308 - 1 - 5);

		CHECK_INT(feed(gcs_200, sizeof gcs_200 - 1, steps[i], 0, &used), 0);
		CHECK_INT(r.status, 200);
		CHECK_STR(r.goog_hash, "crc32c=n03x6A==,md5=Ojk9c3dhfxgoKVVHYwFbHQ==");
		CHECK_STR(r.body, "{\"a\":1}\n");
		CHECK_INT(used, sizeof gcs_200 - 1);

		CHECK_INT(feed(s3_403, sizeof s3_403 - 1, steps[i], 0, &used), 0);
		CHECK_INT(r.status, 403);
		CHECK_INT(r.interim, 1);
		CHECK_INT(r.close, 1);
		CHECK(strstr(r.body, "<Code>AccessDenied</Code>") != NULL);

		CHECK_INT(feed(nginx_close, sizeof nginx_close - 1, steps[i], 0, &used), 1);
		CHECK_INT(http_resp_eof(&r, NULL), 0);
		CHECK_STR(r.body, "body until close");
		CHECK_INT(r.close, 1);
	}
}

static void connect_reply(void)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	size_t used;

	CHECK_INT(feed(ok, sizeof ok - 1, 1, 1, &used), 0);
	CHECK_INT(r.status, 200);
}

static void malformed(void)
{
	static const char *const bad[] = {
		"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "ICY 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
	};
	size_t i, used;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_INT(feed(bad[i], strlen(bad[i]), 1, 0, &used), -1);
}

static void cut(void)
{
	static const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
	size_t used;
	struct nr_err e;

	CHECK_INT(feed(part, sizeof part - 1, 0, 0, &used), 1);
	nr_err_clear(&e);
	CHECK_INT(http_resp_eof(&r, &e), -1);
	CHECK_INT(e.code, NR_E_HTTP_CLOSED);
}

static void long_line(void)
{
	static char big[HTTP_LINE_MAX + 64];
	size_t used;

	memset(big, 'a', sizeof big);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	CHECK_INT(feed(big, sizeof big, 0, 0, &used), -1);
}

static void request_head(void)
{
	struct http_hdr h[] = { { "Content-Length", "5" }, { "x-goog-resumable", "start" } };
	struct http_hdr inj[] = { { "X", "a\r\nEvil: 1" } };
	char buf[256];
	struct nr_err e;
	long n = http_req_head(buf, sizeof buf, "PUT", "/b/o?x=1", "h:8443", h, 2, &e);

	CHECK(n > 0);
	CHECK_STR(buf, "PUT /b/o?x=1 HTTP/1.1\r\nHost: h:8443\r\nContent-Length: 5\r\nx-goog-resumable: start\r\n\r\n");
	CHECK_INT(http_req_head(buf, sizeof buf, "PUT", "/", "h", inj, 1, &e), -1);
	CHECK_INT(http_req_head(buf, 20, "PUT", "/", "h", h, 2, &e), -1);
	CHECK_INT(e.code, NR_E_TOOBIG);
}

static void no_proxy(void)
{
	CHECK(http_no_proxy("*", "x.y"));
	CHECK(http_no_proxy("localhost, .googleapis.com", "storage.googleapis.com"));
	CHECK(http_no_proxy("googleapis.com", "storage.googleapis.com"));
	CHECK(http_no_proxy("googleapis.com", "googleapis.com"));
	CHECK(!http_no_proxy("apis.com", "storage.googleapis.com"));
	CHECK(!http_no_proxy("", "h"));
	CHECK(!http_no_proxy(NULL, "h"));
}

int main(void)
{
	RUN(recorded);
	RUN(connect_reply);
	RUN(malformed);
	RUN(cut);
	RUN(long_line);
	RUN(request_head);
	RUN(no_proxy);
	return T_EXIT();
}
