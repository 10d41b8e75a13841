/* HTTP/1: tcpdump names it on its ports and shows the request or status line. */
#include <string.h>

#include "capture/print.h"


int pr_http_port(unsigned p)
{
	return p == 80 || p == 8080 || p == 3128 || p == 8000;
}

void pr_http(struct out *o, const unsigned char *p, size_t n)
{
	static const char *const starts[] = {
		"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "HTTP/1.",
	};
	size_t i, l;

	outf(o, ": HTTP");
	for (i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		l = strlen(starts[i]);
		if (n >= l && !memcmp(p, starts[i], l))
			break;
	}
	if (i == sizeof starts / sizeof starts[0])
		return;
	for (l = 0; l < n && p[l] != '\r' && p[l] != '\n'; l++)
		;
	outf(o, ": ");
	for (i = 0; i < l; i++)
		outf(o, p[i] >= 0x20 && p[i] < 0x7f ? "%c" : "\\x%02x", p[i]);
}

