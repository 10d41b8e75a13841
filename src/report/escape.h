/* Byte strings from the outside world (interface names, process names, args) may hold control
 * bytes or invalid UTF-8. These helpers show them without ever emitting them raw. */
#ifndef NR_REPORT_ESCAPE_H
#define NR_REPORT_ESCAPE_H
#include <stddef.h>

/* Length in bytes (1-4) of the valid UTF-8 sequence at s (n bytes available), or 0 when
 * the bytes there are not valid UTF-8 (overlong, surrogate, > U+10FFFF, truncated). */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* Writes s (n bytes) into dst (cap bytes, always NUL-terminated when cap > 0), with control
 * bytes and bytes of invalid UTF-8 written as \xNN. Returns the length the full escaped text
 * needs (like snprintf); a result >= cap means it was cut. */
size_t esc_text(char *dst, size_t cap, const char *s, size_t n);

#endif
