/* CRC32C (RFC 3720 B.4; Cloud Storage's integrity hash). The SSE4.2 crc32 instruction does
 * ~8 bytes/cycle; the slice-by-8 tables ~1 byte/cycle are the fallback for other CPUs. */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>

#include "upload/upload.h"

#define POLY 0x82f63b78u /* Castagnoli, reflected */

static uint32_t table[8][256];
static int ready; /* 1: tables built, 2: hardware */

static void init(void)
{
	unsigned a, b, c, d, i, j, k;
	uint32_t crc;

	for (i = 0; i < 256; i++) {
		crc = i;
		for (j = 0; j < 8; j++)
			crc = crc & 1 ? (crc >> 1) ^ POLY : crc >> 1;
		table[0][i] = crc;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
	ready = 1;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2))
		ready = 2;
}

static uint32_t soft(uint32_t crc, const unsigned char *p, size_t n)
{
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		w ^= crc;
		crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
		      table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^
		      table[2][(w >> 40) & 0xff] ^ table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return crc;
}

__attribute__((target("sse4.2")))
static uint32_t hard(uint32_t crc, const unsigned char *p, size_t n)
{
	uint64_t c = crc, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		c = __builtin_ia32_crc32di(c, w);
		p += 8;
		n -= 8;
	}
	crc = (uint32_t)c;
	while (n--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}

uint32_t upload_crc32c(uint32_t crc, const void *buf, size_t n)
{
	if (!ready)
		init();
	crc = ~crc;
	crc = ready == 2 ? hard(crc, buf, n) : soft(crc, buf, n);
	return ~crc;
}
