/* URL parsing, query lookup and redaction on arbitrary bytes: no overflow, and a redacted
 * text never still holds a value after "sig=" other than REDACTED. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url u;
	static struct url_auth a;
	static char s[URL_MAX + 16], red[URL_MAX * 2], v[256];
	const char *p;
	size_t n;

	if (size >= URL_MAX)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (!url_parse((const char *)data, size, &u, NULL)) {
		if (u.target[0] != '/' || strlen(u.host) >= URL_HOST_MAX || !u.port)
			abort();
		url_query_get(&u, "sig", v, sizeof v);
		url_query_get(&u, "X-Goog-Signature", v, 0);
		url_hostport(&u, v, sizeof v);
	}
	n = url_redact(s, red, sizeof red);
	if (n < sizeof red && strlen(red) != n)
		abort();
	for (p = red; (p = strcasestr(p, "&sig=")) != NULL; p++)
		if (strncmp(p + 5, "REDACTED", 8))
			abort();
	/* A proxy URL with credentials, and a command line as ps shows it. */
	if (!url_parse_auth((const char *)data, size, &u, &a, NULL) &&
	    (strlen(a.user) >= sizeof a.user || strlen(a.pass) >= sizeof a.pass || strlen(u.host) >= URL_HOST_MAX))
		abort();
	n = url_redact_args(s, red, sizeof red);
	if (n < sizeof red && strlen(red) != n)
		abort();
	url_redact_args(s, v, sizeof v); /* cut short: must stay terminated */
	if (strlen(v) >= sizeof v)
		abort();
	return 0;
}
