/* The DEFLATE compressor on arbitrary bytes fed in arbitrary pieces: a small inflater for the
 * fixed-Huffman blocks it emits must give the input back, and the gzip trailer must match. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"

#define CAP (1 << 18)

static unsigned char comp[CAP * 2];
static size_t clen;
static unsigned char plain[CAP];

static int sink(void *arg, const unsigned char *p, size_t n, struct nr_err *e)
{
	(void)arg;
	(void)e;
	if (clen + n > sizeof comp)
		abort();
	memcpy(comp + clen, p, n);
	clen += n;
	return 0;
}

struct rd {
	const unsigned char *p;
	size_t n, bit;
};

static unsigned bit(struct rd *r)
{
	unsigned v;

	if (r->bit / 8 >= r->n)
		abort();
	v = (r->p[r->bit / 8] >> (r->bit % 8)) & 1;
	r->bit++;
	return v;
}

static unsigned bits(struct rd *r, int n)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < n; i++)
		v |= bit(r) << i;
	return v;
}

static unsigned huff(struct rd *r, int n, unsigned code)
{
	while (n--)
		code = code << 1 | bit(r);
	return code;
}

static unsigned sym(struct rd *r)
{
	unsigned c = huff(r, 7, 0);

	if (c <= 0x17)
		return 256 + c;
	c = huff(r, 1, c);
	if (c >= 0x30 && c <= 0xbf)
		return c - 0x30;
	if (c >= 0xc0 && c <= 0xc7)
		return 280 + c - 0xc0;
	c = huff(r, 1, c);
	if (c < 0x190)
		abort();
	return 144 + c - 0x190;
}

static const uint16_t lb[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43,
	51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t le[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4,
	4, 5, 5, 5, 5, 0 };
static const uint16_t db[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257,
	385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t de[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9,
	10, 10, 11, 11, 12, 12, 13, 13 };

static size_t inflate_fixed(struct rd *r)
{
	size_t out = 0;
	unsigned final, s, len, d, dist;

	do {
		final = bit(r);
		if (bits(r, 2) != 1)
			abort();
		while ((s = sym(r)) != 256) {
			if (s < 256) {
				if (out >= CAP)
					abort();
				plain[out++] = (unsigned char)s;
				continue;
			}
			if (s > 285)
				abort();
			len = lb[s - 257] + bits(r, le[s - 257]);
			d = huff(r, 5, 0);
			if (d > 29)
				abort();
			dist = db[d] + bits(r, de[d]);
			if (dist > out || dist > 32768 || out + len > CAP)
				abort();
			for (; len; len--, out++)
				plain[out] = plain[out - dist];
		}
	} while (!final);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gz z;
	struct nr_err e;
	struct rd r;
	size_t i, k, piece, n;
	uint32_t crc, isize;

	if (size < 1 || size > CAP)
		return 0;
	/* The first byte picks the piece size, so the lookahead and slide paths all get hit. */
	piece = (size_t)data[0] * 37 + 1;
	clen = 0;
	if (gz_init(&z, 0, sink, NULL, &e) < 0)
		abort();
	for (i = 1; i < size; i += k) {
		k = size - i < piece ? size - i : piece;
		if (gz_write(&z, data + i, k, &e) < 0)
			abort();
	}
	if (gz_finish(&z, &e) < 0)
		abort();
	if (clen < 18 || comp[0] != 0x1f || comp[1] != 0x8b || comp[2] != 8)
		abort();
	r.p = comp + 10;
	r.n = clen - 18;
	r.bit = 0;
	n = inflate_fixed(&r);
	if (n != size - 1 || memcmp(plain, data + 1, n))
		abort();
	crc = (uint32_t)comp[clen - 8] | (uint32_t)comp[clen - 7] << 8 | (uint32_t)comp[clen - 6] << 16 |
	      (uint32_t)comp[clen - 5] << 24;
	isize = (uint32_t)comp[clen - 4] | (uint32_t)comp[clen - 3] << 8 | (uint32_t)comp[clen - 2] << 16 |
		(uint32_t)comp[clen - 1] << 24;
	if (crc != bundle_crc32(0, data + 1, n) || isize != (uint32_t)n)
		abort();
	return 0;
}
