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
/* EFTYPE_NR: open_one's private "not a regular file" (no errno means exactly that). */
#define EFTYPE_NR (-2)
/* PCAP_MAGIC_US: classic pcap, microsecond timestamps, host byte order: what tcpdump -w
 * writes by default, so every reader (tcpdump, tshark, Wireshark, old ones too) takes it. */
#define PCAP_MAGIC_US 0xa1b2c3d4u
/* PCAP_MAGIC_NS: the same with nanosecond timestamps (--time-stamp-precision nano). */
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_HDR 24
#define REC_HDR 16
/* pcapng (draft-ietf-opsawg-pcapng): section header, interface description and enhanced
 * packet blocks; every block is "type, total length, body, total length". */
#define NG_SHB 0x0a0d0d0au
#define NG_IDB 1u
#define NG_EPB 6u
#define NG_EPB_HDR 28
/* NG_IDB_MAX: an interface block with name, description and tsresol options. */
#define NG_IDB_MAX (20 + 4 + CAPTURE_IFNAME_MAX + 4 + CAPTURE_DESC_MAX + 8 + 4)
/* SLL2 headers carry the ifindex at offset 4 (pcap-linktype(7)). */
#define DLT_LINUX_SLL2 276

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
 * repeating) is replaced; anything else needs --force, and --force replaces only a regular
 * file: a device, FIFO, socket or directory is refused, and the open never blocks (a FIFO
 * without a reader) nor follows a symlink. *created says whether this run made the file: only
 * then may a failure remove it. */
static int open_one(struct capfile *cf, const char *name, int *created, int *err)
{
	int mine = find_file(cf->r, name) >= 0;
	struct stat st;
	int fd, exists;

	*created = 0;
	exists = lstat(name, &st) == 0;
	/* O_EXCL reports a symlink as EEXIST: look first so the message says what it is. The open
	 * below still never follows one (O_NOFOLLOW/O_EXCL), whatever changes in between. */
	if (exists && S_ISLNK(st.st_mode)) {
		*err = ELOOP;
		return -1;
	}
	if (exists && !S_ISREG(st.st_mode) && (cf->force || mine)) {
		*err = EFTYPE_NR;
		return -1;
	}
	if (mine && !cf->force)
		unlink(name), exists = 0;
	/* 0600: captures hold payloads (tokens, cookies); only root should read them. */
	fd = open(name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
		  (cf->force ? 0 : O_EXCL), 0600);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) { /* swapped in since the lstat */
		*err = EFTYPE_NR;
		close(fd);
		return -1;
	}
	*created = !exists;
	if (ftruncate(fd, 0) < 0 || fcntl(fd, F_SETFL, O_WRONLY) < 0) {
		*err = errno;
		close(fd);
		if (*created)
			unlink(name);
		return -1;
	}
	*err = 0;
	return fd;
}

static size_t put_opt(unsigned char *p, unsigned code, const char *v)
{
	size_t n = strlen(v), pad = (4 - n % 4) % 4;

	memcpy(p, &(uint16_t){ (uint16_t)code }, 2);
	memcpy(p + 2, &(uint16_t){ (uint16_t)n }, 2);
	memcpy(p + 4, v, n);
	memset(p + 4 + n, 0, pad);
	return 4 + n + pad;
}

/* One pcapng interface description block into p (NG_IDB_MAX bytes); returns its length. */
static size_t idb(const struct capfile *cf, const char *name, unsigned char *p)
{
	char nm[CAPTURE_IFNAME_MAX], desc[CAPTURE_DESC_MAX];
	const char *d = cf->if_desc ? cf->if_desc(name, cf->arg) : NULL;
	size_t n = 16;

	snprintf(nm, sizeof nm, "%s", name);
	put32(p, NG_IDB);
	memcpy(p + 8, &(uint16_t){ (uint16_t)cf->linktype }, 2);
	memset(p + 10, 0, 2);
	put32(p + 12, cf->snaplen);
	n += put_opt(p + n, 2, nm);                     /* if_name */
	if (d && d[0]) {
		snprintf(desc, sizeof desc, "%s", d);
		n += put_opt(p + n, 3, desc);           /* if_description */
	}
	if (cf->nano) {
		memcpy(p + n, &(uint16_t){ 9 }, 2);     /* if_tsresol: 10^-9 */
		memcpy(p + n + 2, &(uint16_t){ 1 }, 2);
		memcpy(p + n + 4, (unsigned char[4]){ 9, 0, 0, 0 }, 4);
		n += 8;
	}
	memset(p + n, 0, 4);                            /* opt_endofopt */
	n += 4 + 4;
	put32(p + 4, (uint32_t)n);
	put32(p + n - 4, (uint32_t)n);
	return n;
}

/* The file header: pcap's 24 bytes, or pcapng's section header and the interface blocks known
 * so far (block 0 is the capture's own interface; SLL2 captures add one per real interface). */
