#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/parse.h"

int parse_ip(const char *s, struct nr_addr *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

const char *addr_str(const struct nr_addr *a, char *buf, size_t cap)
{
	if (!inet_ntop(a->family, a->a, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
	return buf;
}

const char *addr_port_str(const struct nr_addr *a, unsigned port, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	addr_str(a, ip, sizeof ip);
	if (a->family == AF_INET6)
		snprintf(buf, cap, "[%s]:%u", ip, port);
	else
		snprintf(buf, cap, "%s:%u", ip, port);
	return buf;
}

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_port(const char *s, unsigned *out)
{
	unsigned long long v;

	if (parse_uint(s, 1, 65535, &v) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int parse_duration(const char *s, unsigned long long *secs)
{
	unsigned long long total = 0, v, mul;
	char *end;

	if (!s || !*s)
		return -1;
	while (*s) {
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno)
			return -1;
		switch (*end) {
		case 0: case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return -1;
		}
		if (v > (1ULL << 40) / mul)
			return -1;
		total += v * mul;
		s = *end ? end + 1 : end;
	}
	*secs = total;
	return 0;
}

int path_under(const char *root, const char *path, char *buf, size_t cap)
{
	size_t rl = strlen(root);
	int n;

	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	while (*path == '/')
		path++;
	n = snprintf(buf, cap, "%.*s/%s", (int)rl, root, path);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}
