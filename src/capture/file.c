/* pcap file writer. We write the classic pcap format ourselves (not pcap_dump) because a full
 * disk must leave a valid file: stdio would write a partial record and hide the error until
 * fclose. Here every flush that comes up short is cut back to the last whole record. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/file.h"

#define MOD "capture"
/* PCAP_MAGIC_US: classic pcap, microsecond timestamps, host byte order: what tcpdump -w
 * writes by default, so every reader (tcpdump, tshark, Wireshark, old ones too) takes it. */
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_HDR 24
#define REC_HDR 16

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static void set_stop(struct capfile *cf, enum capture_stop s, const char *detail)
{
	cf->r->stop = s;
	snprintf(cf->r->stop_detail, sizeof cf->r->stop_detail, "%s", detail);
}

/* tcpdump's getWflagChars: digits needed for N-1. */
static int wflag_chars(unsigned n)
{
	int c = 0;

	for (n = n ? n - 1 : 0; n > 0; n /= 10)
		c++;
	return c;
}

/* tcpdump's MakeFilename: strftime of the -G interval's start, then a counter suffix with -C/-W. */
static int make_name(const struct capfile *cf, unsigned cnt, int wchars, char *out)
{
	char base[CAPTURE_PATH_MAX];
	struct tm tm;
	time_t t = (time_t)cf->gtime;
	int n;

	if (cf->rotate_secs) {
		if (!localtime_r(&t, &tm))
			return -1;
/* The -G template is the operator's -w argument by design (tcpdump's -G semantics). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (!strftime(base, sizeof base, cf->tmpl, &tm))
			return -1;
#pragma GCC diagnostic pop
	} else if (snprintf(base, sizeof base, "%s", cf->tmpl) >= (int)sizeof base) {
		return -1;
	}
	if (cnt == 0 && wchars == 0)
		n = snprintf(out, CAPTURE_PATH_MAX, "%s", base);
	else
		n = snprintf(out, CAPTURE_PATH_MAX, "%s%0*u", base, wchars, cnt);
	return n < 0 || n >= CAPTURE_PATH_MAX ? -1 : 0;
}

static int find_file(const struct capture_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->nfiles; i++)
		if (!strcmp(r->files[i], name))
			return i;
	return -1;
}

/* Remembers name as the current file; the oldest names give way beyond CAPTURE_MAX_FILES. */
static void list_file(struct capfile *cf, const char *name)
{
	struct capture_result *r = cf->r;

	if (r->nfiles == CAPTURE_MAX_FILES) {
		memmove(r->files[0], r->files[1], sizeof r->files[0] * (CAPTURE_MAX_FILES - 1));
		memmove(&cf->sizes[0], &cf->sizes[1], sizeof cf->sizes[0] * (CAPTURE_MAX_FILES - 1));
		r->nfiles--;
	}
	snprintf(r->files[r->nfiles], CAPTURE_PATH_MAX, "%s", name);
	cf->sizes[r->nfiles] = 0;
	cf->cur = r->nfiles++;
}

static int write_all(int fd, const unsigned char *p, size_t n, size_t *done)
{
	ssize_t w;

	*done = 0;
	while (*done < n) {
		w = write(fd, p + *done, n - *done);
		if (w > 0)
			*done += (size_t)w;
		else if (w < 0 && errno == EINTR)
			continue;
		else
			return w < 0 ? errno : ENOSPC;
	}
	return 0;
}

/* Opens name for writing. Our own earlier file of this run (a -W ring wrapping, a -G name
 * repeating) is replaced; anything else needs --force. Never follows a symlink. */
static int open_one(struct capfile *cf, const char *name, int *err)
{
	int mine = find_file(cf->r, name) >= 0;
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd;

	/* O_EXCL reports a symlink as EEXIST: look first so the message says what it is. The open
	 * below still never follows one (O_NOFOLLOW/O_EXCL), whatever changes in between. */
	if (lstat(name, &st) == 0 && S_ISLNK(st.st_mode)) {
		*err = ELOOP;
		return -1;
	}

	if (mine && !cf->force)
		unlink(name);
	flags |= cf->force ? O_TRUNC : O_EXCL;
	/* 0600: captures hold payloads (tokens, cookies); only root should read them. */
	fd = open(name, flags, 0600);
	*err = fd < 0 ? errno : 0;
	return fd;
}

static int new_file(struct capfile *cf, const char *name, struct nr_err *e)
{
	unsigned char h[PCAP_HDR];
	size_t done;
	int err, i;

	cf->fd = open_one(cf, name, &err);
	if (cf->fd < 0) {
		if (err == EEXIST)
			return nr_fail(e, NR_E_EXISTS, 0, MOD, "%s", name);
		if (err == ELOOP)
			return nr_fail(e, NR_E_CAP_SYMLINK, 0, MOD, "%s", name);
		return nr_fail(e, NR_E_CAP_OPEN, err, MOD, "%s", name);
	}
	put32(h, PCAP_MAGIC_US);
	memcpy(h + 4, &(uint16_t){ 2 }, 2);    /* version 2.4 */
	memcpy(h + 6, &(uint16_t){ 4 }, 2);
	put32(h + 8, 0);                        /* thiszone */
	put32(h + 12, 0);                       /* sigfigs */
	put32(h + 16, cf->snaplen);
	put32(h + 20, (uint32_t)cf->linktype);
	err = write_all(cf->fd, h, sizeof h, &done);
	if (err) {
		/* A file without a whole header is no pcap at all: remove it rather than leave it. */
		close(cf->fd);
		cf->fd = -1;
		unlink(name);
		return nr_fail(e, NR_E_CAP_OPEN, err, MOD, "%s", name);
	}
	i = find_file(cf->r, name);
	if (i >= 0) {
		cf->other -= cf->sizes[i] <= cf->other ? cf->sizes[i] : cf->other;
		cf->sizes[i] = 0;
		cf->cur = i;
	} else {
		list_file(cf, name);
	}
	cf->r->files_total++;
	cf->disk = PCAP_HDR;
	cf->len = 0;
	cf->nrec = 0;
	return 0;
}

int capfile_open(struct capfile *cf, int64_t now, struct nr_err *e)
{
	char name[CAPTURE_PATH_MAX];

	cf->fd = -1;
	cf->len = cf->disk = cf->other = 0;
	cf->cnt = 0;
	cf->gfiles = 1;
	cf->gtime = now;
	cf->cur = -1;
	cf->wchars = cf->max_files ? wflag_chars(cf->max_files) : 0;
	if (make_name(cf, 0, cf->rotate_bytes ? cf->wchars : 0, name) < 0)
		return nr_fail(e, NR_E_TOOBIG, 0, MOD, "%s: output file name", cf->tmpl);
	return new_file(cf, name, e);
}

/* The largest prefix of buf[0..len) made of whole records that fits in n bytes; *nrec gets
 * how many records it holds. */
static size_t whole_records(const unsigned char *buf, size_t len, size_t n, unsigned long long *nrec)
{
	size_t off = 0, rec;

	*nrec = 0;
	while (off + REC_HDR <= len) {
		rec = REC_HDR + get32(buf + off + 8);
		if (off + rec > n)
			break;
		off += rec;
		++*nrec;
	}
	return off;
}

int capfile_flush(struct capfile *cf)
{
	size_t done, keep;
	unsigned long long kept;
	int err;

	if (cf->fd < 0 || !cf->len)
		return 0;
	err = write_all(cf->fd, cf->buf, cf->len, &done);
	if (!err) {
		cf->disk += cf->len;
		cf->len = 0;
		cf->nrec = 0;
		return 0;
	}
	/* Short write: cut the file back to the last whole record so it stays a valid pcap. */
	keep = whole_records(cf->buf, cf->len, done, &kept);
	if (ftruncate(cf->fd, (off_t)(cf->disk + keep)) < 0)
		err = errno;
	cf->disk += keep;
	/* Packets of the records that did not make it are not captured. */
	cf->r->packets_captured -= cf->nrec - kept <= cf->r->packets_captured ? cf->nrec - kept : 0;
	cf->len = 0;
	cf->nrec = 0;
	set_stop(cf, err == ENOSPC || err == EDQUOT ? CAPTURE_STOP_DISKFULL : CAPTURE_STOP_ERROR,
		 strerror(err));
	return 1;
}

void capfile_close(struct capfile *cf)
{
	if (cf->fd < 0)
		return;
	capfile_flush(cf);
	/* The whole point is evidence that survives: put it on disk before we say "done". */
	fdatasync(cf->fd);
	close(cf->fd);
	cf->fd = -1;
	if (cf->cur >= 0)
		cf->sizes[cf->cur] = cf->disk;
	cf->other += cf->disk;
	cf->disk = 0;
}

unsigned long long capfile_bytes(const struct capfile *cf)
{
	return cf->other + cf->disk + cf->len;
}

static int rotate(struct capfile *cf, unsigned cnt, int wchars)
{
	char name[CAPTURE_PATH_MAX];
	struct nr_err e;

	capfile_close(cf);
	if (cf->r->stop)
		return 1;
	if (make_name(cf, cnt, wchars, name) < 0) {
		set_stop(cf, CAPTURE_STOP_ERROR, "rotated file name too long");
		return 1;
	}
	if (new_file(cf, name, &e) < 0) {
		snprintf(cf->r->stop_detail, sizeof cf->r->stop_detail, "%.180s: %.60s", name,
			 e.code == NR_E_EXISTS ? "exists (use --force)" : strerror(e.sys));
		cf->r->stop = e.sys == ENOSPC || e.sys == EDQUOT ? CAPTURE_STOP_DISKFULL : CAPTURE_STOP_ERROR;
		return 1;
	}
	return 0;
}

int capfile_expired(const struct capfile *cf, int64_t now)
{
	return cf->rotate_secs && cf->max_files && cf->gfiles >= cf->max_files &&
	       now - cf->gtime >= (int64_t)cf->rotate_secs;
}

/* tcpdump's order: the -G interval first, then the -C size (checked before writing). */
static int maybe_rotate(struct capfile *cf, int64_t now)
{
	if (cf->rotate_secs && now - cf->gtime >= (int64_t)cf->rotate_secs) {
		if (cf->max_files && cf->gfiles >= cf->max_files) {
			set_stop(cf, CAPTURE_STOP_FILELIMIT, "");
			return 1;
		}
		cf->gfiles++;
		cf->gtime = now;
		cf->cnt = 0;
		if (rotate(cf, 0, 0))
			return 1;
	}
	if (cf->rotate_bytes && cf->disk + cf->len > cf->rotate_bytes) {
		cf->cnt++;
		if (cf->max_files && cf->cnt >= cf->max_files)
			cf->cnt = 0;
		return rotate(cf, cf->cnt, cf->wchars);
	}
	return 0;
}

int capfile_write(struct capfile *cf, const struct capture_pkt *p, int64_t now)
{
	unsigned char *rec;
	size_t need = REC_HDR + p->caplen;

	if (cf->fd < 0)
		return 1;
	if (maybe_rotate(cf, now))
		return 1;
	if (cf->max_bytes && capfile_bytes(cf) + need > cf->max_bytes) {
		set_stop(cf, CAPTURE_STOP_MAXSIZE, "");
		return 1;
	}
	if (cf->len + need > CAPFILE_BUF && capfile_flush(cf))
		return 1;
	if (need > CAPFILE_BUF) {
		set_stop(cf, CAPTURE_STOP_ERROR, "packet larger than the write buffer");
		return 1;
	}
	rec = cf->buf + cf->len;
	put32(rec, (uint32_t)p->sec);
	put32(rec + 4, p->usec);
	put32(rec + 8, p->caplen);
	put32(rec + 12, p->len);
	memcpy(rec + REC_HDR, p->data, p->caplen);
	cf->len += need;
	cf->nrec++;
	return 0;
}
