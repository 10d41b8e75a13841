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

/* CRC-32 (ISO 3309, reflected polynomial 0xedb88320: gzip's trailer, RFC 1952 8), one byte per
 * step; the table is constant (each entry is the CRC of its index byte), so it needs no
 * initialisation and no state. test_bundle checks it against the standard check value. */
static const uint32_t crc_table[256] = {
	0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
	0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
	0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
	0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
	0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
	0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
	0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
	0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
	0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
	0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
	0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
	0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
	0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
	0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
	0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
	0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
	0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
	0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
	0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
	0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
	0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
	0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
	0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
	0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
	0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
	0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
	0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
	0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
	0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
	0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
	0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
	0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
	0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
	0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
	0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
	0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
	0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
	0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
	0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
	0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
	0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
	0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
	0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

uint32_t bundle_crc32(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;

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
