/* capture: tcpdump's flags on static libpcap, plus pods (--pod-ip, --inside), a size cap that is
 * always on, and files that stay valid whatever stops the capture. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/parse.h"
#include "capture/capture.h"
#include "cli/cli.h"
#include "locate/locate.h"
#include "netns/netns.h"
#include "report/json.h"
#include "upload/upload.h"

/* FILTER_MAX: the joined filter expression; tcpdump filters on a command line stay far below. */
#define FILTER_MAX 4096
/* LINE_MAX_TXT: one decoded packet line (DNS answers and SNI are cut, never the line broken). */
#define LINE_MAX_TXT 1024

enum {
	O_IFACE = 1, O_SNAP, O_WRITE, O_COUNT, O_NUMERIC, O_ROTG, O_ROTC, O_ROTW, O_BUF,
	O_PODIP, O_INSIDE, O_DURATION, O_MAXSIZE, O_FORCE, O_UPLOAD, O_READ, O_HDR, O_CAFILE, O_RESOLVE, O_PROXY, O_LINK, O_LINEBUF, O_PKTBUF, O_VERBOSE,
};

static const struct cli_opt opts[] = {
	{ "interface", 'i', CLI_ARG_REQUIRED, O_IFACE },
	{ "snaplen", 's', CLI_ARG_REQUIRED, O_SNAP },
	{ "write", 'w', CLI_ARG_REQUIRED, O_WRITE },
	{ "count", 'c', CLI_ARG_REQUIRED, O_COUNT },
	{ "numeric", 'n', CLI_ARG_NONE, O_NUMERIC },
	{ "rotate-seconds", 'G', CLI_ARG_REQUIRED, O_ROTG },
	{ "rotate-size", 'C', CLI_ARG_REQUIRED, O_ROTC },
	{ "rotate-files", 'W', CLI_ARG_REQUIRED, O_ROTW },
	{ "buffer-size", 'B', CLI_ARG_REQUIRED, O_BUF },
	{ "pod-ip", 0, CLI_ARG_REQUIRED, O_PODIP },
	{ "inside", 0, CLI_ARG_NONE, O_INSIDE },
	{ "duration", 0, CLI_ARG_REQUIRED, O_DURATION },
	{ "max-size", 0, CLI_ARG_REQUIRED, O_MAXSIZE },
	{ "force", 0, CLI_ARG_NONE, O_FORCE },
	{ "upload", 0, CLI_ARG_REQUIRED, O_UPLOAD },
	{ "read", 'r', CLI_ARG_REQUIRED, O_READ },
	{ "header", 'H', CLI_ARG_REQUIRED, O_HDR },
	{ "ca-file", 0, CLI_ARG_REQUIRED, O_CAFILE },
	{ "resolve", 0, CLI_ARG_REQUIRED, O_RESOLVE },
	{ "proxy", 0, CLI_ARG_REQUIRED, O_PROXY },
	{ "link-header", 'e', CLI_ARG_NONE, O_LINK },
	{ "line-buffered", 'l', CLI_ARG_NONE, O_LINEBUF },
	{ "packet-buffered", 'U', CLI_ARG_NONE, O_PKTBUF },
	{ "verbose", 'v', CLI_ARG_NONE, O_VERBOSE },
	{ NULL, 0, 0, 0 },
};

