#include <stdio.h>
#include <string.h>

#include "report/escape.h"

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)   /* continuation byte, overlong 2-byte lead, > U+10FFFF */
		return 0;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	cp = c & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	return len;
}

/* Appends unit (n bytes) when it fits whole; once one does not, nothing more is written, so
 * a cut never splits a UTF-8 sequence or an escape. */
static void put(char *dst, size_t cap, size_t *out, int *full, const char *unit, size_t n)
{
	if (!*full && *out + n < cap)
		memcpy(dst + *out, unit, n);
	else
		*full = 1;
	if (!*full)
		dst[*out + n] = 0;
	*out += n;
}

size_t esc_text(char *dst, size_t cap, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, out = 0, l;
	int full = cap == 0;
	char hex[5];

	if (cap)
		dst[0] = 0;
	while (i < n) {
		l = utf8_seq_len(p + i, n - i);
		if (l == 0 || p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(hex, sizeof hex, "\\x%02x", p[i]);
			put(dst, cap, &out, &full, hex, 4);
			i++;
			continue;
		}
		put(dst, cap, &out, &full, s + i, l);
		i += l;
	}
	return out;
}
