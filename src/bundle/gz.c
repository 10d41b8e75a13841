/* DEFLATE (RFC 1951) with fixed Huffman codes and greedy LZ77 over hash chains, wrapped in a
 * gzip member (RFC 1952). Fixed codes avoid building per-block trees: on report text and pcaps
 * it gets most of what dynamic blocks would, in a few hundred lines that are easy to check. */
#include <string.h>

#include "bundle/bundle.h"

#define MIN_MATCH 3
#define MAX_MATCH 258
/* MAX_CHAIN: candidates tried per position; bounds the worst case on repetitive input. */
#define MAX_CHAIN 48
/* GOOD_MATCH: a match this long is taken without looking further. */
#define GOOD_MATCH 64

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void)
{
	uint32_t c;
	unsigned i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	crc_ready = 1;
}

uint32_t bundle_crc32(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;

	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *s++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* --- bit output -------------------------------------------------------------------------- */

static int flush_out(struct gz *z, struct nr_err *e)
{
	if (z->overflow && !z->failed) {
		z->failed = 1;
		nr_fail(e, NR_E_TOOBIG, 0, "bundle", "compressor output buffer");
	}
	if (z->failed)
		return -1;
	if (z->outlen && z->sink(z->arg, z->out, z->outlen, e) < 0) {
		z->failed = 1;
		return -1;
	}
	z->out_total += z->outlen;
	z->outlen = 0;
	return 0;
}

/* Queues n (<= 32) bits, least significant first, as DEFLATE packs everything but codes.
 * The callers keep room (flush before out fills); a byte that would not fit is never dropped
 * silently: it marks the stream failed, and the next flush says so. */
static void put_bits(struct gz *z, uint32_t v, int n)
{
	z->bits |= (uint64_t)v << z->nbits;
	z->nbits += n;
	while (z->nbits >= 8) {
		if (z->outlen < GZ_OUT)
			z->out[z->outlen++] = (unsigned char)z->bits;
		else
			z->overflow = 1;
		z->bits >>= 8;
		z->nbits -= 8;
	}
}

/* Huffman codes are defined most significant bit first (RFC 1951 3.1.1): reverse them. */
static uint32_t rev(uint32_t code, int n)
{
	uint32_t r = 0;

	while (n--) {
		r = (r << 1) | (code & 1);
		code >>= 1;
	}
	return r;
}

/* The fixed literal/length code of RFC 1951 3.2.6. */
static void put_sym(struct gz *z, unsigned sym)
{
	if (sym < 144)
		put_bits(z, rev(0x30 + sym, 8), 8);
	else if (sym < 256)
		put_bits(z, rev(0x190 + sym - 144, 9), 9);
	else if (sym < 280)
		put_bits(z, rev(sym - 256, 7), 7);
	else
		put_bits(z, rev(0xc0 + sym - 280, 8), 8);
}

static const uint16_t len_base[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
	4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129,
	193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8,
	8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

static void put_match(struct gz *z, unsigned len, unsigned dist)
{
	int i = 28, d = 29;

	while (len_base[i] > len)
		i--;
	/* 258 has its own code (285) although 227 + 31 would also reach it. */
	put_sym(z, 257 + (unsigned)i);
	put_bits(z, len - len_base[i], len_extra[i]);
	while (dist_base[d] > dist)
		d--;
	put_bits(z, rev((uint32_t)d, 5), 5);
	put_bits(z, dist - dist_base[d], dist_extra[d]);
}

/* --- LZ77 -------------------------------------------------------------------------------- */

static unsigned hash3(const unsigned char *p)
{
	uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

	return (v * 2654435761u) >> (32 - GZ_HASH_BITS);
}

static void insert(struct gz *z, size_t p)
{
	unsigned h = hash3(z->win + p);

	z->prev[p & (GZ_WSIZE - 1)] = z->head[h];
	z->head[h] = (int32_t)p;
}

/* Longest earlier match for the bytes at p (at most max long); its distance in *dist. */
static unsigned longest(struct gz *z, size_t p, unsigned max, unsigned *dist)
{
	int32_t c = z->head[hash3(z->win + p)];
	unsigned best = 0, chain = MAX_CHAIN, l;
	const unsigned char *s = z->win + p;

	while (c >= 0 && chain--) {
		size_t cp = (size_t)c;
		int32_t next;

		/* prev[] is a ring: an entry can point forward once overwritten; stop there. */
		if (cp >= p || p - cp > GZ_WSIZE)
			break;
		if (z->win[cp + best] == s[best]) {
			for (l = 0; l < max && z->win[cp + l] == s[l]; l++)
				;
			if (l > best) {
				best = l;
				*dist = (unsigned)(p - cp);
				if (l >= GOOD_MATCH || l == max)
					break;
			}
		}
		next = z->prev[cp & (GZ_WSIZE - 1)];
		if (next >= c)
			break;
		c = next;
	}
	return best;
}

/* Encodes what is buffered; keeps MAX_MATCH bytes of lookahead unless this is the end. */
static int encode(struct gz *z, int final, struct nr_err *e)
{
	while (z->pos < z->len && (final || z->len - z->pos >= MAX_MATCH)) {
		size_t left = z->len - z->pos;
		unsigned max = left < MAX_MATCH ? (unsigned)left : MAX_MATCH, len = 0, dist = 0, i;

		if (max >= MIN_MATCH) {
			len = longest(z, z->pos, max, &dist);
			insert(z, z->pos);
		}
		if (len >= MIN_MATCH) {
			put_match(z, len, dist);
			for (i = 1; i < len; i++)
				if (z->pos + i + MIN_MATCH <= z->len)
					insert(z, z->pos + i);
			z->pos += len;
		} else {
			put_sym(z, z->win[z->pos]);
			z->pos++;
		}
		/* A match emits at most 8+5+5+13 bits: keep 8 bytes of room in out. */
		if (z->outlen > GZ_OUT - 8 && flush_out(z, e) < 0)
			return -1;
	}
	return 0;
}

/* Drops the older half of the window; positions in the chains move down with it. */
static void slide(struct gz *z)
{
	size_t i;

	memmove(z->win, z->win + GZ_WSIZE, z->len - GZ_WSIZE);
	z->len -= GZ_WSIZE;
	z->pos -= GZ_WSIZE;
	for (i = 0; i < sizeof z->head / sizeof z->head[0]; i++)
		z->head[i] = z->head[i] >= GZ_WSIZE ? z->head[i] - GZ_WSIZE : -1;
	for (i = 0; i < GZ_WSIZE; i++)
		z->prev[i] = z->prev[i] >= GZ_WSIZE ? z->prev[i] - GZ_WSIZE : -1;
}

/* --- the stream -------------------------------------------------------------------------- */

int gz_init(struct gz *z, int raw, gz_sink sink, void *arg, struct nr_err *e)
{
	/* gzip header: magic, CM=8 (deflate), no flags, MTIME 0, XFL 0, OS 3 (Unix). */
	static const unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

	z->len = z->pos = z->outlen = 0;
	z->bits = 0;
	z->nbits = 0;
	z->crc = 0;
	z->isize = 0;
	z->in_total = z->out_total = 0;
	z->raw = raw;
	z->failed = 0;
	z->overflow = 0;
	z->sink = sink;
	z->arg = arg;
	memset(z->head, 0xff, sizeof z->head);
	memset(z->prev, 0xff, sizeof z->prev);
	if (!raw) {
		memcpy(z->out, hdr, sizeof hdr);
		z->outlen = sizeof hdr;
	}
	/* One fixed-Huffman block (BFINAL 0, BTYPE 01) holds everything; gz_finish closes it. */
	put_bits(z, 1u << 1, 3);
	return flush_out(z, e);
}

int gz_write(struct gz *z, const void *p, size_t n, struct nr_err *e)
{
	const unsigned char *s = p;
	size_t k;

	if (z->failed)
		return -1;
	z->crc = bundle_crc32(z->crc, s, n);
	z->isize += (uint32_t)n;
	z->in_total += n;
	while (n) {
		if (z->len == sizeof z->win)
			slide(z);
		k = sizeof z->win - z->len;
		if (k > n)
			k = n;
		memcpy(z->win + z->len, s, k);
		z->len += k;
		s += k;
		n -= k;
		if (encode(z, 0, e) < 0)
			return -1;
	}
	return 0;
}

static void put_le32(struct gz *z, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (z->outlen < GZ_OUT)
			z->out[z->outlen++] = (unsigned char)(v >> (8 * i));
		else
			z->overflow = 1;
	}
}

int gz_finish(struct gz *z, struct nr_err *e)
{
	if (z->failed || encode(z, 1, e) < 0)
		return -1;
	put_sym(z, 256);        /* end of the open block */
	put_bits(z, 1 | 1u << 1, 3); /* a final, empty fixed block */
	put_sym(z, 256);
	if (z->nbits)
		put_bits(z, 0, 8 - z->nbits);
	if (flush_out(z, e) < 0)
		return -1;
	if (!z->raw) {
		put_le32(z, z->crc);
		put_le32(z, z->isize);
	}
	return flush_out(z, e);
}