struct state {
	struct cli *c;
	int flags;               /* CAPTURE_DECODE_* */
	struct jw w;
	int doc;                 /* the JSON document is open */
	int progress;            /* progress line shown on stderr */
	int64_t last_sec;        /* cached wall-clock second for timestamps */
	char hms[16];
	char line[LINE_MAX_TXT];
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Without SA_RESTART, so poll() returns at once and the loop sees the flag. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* The document opens with the first packet or once capture has run, never before: a capture
 * that cannot start prints no half document. Without -w, packets stream into "packets". */
static void open_doc(struct state *s, int packets)
{
	if (!s->c->json || s->doc)
		return;
	cli_json_begin(s->c, &s->w, "capture");
	s->doc = 1;
	if (packets) {
		jw_key(&s->w, "packets");
		jw_arr(&s->w);
	}
}

static void clear_progress(struct state *s)
{
	if (s->progress)
		fputs("\r\033[K", stderr);
	s->progress = 0;
}

/* One line per packet, tcpdump's "HH:MM:SS.uuuuuu" local time first. */
static int print_pkt(const struct capture_pkt *p, void *arg)
{
	struct state *s = arg;
	struct tm tm;
	time_t t = (time_t)p->sec;
	int n;

	if (p->sec != s->last_sec) {
		s->last_sec = p->sec;
		if (localtime_r(&t, &tm))
			strftime(s->hms, sizeof s->hms, "%H:%M:%S", &tm);
	}
	n = snprintf(s->line, sizeof s->line, "%s.%06u ", s->hms, (unsigned)p->usec);
	capture_decode(s->line + n, sizeof s->line - (size_t)n, p->linktype, s->flags, p->data,
		       p->caplen, p->len);
	if (s->c->json) {
		open_doc(s, 1);
		jw_str(&s->w, s->line);
		return 1;
	}
	clear_progress(s);
	puts(s->line);
	return 1;
}

static void progress(const struct capture_result *r, void *arg)
{
	struct state *s = arg;

	fflush(stdout);
	if (!s->c->stderr_tty)
		return;
	fprintf(stderr, "\r\033[K%llu packets, %llu bytes, %llu dropped by kernel", r->packets_captured,
		r->bytes, r->packets_dropped);
	if (r->nfiles)
		fprintf(stderr, ", %s %.1f MB", r->files[r->nfiles - 1], r->file_bytes / 1e6);
	s->progress = 1;
}

/* tcpdump's first line, on stderr: says capture is really on (scripts wait for it). */
static void started(const struct capture_result *r, void *arg)
{
	(void)arg;
	fprintf(stderr, "netrescue: capture: listening on %s, link-type %s, snapshot length %u bytes%s%s\n",
		r->interface, capture_linktype_name(r->linktype), r->snaplen, r->nfiles ? ", writing " : "",
		r->nfiles ? r->files[0] : "");
}

static int uint_opt(struct cli *c, const char *name, const char *v, unsigned long long min,
		    unsigned long long max, unsigned long long *out)
{
	if (parse_uint(v, min, max, out) < 0)
		return cli_usage(c, "%s: '%s' is not a number in %llu..%llu", name, v, min, max), -1;
	return 0;
}

struct args {
	struct capture_opts o;
	char filter[FILTER_MAX];
	const char *pod_ip;
	int inside;
	const char *upload;
	const char *write;
	const char *read;
	int ifname_given;
	int flags;               /* CAPTURE_DECODE_* (-e) */
	int linebuf, verbose;
	struct upload_opts uo;   /* -H, --ca-file, --resolve, --proxy: as `netrescue upload` */
	struct upload_result ur;
};

static int parse_args(struct cli *c, int argc, char **argv, struct args *a, int *done)
{
	struct cli_parse p;
	unsigned long long v;
	size_t n = 0;
	int id, i;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0) {
			*done = 1;
			return cli_parse_end(&p, id);
		}
		switch (id) {
		case O_IFACE: a->o.ifname = p.arg; a->ifname_given = 1; break;
		case O_SNAP:
			if (uint_opt(c, "-s", p.arg, 0, CAPTURE_DEF_SNAPLEN, &v) < 0)
				return EXIT_USAGE;
			a->o.snaplen = (unsigned)v;
			break;
		case O_WRITE: a->write = p.arg; break;
		case O_COUNT:
			if (uint_opt(c, "-c", p.arg, 1, ~0ull, &a->o.count) < 0)
				return EXIT_USAGE;
			break;
		case O_NUMERIC: break; /* never resolves names anyway */
		case O_ROTG:
			if (parse_duration(p.arg, &v) < 0 || !v || v > 0x7fffffff)
				return cli_usage(c, "-G: '%s' is not a duration in seconds", p.arg);
			a->o.rotate_secs = (unsigned)v;
			break;
		case O_ROTC:
			if (uint_opt(c, "-C", p.arg, 1, 1000000, &v) < 0)
				return EXIT_USAGE;
			a->o.rotate_bytes = v * 1000000ull; /* tcpdump: millions of bytes */
			break;
		case O_ROTW:
			if (uint_opt(c, "-W", p.arg, 1, 1000000, &v) < 0)
				return EXIT_USAGE;
			a->o.max_files = (unsigned)v;
			break;
		case O_BUF:
			if (uint_opt(c, "-B", p.arg, 64, 2u * 1024 * 1024 - 1, &v) < 0)
				return EXIT_USAGE;
			a->o.buffer_kib = (unsigned)v;
			break;
		case O_PODIP: a->pod_ip = p.arg; break;
		case O_INSIDE: a->inside = 1; break;
		case O_DURATION:
			if (parse_duration(p.arg, &v) < 0 || !v || v > 0x7fffffff)
				return cli_usage(c, "--duration: '%s' is not a duration (90, 90s, 15m, 2h)", p.arg);
			a->o.duration = (unsigned)v;
			break;
		case O_MAXSIZE:
			if (uint_opt(c, "--max-size", p.arg, 1, 100000000, &v) < 0)
				return EXIT_USAGE;
			a->o.max_bytes = v * 1000000ull;
			break;
		case O_FORCE: a->o.force = 1; break;
		case O_UPLOAD: a->upload = p.arg; break;
		case O_READ: a->read = p.arg; break;
		case O_HDR:
			if (a->uo.nheaders >= UPLOAD_MAX_HEADERS)
				return cli_usage(c, "-H: at most %d headers", UPLOAD_MAX_HEADERS);
			a->uo.headers[a->uo.nheaders++] = p.arg;
			break;
		case O_CAFILE: a->uo.ca_file = p.arg; break;
		case O_RESOLVE: a->uo.resolve = p.arg; break;
		case O_PROXY: a->uo.proxy = p.arg; break;
		case O_LINK: a->flags |= CAPTURE_DECODE_LINK; break;
		case O_LINEBUF: a->linebuf = 1; break;
		case O_PKTBUF: a->o.packet_buffered = 1; break;
		case O_VERBOSE: a->verbose = 1; break;
		}
	}
	/* The filter is the rest of the line, joined with spaces, as tcpdump takes it. */
	for (i = 0; i < p.npos; i++) {
		int k = snprintf(a->filter + n, sizeof a->filter - n, "%s%s", i ? " " : "", p.pos[i]);

		if (k < 0 || (size_t)k >= sizeof a->filter - n)
			return cli_usage(c, "filter expression longer than %d bytes", FILTER_MAX - 1);
		n += (size_t)k;
	}
	return 0;
}

