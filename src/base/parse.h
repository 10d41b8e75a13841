/* Parsing of what users type: IP addresses, ports, numbers, durations; and joining node paths
 * under --host-root. All take NUL-terminated input and reject trailing junk. */
#ifndef NR_BASE_PARSE_H
#define NR_BASE_PARSE_H
#include <stddef.h>
#include <stdint.h>

struct nr_addr {
	int family;          /* AF_INET or AF_INET6 */
	unsigned char a[16]; /* network byte order; IPv4 uses the first 4 bytes */
};

/* 0 on success, -1 when s is not a plain IPv4 or IPv6 address (no prefix, no port). */
int parse_ip(const char *s, struct nr_addr *out);
/* Text form of an address ("10.4.0.5", "fd00::1"); buf of at least 46 bytes. */
const char *addr_str(const struct nr_addr *a, char *buf, size_t cap);
/* "IP:PORT" or "[IP]:PORT" as the contract writes socket addresses; buf >= 56 bytes. */
const char *addr_port_str(const struct nr_addr *a, unsigned port, char *buf, size_t cap);

/* Value of one hex digit (either case), or -1. */
int hex_digit(int c);

/* Unsigned decimal in [min, max]; 0 or -1. */
int parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out);
/* A TCP/UDP port 1..65535; 0 or -1. */
int parse_port(const char *s, unsigned *out);
/* Duration: "90", "90s", "15m", "2h", "1d" (also "1h30m"), in seconds; 0 or -1. */
int parse_duration(const char *s, unsigned long long *secs);

/* Writes root + path into buf ("/" + "/etc/x" -> "/etc/x", "/host" + "/etc/x" -> "/host/etc/x").
 * Returns 0, or -1 when it does not fit. */
int path_under(const char *root, const char *path, char *buf, size_t cap);

#endif
