/* The packet decoder on arbitrary bytes: the first byte picks the link type, the rest is the
 * packet. Output must stay inside its buffer, NUL-terminated, and free of raw control bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_ifname(unsigned idx, void *arg)
{
	(void)arg;
	return idx & 1 ? "veth0123456789ab" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int lt[] = { 1, 113, 276, 12, 101, 228, 229, 0, 147 };
	/* plain; -e with SLL2 interface names; -q */
	static const struct capture_dec dec[3] = {
		{ 0, NULL, NULL }, { CAPTURE_DECODE_LINK, fuzz_ifname, NULL }, { CAPTURE_DECODE_QUICK, NULL, NULL },
	};
	char out[512];
	size_t n, i;
	unsigned char *p;

	if (!size || size > 70000)
		return 0;
	/* A heap copy of exactly the packet, so any read past it is caught. */
	p = malloc(size - 1 ? size - 1 : 1);
	memcpy(p, data + 1, size - 1);
	n = capture_decode(out, sizeof out, lt[data[0] % (sizeof lt / sizeof lt[0])], &dec[data[0] >> 7], p, size - 1,
			   size - 1 + ((data[0] >> 4) & 7) * 100);
	if (n >= sizeof out || out[n] != 0)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20)
			abort();
	/* tiny buffers too */
	n = capture_decode(out, sizeof out, lt[data[0] % (sizeof lt / sizeof lt[0])], &dec[2], p, size - 1, size - 1);
	if (n >= sizeof out || out[n] != 0)
		abort();
	n = capture_decode(out, 7, lt[data[0] % (sizeof lt / sizeof lt[0])], &dec[1], p, size - 1, size - 1);
	if (n >= 7)
		abort();
	free(p);
	return 0;
}