static int check_args(struct cli *c, struct args *a)
{
	struct nr_addr ip;

	if (a->read && (a->write || a->pod_ip || a->upload || a->ifname_given))
		return cli_usage(c, "-r reads a file: not with -w, -i, --pod-ip or --upload");
	if (a->inside && !a->pod_ip)
		return cli_usage(c, "--inside needs --pod-ip IP (whose network namespace to enter)");
	if (a->pod_ip && parse_ip(a->pod_ip, &ip) < 0)
		return cli_usage(c, "--pod-ip: '%s' is not an IP address", a->pod_ip);
	if (a->pod_ip && a->ifname_given && !a->inside)
		return cli_usage(c, "-i and --pod-ip both name the interface: give one");
	if ((a->o.rotate_bytes || a->o.rotate_secs || a->o.max_files || a->o.max_bytes || a->o.force) && !a->write && !a->upload)
		return cli_usage(c, "-C, -G, -W, --max-size and --force need -w FILE");
	if (a->o.max_files && !a->o.rotate_bytes && !a->o.rotate_secs)
		return cli_usage(c, "-W needs -C or -G (as in tcpdump)");
	if (!a->upload && (a->uo.nheaders || a->uo.ca_file || a->uo.resolve || a->uo.proxy))
		return cli_usage(c, "-H, --ca-file, --resolve and --proxy go with --upload URL");
	if (a->upload && (a->o.rotate_bytes || a->o.rotate_secs))
		return cli_usage(c, "--upload sends one file: not with -C or -G");
	if (a->write && !strcmp(a->write, "-"))
		return cli_usage(c, "-w -: writing pcap to stdout is not supported; give a file");
	return 0;
}

