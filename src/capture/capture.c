/* libpcap glue and the capture loop. Tuned for no drops (BUILD-NOTES): TPACKET_V3 (immediate
 * mode off), a large ring, a 100 ms block timeout, non-blocking reads driven by our own poll()
 * so signals, --duration and a vanished interface are noticed within one timeout. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "base/parse.h"
#include "capture/file.h"

#define MOD "capture"
/* CAP_RESERVE_MAX: the free-space reserve left by the default cap never needs to exceed 1 GiB
 * for the node to keep working (logs, images are bounded by kubelet's own eviction). */
#define CAP_RESERVE_MAX (1024ull * 1024 * 1024)
/* Filesystems that live in RAM: a capture there competes with the pods for memory. */
#define FS_TMPFS 0x01021994
#define FS_RAMFS 0x858458f6

struct run {
	const struct capture_opts *o;
	struct capture_result *r;
	struct capfile *cf;        /* NULL without -w */
	pcap_t *p;
	int64_t now;               /* wall clock of this dispatch round (for -G) */
	int draining;              /* stopped by signal/duration: still taking what the ring holds */
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void stop(struct run *u, enum capture_stop s, const char *detail)
{
	u->r->stop = s;
	snprintf(u->r->stop_detail, sizeof u->r->stop_detail, "%s", detail ? detail : "");
	pcap_breakloop(u->p);
}

static void on_pkt(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct run *u = (struct run *)arg;
	struct capture_pkt pk;
	int rc;

	if (u->r->stop && !u->draining)
		return;
	pk.sec = h->ts.tv_sec;
	pk.nsec = (uint32_t)h->ts.tv_usec * (u->r->nano ? 1u : 1000u);
	pk.caplen = h->caplen;
	pk.len = h->len;
	pk.linktype = u->r->linktype;
	pk.data = bytes;
	if (u->cf && capfile_write(u->cf, &pk)) {
		u->draining = 0;
		pcap_breakloop(u->p);
		return;
	}
	u->r->packets_captured++;
	u->r->bytes += h->len;
	if (u->o->on_packet) {
		rc = u->o->on_packet(&pk, u->o->arg);
		if (rc <= 0 && u->draining) {
			u->draining = 0;
			pcap_breakloop(u->p);
		} else if (rc <= 0) {
			stop(u, rc < 0 ? CAPTURE_STOP_ERROR : CAPTURE_STOP_CALLBACK, rc < 0 ? "packet handler failed" : "");
			return;
		}
	}
	if (u->o->count && u->r->packets_captured >= u->o->count) {
		if (u->draining) {
			u->draining = 0;
			pcap_breakloop(u->p);
		} else {
			stop(u, CAPTURE_STOP_COUNT, "");
		}
	}
}

/* --- opening ------------------------------------------------------------------------------- */

static int activate_fail(pcap_t *p, int rc, const char *ifname, struct nr_err *e)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return nr_fail(e, NR_E_NOIF, ENODEV, MOD, "%s", ifname);
	case PCAP_ERROR_PERM_DENIED:
		return nr_fail(e, NR_E_PERM, EPERM, MOD, "%s", ifname);
	case PCAP_ERROR_IFACE_NOT_UP:
		return nr_fail(e, NR_E_CAP_IFDOWN, 0, MOD, "%s", ifname);
	}
	return nr_fail(e, NR_E_CAP_PCAP, 0, MOD, "%s: %s", ifname, pcap_geterr(p));
}

