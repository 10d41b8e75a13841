/* JSON writer and text escaping on arbitrary bytes: output must be valid UTF-8 with no raw
 * control bytes, whatever the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/json.h"

static void check_clean(const char *s, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
			abort();
		l = utf8_seq_len((const unsigned char *)s + i, n - i);
		if (!l)
			abort();
		i += l;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[1 << 16];
	char txt[512];
	FILE *f;
	struct jw w;

	if (size > 4096)
		return 0;
	f = fmemopen(out, sizeof out, "w");
	jw_init(&w, f);
	jw_begin_doc(&w, "fuzz");
	jw_key(&w, "s");
	jw_strn(&w, (const char *)data, size);
	jw_end(&w);
	fclose(f);
	check_clean(out, strlen(out));
	esc_text(txt, sizeof txt, (const char *)data, size);
	check_clean(txt, strlen(txt));
	return 0;
}