/* -w auto, -w DIR/ or -w on an existing directory: a generated name in a disk-backed place. */
static int out_path(struct cli *c, struct args *a, char *buf, size_t cap)
{
	char dir[CAPTURE_PATH_MAX], tbuf[32], ifs[CAPTURE_IFNAME_MAX];
	const char *w = a->write ? a->write : "auto";
	const char *ifn = a->o.ifname ? a->o.ifname : "any";
	struct stat st;
	struct nr_err e;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	if (strcmp(w, "auto") && w[strlen(w) - 1] != '/' && (stat(w, &st) < 0 || !S_ISDIR(st.st_mode))) {
		a->o.path = w;
		if (capture_path_in_ram(w))
			cli_warn(c, "%s is on tmpfs: the capture uses the node's memory and is lost on reboot "
				 "(-w auto picks a disk-backed directory)", w);
		return 0;
	}
	if (!strcmp(w, "auto")) {
		if (capture_auto_dir(c->host_root, dir, sizeof dir, &e) < 0)
			return cli_fail(c, &e);
	} else {
		snprintf(dir, sizeof dir, "%s", w);
	}
	for (i = 0; ifn[i] && i + 1 < sizeof ifs; i++)
		ifs[i] = (ifn[i] >= 'a' && ifn[i] <= 'z') || (ifn[i] >= 'A' && ifn[i] <= 'Z') ||
			 (ifn[i] >= '0' && ifn[i] <= '9') || ifn[i] == '.' || ifn[i] == '-' ? ifn[i] : '_';
	ifs[i] = 0;
	gmtime_r(&now, &tm);
	strftime(tbuf, sizeof tbuf, "%Y%m%dT%H%M%SZ", &tm);
	if (snprintf(buf, cap, "%s%snetrescue-%s-%s.pcap", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
		     ifs, tbuf) >= (int)cap)
		return cli_usage(c, "-w: directory name too long");
	a->o.path = buf;
	fprintf(stderr, "netrescue: capture: writing to %s\n", buf);
	return 0;
}

/* --pod-ip: the host-side interface, or (--inside) the pod's netns and its interface. */
static int find_pod(struct cli *c, struct args *a, char *ifbuf, size_t cap)
{
	static struct locate_report lr;
	struct nr_err e;
	int rc;

	if ((rc = cli_locate_pod(c, a->pod_ip, &lr)) != EXIT_OK)
		return rc;
	nr_err_clear(&e);
	if (!a->inside) {
		if (!lr.host_if[0]) {
			nr_fail(&e, NR_E_CAP_NOPOD, 0, "capture", "%s", a->pod_ip);
			return cli_fail(c, &e);
		}
		snprintf(ifbuf, cap, "%s", lr.host_if);
		a->o.ifname = ifbuf;
		return 0;
	}
	if (!lr.npids) {
		nr_fail(&e, NR_E_CAP_NOPOD, 0, "capture", "%s: no process in its network namespace", a->pod_ip);
		return cli_fail(c, &e);
	}
	a->o.netns_fd = netns_open_pid(lr.pids[0], NULL, &e);
	if (a->o.netns_fd < 0)
		return cli_fail(c, &e);
	if (!a->ifname_given) {
		snprintf(ifbuf, cap, "%s", lr.pod_if[0] ? lr.pod_if : "eth0");
		a->o.ifname = ifbuf;
	}
	return 0;
}

