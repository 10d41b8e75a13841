/* The evidence bundle: a gzip-compressed ustar archive written in one pass, in fixed memory.
 * No zlib is linked: gz_* is a small DEFLATE compressor (RFC 1951 fixed-Huffman blocks with
 * LZ77 over hash chains, which shrinks text reports and pcaps well enough) in a gzip member
 * (RFC 1952). Everything is caller-owned; nothing allocates, nothing prints. */
#ifndef NR_BUNDLE_BUNDLE_H
#define NR_BUNDLE_BUNDLE_H
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* CRC-32 (IEEE 802.3, as gzip uses it). Start with crc = 0; feed pieces in order. */
uint32_t bundle_crc32(uint32_t crc, const void *p, size_t n);

/* GZ_WSIZE: DEFLATE's maximum distance (RFC 1951 3.2.5); the window holds two of them so
 * the older half can be slid out without copying on every byte. */
#define GZ_WSIZE 32768
/* GZ_HASH_BITS: 3-byte prefixes hashed into 2^15 chains, as zlib's default memLevel does. */
#define GZ_HASH_BITS 15
/* GZ_OUT: compressed bytes gathered before the sink is called (few large writes). */
#define GZ_OUT 16384

/* Where compressed bytes go: returns 0, or -1 with e filled. */
typedef int (*gz_sink)(void *arg, const unsigned char *p, size_t n, struct nr_err *e);

struct gz {
	unsigned char win[2 * GZ_WSIZE];
	int32_t head[1 << GZ_HASH_BITS]; /* newest window position per hash, -1 none */
	int32_t prev[GZ_WSIZE];          /* older position with the same hash, -1 none */
	size_t len;                      /* bytes held in win */
	size_t pos;                      /* next byte of win to encode */
	uint64_t bits;                   /* pending output bits, LSB first (RFC 1951 3.1.1) */
	int nbits;
	unsigned char out[GZ_OUT];
	size_t outlen;
	uint32_t crc;
	uint32_t isize;                  /* input size mod 2^32 (gzip trailer) */
	unsigned long long in_total, out_total;
	int raw;                         /* 1: bare DEFLATE stream, no gzip header/trailer */
	int failed;
	int overflow;                    /* a byte did not fit in out (a bug): fails the stream */
	gz_sink sink;
	void *arg;
};

/* Starts a gzip member (raw = 0) or a bare DEFLATE stream (raw = 1). The gzip header carries
 * no name and mtime 0, so the same input gives the same bytes. */
int gz_init(struct gz *z, int raw, gz_sink sink, void *arg, struct nr_err *e);
int gz_write(struct gz *z, const void *p, size_t n, struct nr_err *e);
/* Ends the stream (final block, trailer) and flushes everything to the sink. */
int gz_finish(struct gz *z, struct nr_err *e);

/* BUNDLE_NAME_MAX: ustar keeps a name in prefix (155) + "/" + name (100). */
#define BUNDLE_NAME_MAX 255
/* BUNDLE_COPY: read size when copying a file (a capture) into the archive. */
#define BUNDLE_COPY 65536

struct bundle {
	struct gz z;
	int fd;
	long long mtime;              /* the one timestamp every member carries */
	unsigned long long tar_bytes; /* uncompressed archive size so far */
	char path[4096];              /* the output, removed again when the bundle is aborted */
	unsigned char buf[BUNDLE_COPY];
};

/* Creates path (mode 0600: a bundle holds node internals) with O_EXCL|O_NOFOLLOW; with force
 * an existing regular file is replaced, a symlink never followed. Every member gets mtime,
 * uid/gid 0, owner "root" and mode 0644 (directories 0755): deterministic metadata. */
int bundle_open(struct bundle *b, const char *path, int force, long long mtime, struct nr_err *e);
/* Adds a regular file member holding n bytes of data. Names are relative ("report.json",
 * "views/links.txt"); intermediate directories need no entries of their own. */
int bundle_add(struct bundle *b, const char *name, const void *data, size_t n, struct nr_err *e);
/* Adds a directory member ("capture/"). */
int bundle_add_dir(struct bundle *b, const char *name, struct nr_err *e);
/* Adds the regular file at path (not following a symlink) as member name. */
int bundle_add_file(struct bundle *b, const char *name, const char *path, struct nr_err *e);
/* Writes the end-of-archive blocks, finishes gzip and closes the file. */
int bundle_close(struct bundle *b, struct nr_err *e);
/* Closes and removes a half-written bundle (after an error). */
void bundle_abort(struct bundle *b);

/* Fills one 512-byte ustar header (exposed for tests). type is '0' (file) or '5' (dir). */
int bundle_tar_header(unsigned char hdr[512], const char *name, unsigned long long size,
		      long long mtime, char type, struct nr_err *e);

#endif
