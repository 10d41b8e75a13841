/* CRC32C (RFC 3720 B.4; Cloud Storage's integrity hash). The CPU's own instruction does ~8
 * bytes/cycle: SSE4.2 `crc32` on x86-64, the Armv8 CRC extension (HWCAP_CRC32: Graviton,
 * Ampere, Axion) on aarch64. Slice-by-8 tables (~1 byte/cycle) are the fallback. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <arm_acle.h>
#include <sys/auxv.h>
#endif

#include "upload/upload.h"

#define POLY 0x82f63b78u /* Castagnoli, reflected */

/* The tables are computed once per process (pthread_once: the hashing thread and the main
 * thread may both be first); they are constant afterwards. */
static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
	unsigned i, j, k;
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
}

static uint32_t soft(uint32_t crc, const unsigned char *p, size_t n)
{
	uint64_t w;

	pthread_once(&table_once, table_init);
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

#if defined(__x86_64__)
#define HW_NAME "sse4.2"
static int hw_present(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
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
#elif defined(__aarch64__)
#define HW_NAME "armv8-crc"
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7) /* arch/arm64/include/uapi/asm/hwcap.h */
#endif
static int hw_present(void)
{
	return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
}

__attribute__((target("+crc")))
static uint32_t hard(uint32_t crc, const unsigned char *p, size_t n)
{
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		crc = __crc32cd(crc, w);
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = __crc32cb(crc, *p++);
	return crc;
}
#else
#define HW_NAME "table"
static int hw_present(void)
{
	return 0;
}

static uint32_t hard(uint32_t crc, const unsigned char *p, size_t n)
{
	return soft(crc, p, n);
}
#endif

const char *upload_crc32c_impl(void)
{
	return hw_present() ? HW_NAME : "table";
}

uint32_t upload_crc32c_table(uint32_t crc, const void *buf, size_t n)
{
	return ~soft(~crc, buf, n);
}

uint32_t upload_crc32c(uint32_t crc, const void *buf, size_t n)
{
	/* The CPU does not change under a running process: ask it once per call site's buffer
	 * (cheap next to hashing a buffer), no hidden cache to race on. */
	crc = ~crc;
	crc = hw_present() ? hard(crc, buf, n) : soft(crc, buf, n);
	return ~crc;
}