static int stop_exit(enum capture_stop s)
{
	return s == CAPTURE_STOP_DISKFULL || s == CAPTURE_STOP_IFGONE || s == CAPTURE_STOP_ERROR ?
	       EXIT_CANNOT : EXIT_OK;
}

static void summary(struct state *s, const struct args *a, const struct capture_result *r)
{
	int i;

	clear_progress(s);
	fprintf(stderr, "netrescue: capture: stopped: %s%s%s%s\n", capture_stop_text(r->stop),
		r->stop_detail[0] ? " (" : "", r->stop_detail, r->stop_detail[0] ? ")" : "");
	if (s->c->json)
		return;
	fprintf(stderr, "%llu packets captured on %s\n%llu packets received by filter\n"
		"%llu packets dropped by kernel\n", r->packets_captured, r->interface,
		r->packets_received, r->packets_dropped);
	for (i = 0; i < r->nfiles; i++)
		fprintf(stderr, "file: %s\n", r->files[i]);
	if (a->o.path)
		fprintf(stderr, "%llu bytes in %llu file%s\n", r->file_bytes, r->files_total,
			r->files_total == 1 ? "" : "s");
}

/* After capture: the (one) file goes to the signed URL. The file stays on disk either way. */
static int do_upload(struct state *s, struct args *a, const struct capture_result *r)
{
	char msg[NR_ERR_CTX + 512];
	struct nr_err e;
	int rc;

	nr_err_clear(&e);
	if (!r->nfiles)
		return EXIT_CANNOT;
	rc = upload_file(r->files[0], a->upload, &a->uo, &a->ur, &e);
	if (s->doc) {
		jw_key(&s->w, "upload");
		jw_obj(&s->w);
		upload_json(&s->w, &a->ur);
		if (rc < 0) {
			nr_err_text(&e, msg, sizeof msg);
			jw_kstr(&s->w, "error", msg);
		}
		jw_obj_end(&s->w);
	} else if (rc == 0) {
		fprintf(stderr, "uploaded %s: %llu bytes, HTTP %d, %s\n", r->files[0], a->ur.bytes,
			a->ur.http_status, a->ur.url);
	}
	return rc < 0 ? cli_fail(s->c, &e) : EXIT_OK;
}

/* -r FILE: print a capture file as live capture prints packets (tcpdump -r). */
static int read_file(struct cli *c, struct args *a, struct state *s, struct capture_result *r)
{
	struct nr_err e;

	nr_err_clear(&e);
	if (capture_read(a->read, a->filter, print_pkt, s, r, &e) < 0)
		return cli_fail(c, &e);
	if (c->json) {
		open_doc(s, 1);
		jw_arr_end(&s->w);
		jw_kstr(&s->w, "file", a->read);
		jw_kuint(&s->w, "packets", r->packets_captured);
		jw_kint(&s->w, "linktype", r->linktype);
		return jw_end(&s->w) < 0 ? EXIT_CANNOT : EXIT_OK;
	}
	return fflush(stdout) ? EXIT_CANNOT : EXIT_OK;
}