static size_t file_header(const struct capfile *cf, unsigned char *h, size_t cap)
{
	static const unsigned char shb[28] = {
		0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
	};
	size_t n;
	int i;

	if (!cf->pcapng) {
		put32(h, cf->nano ? PCAP_MAGIC_NS : PCAP_MAGIC_US);
		memcpy(h + 4, &(uint16_t){ 2 }, 2);    /* version 2.4 */
		memcpy(h + 6, &(uint16_t){ 4 }, 2);
		put32(h + 8, 0);                        /* thiszone */
		put32(h + 12, 0);                       /* sigfigs */
		put32(h + 16, cf->snaplen);
		put32(h + 20, (uint32_t)cf->linktype);
		return PCAP_HDR;
	}
	memcpy(h, shb, sizeof shb);                     /* little-endian hosts only (x86, arm64) */
	n = sizeof shb;
	n += idb(cf, cf->r->interface, h + n);
	for (i = 0; i < cf->nidb && n + NG_IDB_MAX <= cap; i++) {
		const char *nm = capture_ifname(cf->r, cf->idb[i]);
		char num[16];

		if (!nm)
			snprintf(num, sizeof num, "ifindex%u", cf->idb[i]), nm = num;
		n += idb(cf, nm, h + n);
	}
	return n;
}

