/* Internal to src/capture: the pcap file writer (rotation, size cap, whole records only).
 * Not a public header: other modules use capture.h. */
#ifndef NR_CAPTURE_FILE_H
#define NR_CAPTURE_FILE_H
#include <stdint.h>

#include "capture/capture.h"

/* CAPFILE_BUF: one write() per MiB keeps syscalls per packet near zero at any rate, and bounds
 * what a SIGKILL can lose (the buffer is also flushed every second). Must exceed the biggest
 * record (16 + CAPTURE_DEF_SNAPLEN). */
#define CAPFILE_BUF (1024u * 1024u)

struct capfile {
	/* set by the caller before capfile_open */
	const char *tmpl;            /* -w argument (strftime template with -G) */
	int force;
	unsigned rotate_secs;
	unsigned long long rotate_bytes;
	unsigned max_files;
	unsigned long long max_bytes;
	unsigned snaplen;
	int linktype;
	int nano;                    /* nanosecond timestamps (pcap magic 0xa1b23c4d, tsresol 9) */
	int pcapng;
	int out_fd;                  /* >= 0: write here (-w -), never rotate, never unlink */
	const char *(*if_desc)(const char *ifname, void *arg); /* pcapng if_description */
	void *arg;
	struct capture_result *r;    /* files are listed here */
	unsigned char *buf;          /* CAPFILE_BUF bytes, caller-owned */

	/* state */
	int fd;
	size_t len;                  /* bytes in buf (whole records only) */
	unsigned long long nrec;     /* records in buf */
	unsigned long long disk;     /* bytes of the current file on disk */
	unsigned long long other;    /* bytes of our earlier files still on disk */
	unsigned cnt;                /* -C counter (tcpdump's Cflag_count) */
	unsigned gfiles;             /* -G files begun */
	int64_t gtime;               /* when the current -G interval began */
	int gsync;                   /* -r: the first packet's time starts the first interval */
	int wchars;                  /* digits of the -W suffix */
	int cur;                     /* index of the current file in r->files, -1 if unlisted */
	int nidb;                    /* pcapng: interface blocks after block 0 (the capture's) */
	unsigned idb[CAPTURE_MAX_IFS]; /* ifindex of interface block i + 1 */
	unsigned long long sizes[CAPTURE_MAX_FILES];
};

/* Opens the first file (header written and on disk at once). 0, or -1 with e. */
int capfile_open(struct capfile *cf, int64_t now, struct nr_err *e);
/* Appends one record, rotating first when -G/-C say so (-G by the packet's own time, so files
 * split where the clock says). 0 written; 1 not written and capture must stop (r->stop and
 * r->stop_detail say why: MAXSIZE, DISKFULL, FILELIMIT, ERROR). */
int capfile_write(struct capfile *cf, const struct capture_pkt *p);
/* -G -W without -C: 1 when the last allowed interval is over (stop even with no traffic). */
int capfile_expired(const struct capfile *cf, int64_t now);
/* Writes the buffer out. 0, or 1 with r->stop set (DISKFULL/ERROR; file cut to whole records). */
int capfile_flush(struct capfile *cf);
/* Flushes, syncs and closes; safe to call twice. */
void capfile_close(struct capfile *cf);
/* Bytes now in our files (disk + buffered). */
unsigned long long capfile_bytes(const struct capfile *cf);

#endif