static int run(struct cli *c, int argc, char **argv)
{
	static struct args a;
	static struct capture_result r;
	static struct state s;
	char path[CAPTURE_PATH_MAX], ifbuf[CAPTURE_IFNAME_MAX];
	struct nr_err e;
	int rc, done = 0, ex;

	memset(&a, 0, sizeof a);
	memset(&s, 0, sizeof s);
	a.o.netns_fd = -1;
	s.c = c;
	s.last_sec = -1;
	rc = parse_args(c, argc, argv, &a, &done);
	if (rc || done)
		return rc;
	if ((rc = check_args(c, &a)))
		return rc;
	a.o.filter = a.filter;
	s.flags = a.flags;
	if (a.linebuf)
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (a.verbose)
		cli_warn(c, "-v is accepted for tcpdump habits; lines keep the -n format");
	nr_err_clear(&e);
	/* A bad filter is a usage error: say so before touching interfaces or files. */
	if (capture_check_filter(a.filter, 1 /* DLT_EN10MB */, a.o.snaplen, &e) < 0)
		return cli_fail(c, &e);
	if (a.read)
		return read_file(c, &a, &s, &r);
	if (a.upload) {
		/* A bad URL or a missing signed header is a usage error: before capturing, not after. */
		if (upload_check(a.upload, &a.uo, &a.ur, &e) < 0)
			return cli_fail(c, &e);
	}
	if (a.pod_ip && (rc = find_pod(c, &a, ifbuf, sizeof ifbuf)))
		return rc;
	if ((a.write || a.upload) && (rc = out_path(c, &a, path, sizeof path)))
		return rc;
	if (!a.o.path) {
		a.o.on_packet = print_pkt;
	}
	a.o.on_start = started;
	a.o.on_progress = progress;
	a.o.arg = &s;
	a.o.stop = &stop_flag;
	catch_signals();
	rc = capture_run(&a.o, &r, &e);
	if (a.o.netns_fd >= 0)
		close(a.o.netns_fd);
	if (rc < 0) {
		clear_progress(&s);
		/* It did not start: no document (stdout stays empty), one line on stderr. */
		return cli_fail(c, &e);
	}
	ex = stop_exit(r.stop);
	summary(&s, &a, &r);
	if (c->json) {
		open_doc(&s, !a.o.path);
		if (!a.o.path)
			jw_arr_end(&s.w);
		capture_json(&s.w, &r);
		jw_kstr(&s.w, "filter", a.filter[0] ? a.filter : NULL);
		jw_kstr(&s.w, "pod_ip", a.pod_ip);
		jw_kbool(&s.w, "inside", a.inside);
	}
	if (a.upload && ex == EXIT_OK)
		ex = do_upload(&s, &a, &r);
	if (c->json && jw_end(&s.w) < 0)
		return EXIT_CANNOT;
	fflush(stdout);
	return ex;
}