static int compile(pcap_t *p, const char *filter, struct bpf_program *prog, struct nr_err *e)
{
	if (pcap_compile(p, prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return nr_fail(e, NR_E_CAP_FILTER, 0, MOD, "'%s' (%s)", filter, pcap_geterr(p));
	return 0;
}

static int set_filter(pcap_t *p, const char *filter, struct nr_err *e)
{
	struct bpf_program prog;

	if (!filter || !filter[0])
		return 0;
	if (compile(p, filter, &prog, e) < 0)
		return -1;
	if (pcap_setfilter(p, &prog) < 0) {
		pcap_freecode(&prog);
		return nr_fail(e, NR_E_CAP_PCAP, 0, MOD, "setting the filter: %s", pcap_geterr(p));
	}
	pcap_freecode(&prog);
	return 0;
}

/* -y, and tcpdump's default for "any": LINUX_SLL2, whose header names the interface. -Q. */
static int set_link(pcap_t *p, const struct capture_opts *o, const char *ifname, struct nr_err *e)
{
	if (o->linktype && pcap_set_datalink(p, o->linktype) < 0)
		return nr_fail(e, NR_E_CAP_LINKTYPE, 0, MOD, "%s: %s", ifname, capture_linktype_name(o->linktype));
	if (!o->linktype && !strcmp(ifname, "any"))
		pcap_set_datalink(p, DLT_LINUX_SLL2); /* libpcap < 1.10 lacks it: keep v1 */
	if (o->direction && pcap_setdirection(p, o->direction == 1 ? PCAP_D_IN : PCAP_D_OUT) < 0)
		return nr_fail(e, NR_E_CAP_PCAP, 0, MOD, "%s: -Q: %s", ifname, pcap_geterr(p));
	return 0;
}

/* Remembers the interfaces of the netns we are in (SLL2 names, pcapng blocks). */
static void list_ifs(struct capture_result *r)
{
	struct if_nameindex *ni = if_nameindex(), *i;

	r->nifs = 0;
	for (i = ni; i && i->if_index && r->nifs < CAPTURE_MAX_IFS; i++) {
		r->ifs[r->nifs].index = i->if_index;
		snprintf(r->ifs[r->nifs].name, sizeof r->ifs[0].name, "%s", i->if_name);
		r->nifs++;
	}
	if (ni)
		if_freenameindex(ni);
}

const char *capture_ifname(const struct capture_result *r, unsigned ifindex)
{
	int i;

	for (i = 0; i < r->nifs; i++)
		if (r->ifs[i].index == ifindex)
			return r->ifs[i].name;
	return NULL;
}

/* Creates and activates the handle (inside o->netns_fd when given). */
static int activate(const struct capture_opts *o, const char *ifname, pcap_t **out, struct nr_err *e)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int rc;

	p = pcap_create(ifname, eb);
	if (!p)
		return nr_fail(e, NR_E_CAP_PCAP, 0, MOD, "%s: %s", ifname, eb);
	pcap_set_snaplen(p, (int)(o->snaplen ? o->snaplen : CAPTURE_DEF_SNAPLEN));
	/* tcpdump's default (-p turns it off); "any" cannot be promiscuous, libpcap would warn. */
	pcap_set_promisc(p, strcmp(ifname, "any") != 0 && !o->no_promisc);
	if (o->nano)
		pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	pcap_set_timeout(p, CAPTURE_TIMEOUT_MS);
	pcap_set_buffer_size(p, (int)((o->buffer_kib ? o->buffer_kib : CAPTURE_DEF_BUFFER_KIB) * 1024u));
	/* Immediate mode would fall back to TPACKET_V2, one slot per packet: drops (BUILD-NOTES). */
	pcap_set_immediate_mode(p, 0);
	rc = pcap_activate(p);
	if (rc < 0) {
		activate_fail(p, rc, ifname, e);
		pcap_close(p);
		return -1;
	}
	if (set_link(p, o, ifname, e) < 0) {
		pcap_close(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* Runs activate() inside the target netns and comes back: the packet socket stays bound to
 * the interface of the netns it was created in. */
static int open_handle(const struct capture_opts *o, const char *ifname, pcap_t **out,
		       struct capture_result *r, struct nr_err *e)
{
	int home, rc, err;

	if (o->netns_fd < 0) {
		list_ifs(r);
		return activate(o, ifname, out, e);
	}
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return nr_fail(e, NR_E_SYS, errno, MOD, "/proc/self/ns/net");
	if (setns(o->netns_fd, CLONE_NEWNET) < 0) {
		rc = errno;
		close(home);
		return nr_fail(e, rc == EPERM ? NR_E_PERM : NR_E_SYS, rc, MOD, "entering the pod's network namespace");
	}
	list_ifs(r);
	rc = activate(o, ifname, out, e);
	if (setns(home, CLONE_NEWNET) < 0 && rc == 0) {
		err = errno; /* before pcap_close, which may change it */
		pcap_close(*out);
		rc = nr_fail(e, NR_E_SYS, err, MOD, "returning to the node's network namespace");
	}
	close(home);
	return rc;
}

static int open_files(const struct capture_opts *o, struct capfile *cf, struct capture_result *r,
		      struct nr_err *e);

/* Closes the files (flushed, synced) and the handle: the end of a capture or a read. */
static void finish(struct run *u, struct capfile *cf)
{
	if (u->cf) {
		capfile_close(u->cf);
		u->r->file_bytes = capfile_bytes(u->cf);
	}
	free(cf->buf);
	pcap_close(u->p);
}

static int read_loop(struct run *u, const char *in, struct nr_err *e)
{
	const struct capture_opts *o = u->o;
	int n;

	while (!u->r->stop) {
		if (o->stop && *o->stop) {
			u->r->stop = CAPTURE_STOP_SIGNAL;
			break;
		}
		n = pcap_dispatch(u->p, 1000, on_pkt, (u_char *)u);
		if (n == 0)
			break; /* end of file */
		if (n == PCAP_ERROR)
			/* libpcap: "truncated dump file; tried to read 16 header bytes, only got 7" */
			return nr_fail(e, NR_E_CAP_TRUNC, 0, MOD, "%s: %s", in, pcap_geterr(u->p));
	}
	if (u->r->stop == CAPTURE_STOP_ERROR)
		return nr_fail(e, NR_E_CAP_PCAP, 0, MOD, "%s: %s", in, u->r->stop_detail);
	return 0;
}

int capture_read(const char *in, const struct capture_opts *o, struct capture_result *r,
		 struct nr_err *e)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct capfile cf;
	struct run u = { o, r, NULL, NULL, 0, 0 };
	int rc = -1;

	memset(r, 0, sizeof *r);
	cf.buf = NULL;
	cf.fd = -1;
	u.p = pcap_open_offline_with_tstamp_precision(in, o->nano ? PCAP_TSTAMP_PRECISION_NANO :
						      PCAP_TSTAMP_PRECISION_MICRO, eb);
	if (!u.p)
		return nr_fail(e, NR_E_CAP_PCAP, 0, MOD, "%s: %s", in, eb);
	snprintf(r->interface, sizeof r->interface, "file");
	r->nano = o->nano;
	r->linktype = pcap_datalink(u.p);
	r->snaplen = (unsigned)pcap_snapshot(u.p);
	if (set_filter(u.p, o->filter, e) < 0)
		goto out;
	if (o->path) {
		if (open_files(o, &cf, r, e) < 0)
			goto out;
		cf.gsync = 1; /* -G splits a file by the packets' clock, from the first packet */
		u.cf = &cf;
	}
	rc = read_loop(&u, in, e);
out:
	finish(&u, &cf);
	return rc;
}

int capture_linktype_val(const char *name)
{
	return pcap_datalink_name_to_val(name);
}

int capture_list(int (*cb)(int n, const char *name, unsigned flags, void *arg), void *arg,
		 struct nr_err *e)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_if_t *all, *d;
	unsigned f;
	int n = 0, rc = 1;

	if (pcap_findalldevs(&all, eb) < 0)
		return nr_fail(e, NR_E_CAP_PCAP, 0, MOD, "listing interfaces: %s", eb);
	for (d = all; d && rc > 0; d = d->next) {
		f = (d->flags & PCAP_IF_UP ? CAPTURE_IF_UP : 0) |
		    (d->flags & PCAP_IF_RUNNING ? CAPTURE_IF_RUNNING : 0) |
		    (d->flags & PCAP_IF_LOOPBACK ? CAPTURE_IF_LOOPBACK : 0);
		rc = cb(++n, d->name, f, arg);
	}
	pcap_freealldevs(all);
	return rc < 0 ? -1 : 0;
}

/* --- helpers offered to callers ------------------------------------------------------------ */

int capture_check_filter(const char *filter, int linktype, unsigned snaplen, struct nr_err *e)
{
	struct bpf_program prog;
	pcap_t *p;
	int rc;

	if (!filter || !filter[0])
		return 0;
	p = pcap_open_dead(linktype, (int)(snaplen ? snaplen : CAPTURE_DEF_SNAPLEN));
	if (!p)
		return nr_fail(e, NR_E_NOMEM, 0, MOD, "filter check");
	rc = compile(p, filter, &prog, e);
	if (rc == 0)
		pcap_freecode(&prog);
	pcap_close(p);
	return rc;
}

unsigned long long capture_default_cap(const char *dir, struct nr_err *e)
{
	struct statvfs sv;
	unsigned long long fr, res;

	if (statvfs(dir, &sv) < 0)
		return nr_fail(e, NR_E_SYS, errno, MOD, "%s", dir), 0;
	fr = (unsigned long long)sv.f_bavail * sv.f_frsize;
	res = fr / 10 < CAP_RESERVE_MAX ? fr / 10 : CAP_RESERVE_MAX;
	return fr - res ? fr - res : 1;
}

int capture_auto_dir(const char *root, char *buf, size_t cap, struct nr_err *e)
{
	/* COS: /var/lib/toolbox and /mnt/stateful_partition are disk-backed and writable; /tmp
	 * and /home may be tmpfs or noexec. Generic distros: /var/tmp is disk by FHS. */
	static const char *const cand[] = {
		"/var/lib/toolbox", "/mnt/stateful_partition", "/var/tmp", "/root", "/tmp",
	};
	struct statfs sf;
	size_t i;

	for (i = 0; i < sizeof cand / sizeof cand[0]; i++) {
		if (path_under(root, cand[i], buf, cap) < 0)
			continue;
		if (statfs(buf, &sf) < 0 || access(buf, W_OK) < 0)
			continue;
		if ((unsigned long)sf.f_type == FS_TMPFS || (unsigned long)sf.f_type == FS_RAMFS)
			continue;
		return 0;
	}
	return nr_fail(e, NR_E_CAP_NODIR, 0, MOD, "-w auto");
}

static int dir_of(const char *file, char *dir, size_t cap)
{
	char *slash;

	if (snprintf(dir, cap, "%s", file) >= (int)cap)
		return -1;
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, cap, ".");
	else
		slash[slash == dir] = 0;
	return 0;
}

int capture_path_in_ram(const char *file)
{
	char dir[CAPTURE_PATH_MAX];
	struct statfs sf;

	if (dir_of(file, dir, sizeof dir) < 0 || statfs(dir, &sf) < 0)
		return 0;
	return (unsigned long)sf.f_type == FS_TMPFS || (unsigned long)sf.f_type == FS_RAMFS;
}

const char *capture_stop_name(enum capture_stop s)
{
	static const char *const n[] = {
		"none", "signal", "count", "duration", "max-size", "disk-full", "interface-gone",
		"file-limit", "stopped", "error",
	};

	return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "error";
}

const char *capture_stop_text(enum capture_stop s)
{
	static const char *const t[] = {
		"still running", "interrupted", "packet count reached (-c)", "duration reached (--duration)",
		"size cap reached (--max-size)", "output filesystem is full",
		"the interface disappeared (pod deleted?)", "file limit reached (-G with -W)",
		"stopped by the caller", "error",
	};

	return (unsigned)s < sizeof t / sizeof t[0] ? t[s] : "error";
}

const char *capture_linktype_name(int linktype)
{
	const char *n = pcap_datalink_val_to_name(linktype);

	return n ? n : "unknown";
}

void capture_json(struct jw *w, const struct capture_result *r)
{
	int i;

	jw_kstr(w, "interface", r->interface);
	jw_key(w, "files");
	jw_arr(w);
	for (i = 0; i < r->nfiles; i++)
		jw_str(w, r->files[i]);
	jw_arr_end(w);
	jw_kuint(w, "files_total", r->files_total);
	jw_kuint(w, "packets_captured", r->packets_captured);
	jw_kuint(w, "packets_dropped", r->packets_dropped);
	jw_kuint(w, "packets_received", r->packets_received);
	jw_kuint(w, "packets_if_dropped", r->packets_if_dropped);
	jw_kuint(w, "bytes", r->bytes);
	jw_kuint(w, "file_bytes", r->file_bytes);
	if (r->max_bytes)
		jw_kuint(w, "max_bytes", r->max_bytes);
	else
		jw_knull(w, "max_bytes");
	jw_kuint(w, "snaplen", r->snaplen);
	jw_kint(w, "linktype", r->linktype);
	jw_kstr(w, "link_type", capture_linktype_name(r->linktype));
	jw_key(w, "seconds");
	jw_double(w, r->seconds);
	jw_kstr(w, "stop_reason", capture_stop_name(r->stop));
	jw_kstr(w, "stop_detail", r->stop_detail[0] ? r->stop_detail : NULL);
}

/* --- the loop ------------------------------------------------------------------------------ */

static void stats(struct run *u)
{
	struct pcap_stat st;

	if (pcap_stats(u->p, &st) == 0) {
		u->r->packets_received = st.ps_recv;
		u->r->packets_dropped = st.ps_drop;
		u->r->packets_if_dropped = st.ps_ifdrop;
	}
	if (u->cf)
		u->r->file_bytes = capfile_bytes(u->cf);
}

/* poll() timeout: our tick, shorter when --duration ends sooner or libpcap asks (ENETDOWN). */
static int poll_ms(struct run *u, double left)
{
	const struct timeval *tv = pcap_get_required_select_timeout(u->p);
	int ms = CAPTURE_TIMEOUT_MS;

	if (left >= 0 && left * 1000 < ms)
		ms = (int)(left * 1000) + 1;
	if (tv && tv->tv_sec * 1000 + tv->tv_usec / 1000 < ms)
		ms = (int)(tv->tv_sec * 1000 + tv->tv_usec / 1000);
	return ms;
}

/* After Ctrl-C or --duration the packets that arrived last still sit in the ring's open
 * TPACKET_V3 block, which the kernel hands over only when its timeout retires it: wait that
 * long once more and take them, so what was seen before the stop is in the file. */
static void drain(struct run *u, struct pollfd *pf)
{
	double end = mono() + (CAPTURE_TIMEOUT_MS + 50) / 1000.0, left;

	u->draining = 1;
	while (u->draining && (left = end - mono()) > 0) {
		if (poll(pf, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		/* PCAP_ERROR_BREAK is the breakloop of the stop itself, consumed by this call. */
		if (pcap_dispatch(u->p, -1, on_pkt, (u_char *)u) == PCAP_ERROR)
			break;
	}
	u->draining = 0;
}

static void loop(struct run *u)
{
	const struct capture_opts *o = u->o;
	struct pollfd pf = { pcap_get_selectable_fd(u->p), POLLIN, 0 };
	double t0 = mono(), tick = t0 + 1, now;
	int n;

	while (!u->r->stop) {
		now = mono();
		u->now = time(NULL);
		if (o->stop && *o->stop) {
			stop(u, CAPTURE_STOP_SIGNAL, "");
			break;
		}
		if (o->duration && now - t0 >= o->duration) {
			stop(u, CAPTURE_STOP_DURATION, "");
			break;
		}
		if (u->cf && capfile_expired(u->cf, u->now)) {
			stop(u, CAPTURE_STOP_FILELIMIT, "");
			break;
		}
		if (now >= tick) {
			tick = now + 1;
			if (u->cf && capfile_flush(u->cf))
				break;
			stats(u);
			u->r->seconds = now - t0;
			if (o->on_progress)
				o->on_progress(u->r, o->arg);
		}
		if (poll(&pf, 1, poll_ms(u, o->duration ? o->duration - (now - t0) : -1)) < 0 && errno != EINTR) {
			stop(u, CAPTURE_STOP_ERROR, strerror(errno));
			break;
		}
		n = pcap_dispatch(u->p, -1, on_pkt, (u_char *)u);
		if (n > 0 && o->packet_buffered && u->cf && capfile_flush(u->cf))
			break;
		if (n == PCAP_ERROR && !u->r->stop) {
			const char *t = pcap_geterr(u->p);
			/* libpcap's words for ENETDOWN/ENXIO/ENODEV on the packet socket. */
			int gone = strstr(t, "disappeared") || strstr(t, "went down") || strstr(t, "Network is down");

			stop(u, gone ? CAPTURE_STOP_IFGONE : CAPTURE_STOP_ERROR, t);
		}
	}
	if (u->r->stop == CAPTURE_STOP_SIGNAL || u->r->stop == CAPTURE_STOP_DURATION)
		drain(u, &pf);
	u->r->seconds = mono() - t0;
}

static int open_files(const struct capture_opts *o, struct capfile *cf, struct capture_result *r,
		      struct nr_err *e)
{
	char dir[CAPTURE_PATH_MAX];

	memset(cf, 0, sizeof *cf);
	cf->tmpl = o->path;
	cf->force = o->force;
	cf->rotate_secs = o->rotate_secs;
	cf->rotate_bytes = o->rotate_bytes;
	cf->max_files = o->max_files;
	cf->snaplen = r->snaplen;
	cf->linktype = r->linktype;
	cf->nano = r->nano;
	cf->pcapng = o->pcapng;
	cf->out_fd = o->to_stdout ? STDOUT_FILENO : -1;
	cf->if_desc = o->if_desc;
	cf->arg = o->arg;
	cf->r = r;
	cf->fd = -1;
	/* One allocation for the whole run; nothing per packet. */
	cf->buf = malloc(CAPFILE_BUF);
	if (!cf->buf)
		return nr_fail(e, NR_E_NOMEM, 0, MOD, "write buffer");
	if (capfile_open(cf, time(NULL), e) < 0)
		return -1;
	cf->max_bytes = o->max_bytes;
	if (!cf->max_bytes && !o->to_stdout) {
		if (dir_of(r->files[0], dir, sizeof dir) == 0)
			cf->max_bytes = capture_default_cap(dir, NULL);
	}
	r->max_bytes = cf->max_bytes;
	return 0;
}

int capture_run(const struct capture_opts *o, struct capture_result *r, struct nr_err *e)
{
	const char *ifname = o->ifname && o->ifname[0] ? o->ifname : "any";
	char eb[PCAP_ERRBUF_SIZE];
	struct capfile cf;
	struct run u = { o, r, NULL, NULL, 0, 0 };
	int rc = -1;

	memset(r, 0, sizeof *r);
	snprintf(r->interface, sizeof r->interface, "%s", ifname);
	r->nano = o->nano;
	cf.buf = NULL;
	cf.fd = -1;
	if (open_handle(o, ifname, &u.p, r, e) < 0)
		return -1;
	r->linktype = pcap_datalink(u.p);
	r->snaplen = (unsigned)pcap_snapshot(u.p);
	if (set_filter(u.p, o->filter, e) < 0)
		goto out;
	if (pcap_setnonblock(u.p, 1, eb) < 0) {
		nr_fail(e, NR_E_CAP_PCAP, 0, MOD, "%s: %s", ifname, eb);
		goto out;
	}
	if (o->path) {
		if (open_files(o, &cf, r, e) < 0)
			goto out;
		u.cf = &cf;
	}
	if (o->on_start)
		o->on_start(r, o->arg);
	loop(&u);
	stats(&u);
	rc = 0;
out:
	finish(&u, &cf);
	return rc;
}
