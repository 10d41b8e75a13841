/* Fix commands that paste: every word that came from outside (an interface, bridge or file
 * name) is quoted for POSIX sh, so a bridge named `x$(id)` is a name, never code, and a name
 * with odd bytes comes out as $'...' that recreates those exact bytes. */
#ifndef NR_REPORT_SHELL_H
#define NR_REPORT_SHELL_H
#include <stddef.h>

/* s (NUL-terminated) as one shell word: as is when it holds only [A-Za-z0-9@%+=:,./_-];
 * '...' when it is printable text (UTF-8 included); $'...' with \xNN escapes otherwise.
 * dst is always NUL-terminated (cap > 0); returns the length the whole word needs. */
size_t sh_quote(char *dst, size_t cap, const char *s);

/* snprintf for commands: every %s argument is written through sh_quote; %d %u %ld %lu %lld
 * %llu %x and %% as printf. Returns the length needed, as snprintf; -1 on an unknown
 * conversion. */
int sh_printf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