static int new_file(struct capfile *cf, const char *name, struct nr_err *e)
{
	size_t done, hn;
	int err, i, created = 0;

	if (cf->out_fd >= 0)
		cf->fd = cf->out_fd;
	else
		cf->fd = open_one(cf, name, &created, &err);
	if (cf->fd < 0) {
		if (err == EEXIST)
			return nr_fail(e, NR_E_EXISTS, 0, MOD, "%s", name);
		if (err == ELOOP)
			return nr_fail(e, NR_E_CAP_SYMLINK, 0, MOD, "%s", name);
		if (err == EFTYPE_NR)
			return nr_fail(e, NR_E_CAP_NOTREG, 0, MOD, "%s", name);
		return nr_fail(e, NR_E_CAP_OPEN, err, MOD, "%s", name);
	}
	/* The header goes through the write buffer (empty here), so it is written at once. */
	hn = file_header(cf, cf->buf, CAPFILE_BUF);
	err = write_all(cf->fd, cf->buf, hn, &done);
	if (err) {
		if (cf->fd != cf->out_fd)
			close(cf->fd);
		cf->fd = -1;
		/* A file without a whole header is no capture file: remove it if this run made it
		 * (never a file that was there before). */
		if (created)
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
	cf->disk = hn;
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
	cf->nidb = 0;
	cf->wchars = cf->max_files ? wflag_chars(cf->max_files) : 0;
	if (cf->out_fd >= 0)
		snprintf(name, sizeof name, "-");
	else if (make_name(cf, 0, cf->rotate_bytes ? cf->wchars : 0, name) < 0)
		return nr_fail(e, NR_E_TOOBIG, 0, MOD, "%s: output file name", cf->tmpl);
	return new_file(cf, name, e);
}

/* The largest prefix of buf[0..len) made of whole records (pcapng: blocks) that fits in n
 * bytes; *nrec gets how many packet records it holds. */
static size_t whole_records(const struct capfile *cf, size_t n, unsigned long long *nrec)
{
	const unsigned char *buf = cf->buf;
	size_t off = 0, rec;

	*nrec = 0;
	while (off + REC_HDR <= cf->len) {
		rec = cf->pcapng ? get32(buf + off + 4) : REC_HDR + get32(buf + off + 8);
		if (off + rec > n)
			break;
		*nrec += !cf->pcapng || get32(buf + off) == NG_EPB;
		off += rec;
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
	keep = whole_records(cf, done, &kept);
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
	if (cf->fd != cf->out_fd) {
		/* The whole point is evidence that survives: put it on disk before we say "done". */
		fdatasync(cf->fd);
		close(cf->fd);
	}
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
	char name[CAPTURE_PATH_MAX], msg[NR_ERR_CTX + 256];
	struct nr_err e;

	capfile_close(cf);
	if (cf->r->stop)
		return 1;
	if (make_name(cf, cnt, wchars, name) < 0) {
		set_stop(cf, CAPTURE_STOP_ERROR, "rotated file name too long");
		return 1;
	}
	nr_err_clear(&e);
	if (new_file(cf, name, &e) < 0) {
		/* The whole message ("is a symlink", "exists (use --force)", the errno text). */
		nr_err_text(&e, msg, sizeof msg);
		set_stop(cf, e.sys == ENOSPC || e.sys == EDQUOT ? CAPTURE_STOP_DISKFULL : CAPTURE_STOP_ERROR, msg);
		return 1;
	}
	return 0;
}

int capfile_expired(const struct capfile *cf, int64_t now)
{
	return cf->rotate_secs && cf->max_files && !cf->rotate_bytes && cf->gfiles >= cf->max_files &&
	       now - cf->gtime >= (int64_t)cf->rotate_secs;
}

/* tcpdump's order and names (dump_packet_and_trunc): the -G interval first, then the -C size
 * (checked before writing). A new interval starts at counter 0, with the -W digits when -C is
 * on; -W stops the capture only with -G alone (with -C as well it only shapes names). */
static int maybe_rotate(struct capfile *cf, int64_t now)
{
	int wchars = cf->rotate_bytes ? cf->wchars : 0;

	if (cf->rotate_secs && now - cf->gtime >= (int64_t)cf->rotate_secs) {
		if (!cf->rotate_bytes && cf->max_files && cf->gfiles >= cf->max_files) {
			set_stop(cf, CAPTURE_STOP_FILELIMIT, "");
			return 1;
		}
		cf->gfiles++;
		cf->gtime = now;
		cf->cnt = 0;
		if (rotate(cf, 0, wchars))
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

/* pcapng: the interface block of an SLL2 packet's ifindex, added (to the buffer, so it lands
 * before the packet) the first time it is seen. 0 is the capture's own block. */
static unsigned ng_iface(struct capfile *cf, const struct capture_pkt *p)
{
	const char *nm;
	unsigned idx;
	int i;

	if (cf->linktype != DLT_LINUX_SLL2 || p->caplen < 8)
		return 0;
	idx = (unsigned)p->data[4] << 24 | (unsigned)p->data[5] << 16 | (unsigned)p->data[6] << 8 | p->data[7];
	for (i = 0; i < cf->nidb; i++)
		if (cf->idb[i] == idx)
			return (unsigned)i + 1;
	if (cf->nidb == CAPTURE_MAX_IFS || cf->len + NG_IDB_MAX > CAPFILE_BUF)
		return 0;
	nm = capture_ifname(cf->r, idx);
	if (!nm) /* not known at start (a pod started since): the packet stays on block 0 */
		return 0;
	cf->idb[cf->nidb++] = idx;
	cf->len += idb(cf, nm, cf->buf + cf->len);
	return (unsigned)cf->nidb;
}

static void put_record(struct capfile *cf, const struct capture_pkt *p, unsigned iface, size_t need)
{
	unsigned char *rec = cf->buf + cf->len;
	unsigned long long ts;
	size_t pad = need - NG_EPB_HDR - 4 - p->caplen;

	if (!cf->pcapng) {
		put32(rec, (uint32_t)p->sec);
		put32(rec + 4, cf->nano ? p->nsec : p->nsec / 1000);
		put32(rec + 8, p->caplen);
		put32(rec + 12, p->len);
		memcpy(rec + REC_HDR, p->data, p->caplen);
		return;
	}
	/* A classic record's seconds are 32 bits that libpcap reads as signed: 0xFFFFFFFF comes
	 * back as -1 and goes out again as the same 32 bits. */
	ts = (unsigned long long)(p->sec < 0 ? (uint32_t)p->sec : (uint64_t)p->sec) *
	     (cf->nano ? 1000000000ull : 1000000ull) +
	     (cf->nano ? p->nsec : p->nsec / 1000);
	put32(rec, NG_EPB);
	put32(rec + 4, (uint32_t)need);
	put32(rec + 8, iface);
	put32(rec + 12, (uint32_t)(ts >> 32));
	put32(rec + 16, (uint32_t)ts);
	put32(rec + 20, p->caplen);
	put32(rec + 24, p->len);
	memcpy(rec + NG_EPB_HDR, p->data, p->caplen);
	memset(rec + NG_EPB_HDR + p->caplen, 0, pad);
	put32(rec + need - 4, (uint32_t)need);
}

int capfile_write(struct capfile *cf, const struct capture_pkt *p)
{
	size_t need = cf->pcapng ? NG_EPB_HDR + ((p->caplen + 3u) & ~3u) + 4 : REC_HDR + p->caplen;
	unsigned iface;

	if (cf->fd < 0)
		return 1;
	if (cf->gsync)
		cf->gtime = p->sec, cf->gsync = 0;
	if (cf->out_fd < 0 && maybe_rotate(cf, p->sec))
		return 1;
	if (cf->max_bytes && capfile_bytes(cf) + need + (cf->pcapng ? NG_IDB_MAX : 0) > cf->max_bytes) {
		set_stop(cf, CAPTURE_STOP_MAXSIZE, "");
		return 1;
	}
	if (cf->len + need + NG_IDB_MAX > CAPFILE_BUF && capfile_flush(cf))
		return 1;
	if (need + NG_IDB_MAX > CAPFILE_BUF) {
		set_stop(cf, CAPTURE_STOP_ERROR, "packet larger than the write buffer");
		return 1;
	}
	iface = cf->pcapng ? ng_iface(cf, p) : 0;
	put_record(cf, p, iface, need);
	cf->len += need;
	cf->nrec++;
	return 0;
}