const struct cli_cmd cmd_capture = {
	"capture",
	"capture [-i IFACE | --pod-ip IP [--inside]] [-s SNAPLEN] [-w FILE|DIR/|auto] [-c N]\n"
	"        [-n] [-e] [-l] [-U] [-r FILE] [-G SECONDS] [-C MB] [-W N] [-B KiB] [--duration S] [--max-size MB] [--force]\n"
	"        [--upload URL [-H 'K: V'] [--ca-file F]] [FILTER...]",
	"capture packets to a pcap file or print them one per line (tcpdump)",
	"Captures with libpcap, built in: the same flags and filter syntax as tcpdump, no tcpdump\n"
	"needed. Without -w, prints one line per packet like `tcpdump -n` and names what matters:\n"
	"[SYN] [SYN-ACK] [RST], TLS ClientHello sni=NAME / ServerHello / Alert, DNS questions and\n"
	"answers, ICMP 'need to frag (mtu N)' and ICMP6 'packet too big, mtu N'.\n"
	"Lines equal `tcpdump -n -S` (absolute TCP sequence numbers) plus those names.\n"
	"Files are never lost: on Ctrl-C, SIGTERM, SIGHUP (ssh dropped), -c, --duration, a full\n"
	"disk or the interface vanishing (pod deleted) the file is flushed, every packet record in\n"
	"it is whole, and the last line says why capture stopped. Files are created 0600, never\n"
	"over an existing file (unless --force) and never through a symlink.\n"
	"\n"
	"options:\n"
	"  -i, --interface IFACE  interface to capture on; 'any' for all (default: any)\n"
	"  -s, --snaplen N        bytes kept per packet; 0 = whole packets (default 262144)\n"
	"  -w, --write FILE       write packets to the pcap FILE instead of printing them (a bare\n"
	"                         name is relative to the current directory, as tcpdump).\n"
	"                         'auto', 'DIR/' or an existing DIR: a generated name\n"
	"                         (netrescue-IFACE-TIME.pcap); 'auto' picks a disk-backed writable\n"
	"                         directory (/var/lib/toolbox, /mnt/stateful_partition, /var/tmp,\n"
	"                         /root, /tmp: the first that is not tmpfs) under --host-root\n"
	"  -c, --count N          stop after N packets\n"
	"  -r, --read FILE        print the packets of a pcap/pcapng file instead (tcpdump -r)\n"
	"  -e, --link-header      print MAC addresses and ethertype first (tcpdump -e)\n"
	"  -l, --line-buffered    flush each printed line (for | grep), as tcpdump -l\n"
	"  -U, --packet-buffered  with -w: write out every ~100 ms batch instead of once per MiB\n"
	"                         or second (tail the file as it grows)\n"
	"  -v                     accepted for tcpdump habits (warns; the format stays)\n"
	"  -n, --numeric          accepted for tcpdump habits; names are never resolved\n"
	"  -G, --rotate-seconds S start a new file every S seconds; FILE is a strftime template\n"
	"                         (e.g. -w /var/tmp/cap-%H%M%S.pcap), as tcpdump -G\n"
	"  -C, --rotate-size MB   start a new file when the current one exceeds MB million bytes:\n"
	"                         FILE, FILE1, FILE2, ... (tcpdump naming)\n"
	"  -W, --rotate-files N   with -C: a ring of N files FILE0..FILE(N-1), the oldest is\n"
	"                         overwritten; with -G: stop after N files\n"
	"  -B, --buffer-size KiB  kernel capture ring (default 32768 = 32 MiB, TPACKET_V3)\n"
	"  --pod-ip IP            capture on that pod's host-side interface (found as locate does)\n"
	"  --inside               with --pod-ip: enter the pod's network namespace and capture on its\n"
	"                         eth0 (or -i IFACE there); no debug container needed\n"
	"  --duration S           stop after S (90, 90s, 15m, 2h)\n"
	"  --max-size MB          stop when the files hold MB million bytes in all. Always on: the\n"
	"                         default is the free space of the output filesystem minus 10 %\n"
	"                         (at most 1 GiB kept free)\n"
	"  --force                overwrite existing files (still never through a symlink)\n"
	"  --upload URL           after capture, upload the file to a signed URL (see 'help upload');\n"
	"                         without -w the file goes to -w auto\n"
	"  -H 'NAME: VALUE', --ca-file F, --resolve HOST:PORT:ADDR, --proxy URL\n"
	"                         with --upload: as for 'netrescue upload' (signed headers, CA roots)\n"
	"  FILTER...              libpcap filter, as tcpdump: host 10.4.0.5 and tcp port 8080\n"
	"\n"
	"exit: 0 stopped as asked (Ctrl-C, -c, --duration, --max-size, -G -W); 2 bad option or filter;\n"
	"3 could not capture (no such interface, permission), or stopped early by a full disk or a\n"
	"vanished interface (the files are still valid).\n"
	"--json: one document: interface, files, packets_captured, packets_dropped (kernel),\n"
	"packets_received, bytes, file_bytes, max_bytes, stop_reason, stop_detail, filter, pod_ip;\n"
	"without -w also \"packets\": one decoded line per packet.\n"
	"\n"
	"examples:\n"
	"  netrescue capture -i eth0 -s 100 -w /var/lib/toolbox/port8080.pcap port 8080\n"
	"  netrescue capture -ni cbr0 host 10.4.0.5 and port 8080 and tcp\n"
	"  netrescue capture --pod-ip 10.4.0.5 --duration 60 -w auto\n"
	"  netrescue capture --pod-ip 10.4.0.5 --inside -c 100 udp port 53\n"
	"  netrescue capture -i any -C 100 -W 5 -w /var/tmp/ring.pcap tcp\n",
	run,
};
