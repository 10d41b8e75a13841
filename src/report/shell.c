#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/escape.h"
#include "report/shell.h"

static int safe_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("@%+=:,./_-", c));
}

/* Appends n bytes when they fit; counts them either way (snprintf's contract). */
static void put(char *dst, size_t cap, size_t *out, const char *s, size_t n)
{
	if (cap && *out < cap - 1) {
		size_t room = cap - 1 - *out;
		memcpy(dst + *out, s, n < room ? n : room);
		dst[*out + (n < room ? n : room)] = 0;
	}
	*out += n;
}

/* Printable text: every byte is valid UTF-8 and no control byte. */
static int printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, l;

	while (i < n) {
		l = utf8_seq_len(p + i, n - i);
		if (!l || p[i] < 0x20 || p[i] == 0x7f)
			return 0;
		i += l;
	}
	return 1;
}

size_t sh_quote(char *dst, size_t cap, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 0, i, safe = *s != 0;
	char hex[5];

	if (cap)
		dst[0] = 0;
	for (i = 0; p[i] && safe; i++)
		safe = safe_char(p[i]);
	if (safe) {
		put(dst, cap, &out, s, strlen(s));
		return out;
	}
	if (printable(s)) { /* '...', a ' inside as '\'' */
		put(dst, cap, &out, "'", 1);
		for (i = 0; p[i]; i++)
			put(dst, cap, &out, p[i] == '\'' ? "'\\''" : s + i, p[i] == '\'' ? 4 : 1);
		put(dst, cap, &out, "'", 1);
		return out;
	}
	put(dst, cap, &out, "$'", 2);
	for (i = 0; p[i]; i++) {
		if (p[i] == '\'' || p[i] == '\\') {
			hex[0] = '\\';
			hex[1] = (char)p[i];
			put(dst, cap, &out, hex, 2);
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			put(dst, cap, &out, s + i, 1);
		} else {
			snprintf(hex, sizeof hex, "\\x%02x", p[i]);
			put(dst, cap, &out, hex, 4);
		}
	}
	put(dst, cap, &out, "'", 1);
	return out;
}

/* One conversion of fmt at *f (just after its '%'): the argument printed, *f moved past it. */
static int one_conv(char *dst, size_t cap, size_t *out, const char **f, va_list *ap)
{
	char num[32];
	const char *s = *f;
	size_t n = 2; /* "%d" 2, "%ld" 3, "%lld" 4: the length modifier by the spec's length */

	while (*s == 'l' && n < 4) {
		n++;
		s++;
	}
	*f = s + 1;
	switch (*s) {
	case 's': {
		const char *a = va_arg(*ap, const char *);
		char q[1024];
		size_t l = sh_quote(q, sizeof q, a ? a : "");

		put(dst, cap, out, q, l < sizeof q ? l : sizeof q - 1);
		if (l >= sizeof q)
			*out += l - (sizeof q - 1);
		return 0;
	}
	case 'd':
		if (n == 2) snprintf(num, sizeof num, "%d", va_arg(*ap, int));
		else if (n == 3) snprintf(num, sizeof num, "%ld", va_arg(*ap, long));
		else snprintf(num, sizeof num, "%lld", va_arg(*ap, long long));
		break;
	case 'u': case 'x':
		if (n == 2) snprintf(num, sizeof num, *s == 'u' ? "%u" : "%x", va_arg(*ap, unsigned));
		else if (n == 3) snprintf(num, sizeof num, *s == 'u' ? "%lu" : "%lx", va_arg(*ap, unsigned long));
		else snprintf(num, sizeof num, *s == 'u' ? "%llu" : "%llx", va_arg(*ap, unsigned long long));
		break;
	case '%':
		snprintf(num, sizeof num, "%%");
		break;
	default:
		return -1;
	}
	put(dst, cap, out, num, strlen(num));
	return 0;
}

int sh_printf(char *dst, size_t cap, const char *fmt, ...)
{
	size_t out = 0;
	const char *pct;
	va_list ap;
	int rc = 0;

	if (cap)
		dst[0] = 0;
	va_start(ap, fmt);
	while (*fmt && rc == 0) {
		pct = strchr(fmt, '%');
		if (!pct) {
			put(dst, cap, &out, fmt, strlen(fmt));
			break;
		}
		put(dst, cap, &out, fmt, (size_t)(pct - fmt));
		fmt = pct + 1;
		rc = one_conv(dst, cap, &out, &fmt, &ap);
	}
	va_end(ap);
	return rc < 0 ? -1 : (int)out;
}
