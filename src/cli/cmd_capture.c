/* capture: tcpdump's flags on static libpcap, plus pods (--pod-ip, --inside), a size cap that is
 * always on, and files that stay valid whatever stops the capture. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/parse.h"
#include "capture/capture.h"
#include "cli/capture_pods.h"
#include "cli/cli.h"
#include "locate/locate.h"
#include "netns/netns.h"
#include "report/json.h"
#include "upload/upload.h"
#include "url/url.h"

/* FILTER_MAX: the joined filter expression; tcpdump filters on a command line stay far below. */
#define FILTER_MAX 4096
/* LINE_MAX_TXT: one decoded packet line (DNS answers and SNI are cut, never the line broken;
 * an overlay line holds the outer and the inner packet). */
#define LINE_MAX_TXT 1536

enum {
	O_IFACE = 1, O_SNAP, O_WRITE, O_COUNT, O_NUMERIC, O_ROTG, O_ROTC, O_ROTW, O_BUF,
	O_PODIP, O_INSIDE, O_DURATION, O_MAXSIZE, O_FORCE, O_UPLOAD, O_READ, O_HDR, O_CAFILE, O_RESOLVE, O_PROXY, O_URLFILE, O_INSECURE, O_LINK, O_LINEBUF, O_PKTBUF, O_VERBOSE,
	/* tcpdump habits */
	O_ABSSEQ, O_TIME, O_QUICK, O_ASCII, O_HEX, O_LIST, O_DIR, O_NOPROMISC, O_FFILE, O_TSPREC,
	O_RELINQUISH, O_LINKTYPE, O_PCAPNG,
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
	{ "url-file", 0, CLI_ARG_REQUIRED, O_URLFILE },
	{ "insecure-http", 0, CLI_ARG_NONE, O_INSECURE },
	{ "link-header", 'e', CLI_ARG_NONE, O_LINK },
	{ "line-buffered", 'l', CLI_ARG_NONE, O_LINEBUF },
	{ "packet-buffered", 'U', CLI_ARG_NONE, O_PKTBUF },
	{ "verbose", 'v', CLI_ARG_NONE, O_VERBOSE },
	/* tcpdump habits */
	{ "absolute-tcp-sequence-numbers", 'S', CLI_ARG_NONE, O_ABSSEQ },
	{ NULL, 't', CLI_ARG_NONE, O_TIME },
	{ "quiet", 'q', CLI_ARG_NONE, O_QUICK },
	{ "ascii", 'A', CLI_ARG_NONE, O_ASCII },
	{ "hex", 'X', CLI_ARG_NONE, O_HEX },
	{ "list-interfaces", 'D', CLI_ARG_NONE, O_LIST },
	{ "direction", 'Q', CLI_ARG_REQUIRED, O_DIR },
	{ "no-promiscuous-mode", 'p', CLI_ARG_NONE, O_NOPROMISC },
	{ "filter-file", 'F', CLI_ARG_REQUIRED, O_FFILE },
	{ "time-stamp-precision", 0, CLI_ARG_REQUIRED, O_TSPREC },
	{ "relinquish-privileges", 'Z', CLI_ARG_REQUIRED, O_RELINQUISH },
	{ "linktype", 'y', CLI_ARG_REQUIRED, O_LINKTYPE },
	{ "pcapng", 0, CLI_ARG_NONE, O_PCAPNG },
	{ NULL, 0, 0, 0 },
};

/* Timestamp forms (-t count): tcpdump's default HH:MM:SS.frac, -t none, -tt epoch, -ttt delta
 * since the previous packet, -tttt date and time, -ttttt delta since the first packet. */
enum { TS_HMS = 0, TS_NONE, TS_EPOCH, TS_DELTA, TS_DATE, TS_SINCE_FIRST };

struct state {
	struct cli *c;
	struct capture_dec dec;  /* flags (-e, -q) and the SLL2 interface names */
	const struct capture_result *r; /* the capture's interface table (SLL2 names) */
	const struct cap_pods *pods; /* interface -> namespace/pod, when known */
	int inside;              /* names come from the pod's netns: no live lookup here */
	int ts;                  /* TS_* */
	int payload;             /* 'A' (-A) or 'X' (-X) or 0 */
	struct jw w;
	int doc;                 /* the JSON document is open */
	int progress;            /* progress line shown on stderr */
	int have_sec;            /* hms holds the time of last_sec */
	int64_t last_sec;        /* cached wall-clock second for timestamps */
	int64_t prev_sec, first_sec; /* -ttt / -ttttt */
	uint32_t prev_nsec, first_nsec;
	int have_prev;
	char hms[32];
	char ifbuf[IF_NAMESIZE];
	char line[LINE_MAX_TXT];
};

/* A signal handler can reach only static storage: the flag stays file-scope. */
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Without SA_RESTART, so poll() returns at once and the loop sees the flag. A reader of -w -
 * that goes away (Wireshark closed) is a write error (EPIPE), not a silent death. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
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
		s->doc = 2;
	}
}

static void clear_progress(struct state *s)
{
	if (s->progress)
		fputs("\r\033[K", stderr);
	s->progress = 0;
}

/* SLL2 ifindex -> name: the capture's netns table, else (same netns) a live lookup, as tcpdump. */
static const char *ifname_of(unsigned idx, void *arg)
{
	struct state *s = arg;
	const char *n = s->r ? capture_ifname(s->r, idx) : NULL;

	if (n)
		return n;
	if (!s->inside && if_indextoname(idx, s->ifbuf))
		return s->ifbuf;
	return NULL;
}

/* " [pod ns/name]" after the line when an SLL2 packet's interface is a pod's veth. */
static void pod_note(struct state *s, const struct capture_pkt *p, size_t n)
{
	const char *nm, *d;

	if (!s->pods || p->linktype != 276 || p->caplen < 8)
		return;
	nm = ifname_of((unsigned)p->data[4] << 24 | (unsigned)p->data[5] << 16 |
		       (unsigned)p->data[6] << 8 | p->data[7], s);
	d = nm ? cap_pods_find(s->pods, nm) : NULL;
	if (d)
		snprintf(s->line + n, sizeof s->line - n, " [pod %s]", d);
}

static int hms(struct state *s, int64_t sec, int date)
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (s->have_sec && sec == s->last_sec)
		return 0;
	s->have_sec = 1;
	s->last_sec = sec;
	if (!localtime_r(&t, &tm) || !strftime(s->hms, sizeof s->hms, date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm))
		snprintf(s->hms, sizeof s->hms, "%lld", (long long)sec); /* never an empty time */
	return 0;
}

/* A duration as tcpdump -ttt prints it: " 00:00:01.000200" (the first column is the sign). */
static int delta(char *b, size_t cap, int64_t s0, uint32_t n0, int64_t s1, uint32_t n1, int nano)
{
	long long ns = (long long)(s1 - s0) * 1000000000LL + ((long long)n1 - n0), sec;
	char sign = ns < 0 ? '-' : ' ';

	if (ns < 0)
		ns = -ns;
	sec = ns / 1000000000LL;
	return nano ? snprintf(b, cap, "%c%02lld:%02lld:%02lld.%09lld ", sign, sec / 3600, sec / 60 % 60, sec % 60, ns % 1000000000LL)
		    : snprintf(b, cap, "%c%02lld:%02lld:%02lld.%06lld ", sign, sec / 3600, sec / 60 % 60, sec % 60, ns % 1000000000LL / 1000);
}

static int stamp(struct state *s, const struct capture_pkt *p)
{
	int nano = s->r && s->r->nano;
	unsigned frac = nano ? p->nsec : p->nsec / 1000;
	int n = 0;

	if (!s->have_prev)
		s->first_sec = s->prev_sec = p->sec, s->first_nsec = s->prev_nsec = p->nsec, s->have_prev = 1;
	switch (s->ts) {
	case TS_NONE: break;
	case TS_EPOCH: n = snprintf(s->line, sizeof s->line, "%lld.%0*u ", (long long)p->sec, nano ? 9 : 6, frac); break;
	case TS_DELTA: n = delta(s->line, sizeof s->line, s->prev_sec, s->prev_nsec, p->sec, p->nsec, nano); break;
	case TS_SINCE_FIRST: n = delta(s->line, sizeof s->line, s->first_sec, s->first_nsec, p->sec, p->nsec, nano); break;
	default:
		hms(s, p->sec, s->ts == TS_DATE);
		n = snprintf(s->line, sizeof s->line, "%s.%0*u ", s->hms, nano ? 9 : 6, frac);
	}
	s->prev_sec = p->sec, s->prev_nsec = p->nsec;
	return n;
}

/* One line per packet, tcpdump's "HH:MM:SS.uuuuuu" local time first. */
static int print_pkt(const struct capture_pkt *p, void *arg)
{
	struct state *s = arg;
	size_t n = (size_t)stamp(s, p), off;

	n += capture_decode(s->line + n, sizeof s->line - n, p->linktype, &s->dec, p->data,
			    p->caplen, p->len);
	pod_note(s, p, n);
	if (s->c->json) {
		open_doc(s, 1);
		jw_str(&s->w, s->line);
		return 1;
	}
	clear_progress(s);
	fputs(s->line, stdout);
	if (s->payload) {
		off = capture_link_hdrlen(p->linktype, p->data, p->caplen);
		(s->payload == 'A' ? capture_ascii : capture_hex)(stdout, p->data + off, p->caplen - off);
	}
	putchar('\n');
	return 1;
}

static void progress(const struct capture_result *r, void *arg)
{
	struct state *s = arg;

	if (!s->c->json || s->doc)
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
		r->nfiles ? (strcmp(r->files[0], "-") ? r->files[0] : "to standard output") : "");
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
	const char *url_file;    /* --url-file: the upload URL is read from there */
	char url[URL_MAX];
	const char *write;
	const char *read;
	const char *ffile;       /* -F */
	int ifname_given;
	int flags;               /* CAPTURE_DECODE_* (-e, -q) */
	int linebuf, verbose, ts, payload, list;
	struct upload_opts uo;   /* -H, --ca-file, --resolve, --proxy: as `netrescue upload` */
	struct upload_result ur;
};

/* tcpdump habits whose value needs checking; 0, or the exit code after one usage line. */
static int habit_opt(struct cli *c, struct args *a, int id, const char *v)
{
	switch (id) {
	case O_DIR:
		if (strcmp(v, "in") && strcmp(v, "out") && strcmp(v, "inout"))
			return cli_usage(c, "-Q: '%s' is not in, out or inout", v);
		a->o.direction = !strcmp(v, "in") ? 1 : !strcmp(v, "out") ? 2 : 0;
		break;
	case O_TSPREC:
		if (strcmp(v, "micro") && strcmp(v, "nano"))
			return cli_usage(c, "--time-stamp-precision: '%s' is not micro or nano", v);
		a->o.nano = !strcmp(v, "nano");
		break;
	case O_LINKTYPE:
		if ((a->o.linktype = capture_linktype_val(v)) < 0)
			return cli_usage(c, "-y: '%s' is not a link type name (EN10MB, LINUX_SLL, LINUX_SLL2)", v);
		break;
	case O_RELINQUISH:
		/* tcpdump drops to this user before writing; netrescue runs no packet parser in a
		 * separate process and writes its files 0600 as root: nothing to drop to. */
		cli_warn(c, "-Z %s: accepted; no privilege drop is needed (files are created 0600, "
			 "owned by root)", v);
		break;
	}
	return 0;
}

/* The filter is the rest of the line joined with spaces (as tcpdump), or -F FILE with '#'
 * comments blanked (tcpdump's read_infile). */
static int join_filter(struct cli *c, struct args *a, const struct cli_parse *p)
{
	size_t n = 0, i;
	ssize_t k;
	int fd;

	if (a->ffile) {
		if (p->npos)
			cli_warn(c, "-F %s: the filter on the command line is ignored (as tcpdump)", a->ffile);
		fd = open(a->ffile, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return cli_usage(c, "-F %s: %s", a->ffile, strerror(errno));
		while (n + 1 < sizeof a->filter && (k = read(fd, a->filter + n, sizeof a->filter - 1 - n)) > 0)
			n += (size_t)k;
		k = n + 1 < sizeof a->filter && errno == EAGAIN ? 0 : read(fd, a->filter + n, 1);
		close(fd);
		if (k > 0)
			return cli_usage(c, "-F %s: filter longer than %d bytes", a->ffile, FILTER_MAX - 1);
		a->filter[n] = 0;
		for (i = 0; i < n; i++) {
			if (a->filter[i] == '#')
				while (i < n && a->filter[i] != '\n')
					a->filter[i++] = ' ';
			if (a->filter[i] == '\n' || a->filter[i] == '\t' || a->filter[i] == '\r')
				a->filter[i] = ' ';
		}
		return 0;
	}
	for (i = 0; i < (size_t)p->npos; i++) {
		int w = snprintf(a->filter + n, sizeof a->filter - n, "%s%s", i ? " " : "", p->pos[i]);

		if (w < 0 || (size_t)w >= sizeof a->filter - n)
			return cli_usage(c, "filter expression longer than %d bytes", FILTER_MAX - 1);
		n += (size_t)w;
	}
	return 0;
}

static int parse_args(struct cli *c, int argc, char **argv, struct args *a, int *done)
{
	struct cli_parse p;
	unsigned long long v;
	int id, rc;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0) {
			*done = 1;
			return cli_parse_end(&p, id);
		}
		switch (id) {
		case O_IFACE:
			if (!p.arg[0])
				return cli_usage(c, "-i: empty interface name (give one, or 'any')");
			a->o.ifname = p.arg;
			a->ifname_given = 1;
			break;
		case O_SNAP:
			if (uint_opt(c, "-s", p.arg, 0, CAPTURE_DEF_SNAPLEN, &v) < 0)
				return EXIT_USAGE;
			a->o.snaplen = (unsigned)v;
			break;
		case O_WRITE:
			if (!p.arg[0])
				return cli_usage(c, "-w: empty file name (give FILE, DIR/, auto or - for stdout)");
			a->write = p.arg;
			break;
		case O_COUNT:
			if (uint_opt(c, "-c", p.arg, 1, ~0ull, &a->o.count) < 0)
				return EXIT_USAGE;
			break;
		case O_NUMERIC: case O_ABSSEQ: break; /* never resolves names, always absolute seq */
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
		case O_URLFILE: a->url_file = p.arg; break;
		case O_INSECURE: a->uo.insecure_http = 1; break;
		case O_LINK: a->flags |= CAPTURE_DECODE_LINK; break;
		case O_LINEBUF: a->linebuf = 1; break;
		case O_PKTBUF: a->o.packet_buffered = 1; break;
		case O_VERBOSE: a->verbose = 1; break;
		case O_TIME: a->ts++; break;
		case O_QUICK: a->flags |= CAPTURE_DECODE_QUICK; break;
		case O_ASCII: case O_HEX: a->payload = id == O_ASCII ? 'A' : 'X'; break;
		case O_LIST: a->list = 1; break;
		case O_NOPROMISC: a->o.no_promisc = 1; break;
		case O_FFILE: a->ffile = p.arg; break;
		case O_PCAPNG: a->o.pcapng = 1; break;
		default:
			if ((rc = habit_opt(c, a, id, p.arg)))
				return rc;
		}
	}
	return join_filter(c, a, &p);
}

static int check_args(struct cli *c, struct args *a)
{
	struct nr_addr ip;
	int out = a->write && !strcmp(a->write, "-");

	if (cli_upload_url(c, &a->upload, a->url_file, a->url, sizeof a->url))
		return EXIT_USAGE;
	if (a->read && (a->pod_ip || a->upload || a->ifname_given))
		return cli_usage(c, "-r reads a file: not with -i, --pod-ip or --upload");
	if (a->inside && !a->pod_ip)
		return cli_usage(c, "--inside needs --pod-ip IP (whose network namespace to enter)");
	if (a->pod_ip && parse_ip(a->pod_ip, &ip) < 0)
		return cli_usage(c, "--pod-ip: '%s' is not an IP address", a->pod_ip);
	if (a->pod_ip && a->ifname_given && !a->inside)
		return cli_usage(c, "-i and --pod-ip both name the interface: give one");
	if ((a->o.rotate_bytes || a->o.rotate_secs || a->o.max_files || a->o.max_bytes || a->o.force || a->o.pcapng) && !a->write && !a->upload)
		return cli_usage(c, "-C, -G, -W, --max-size, --force and --pcapng need -w FILE");
	if (a->o.max_files && !a->o.rotate_bytes && !a->o.rotate_secs)
		return cli_usage(c, "-W needs -C or -G (as in tcpdump)");
	if (!a->upload && (a->uo.nheaders || a->uo.ca_file || a->uo.resolve || a->uo.proxy || a->uo.insecure_http))
		return cli_usage(c, "-H, --ca-file, --resolve, --proxy and --insecure-http go with --upload URL");
	if (a->upload && (a->o.rotate_bytes || a->o.rotate_secs))
		return cli_usage(c, "--upload sends one file: not with -C or -G");
	if (out && (a->o.rotate_bytes || a->o.rotate_secs || a->upload || a->o.force))
		return cli_usage(c, "-w - streams to standard output: not with -C, -G, --force or --upload");
	if (out && c->json)
		return cli_usage(c, "-w - puts the capture on standard output: --json has no room there");
	if (out && isatty(STDOUT_FILENO))
		return cli_usage(c, "-w -: standard output is a terminal; pipe it (| wireshark -k -i -, | tshark -r -)");
	if (a->ts > TS_SINCE_FIRST)
		return cli_usage(c, "-t: at most -ttttt");
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
	int exists;

	if (!strcmp(w, "-")) {
		a->o.path = "-";
		a->o.to_stdout = 1;
		a->o.packet_buffered = 1; /* a live view (wireshark -k -i -) wants each batch at once */
		return 0;
	}
	exists = stat(w, &st) == 0;
	if (strcmp(w, "auto") && w[strlen(w) - 1] != '/' && (!exists || !S_ISDIR(st.st_mode))) {
		a->o.path = w;
		/* Only where a new or regular file would live: /dev/null is not "on tmpfs". */
		if ((!exists || S_ISREG(st.st_mode)) && capture_path_in_ram(w))
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
	if (snprintf(buf, cap, "%s%snetrescue-%s-%s.%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
		     ifs, tbuf, a->o.pcapng ? "pcapng" : "pcap") >= (int)cap)
		return cli_usage(c, "-w: directory name too long");
	a->o.path = buf;
	fprintf(stderr, "netrescue: capture: writing to %s\n", buf);
	return 0;
}

/* --pod-ip: the host-side interface, or (--inside) the pod's netns and its interface. */
static int find_pod(struct cli *c, struct args *a, struct locate_report *lr, char *ifbuf, size_t cap)
{
	struct nr_err e;
	int rc;

	if ((rc = cli_locate_pod(c, a->pod_ip, lr)) != EXIT_OK)
		return rc;
	nr_err_clear(&e);
	if (!a->inside) {
		if (!lr->host_if[0]) {
			nr_fail(&e, NR_E_CAP_NOPOD, 0, "capture", "%s", a->pod_ip);
			return cli_fail(c, &e);
		}
		snprintf(ifbuf, cap, "%s", lr->host_if);
		a->o.ifname = ifbuf;
		return 0;
	}
	if (!lr->npids) {
		nr_fail(&e, NR_E_CAP_NOPOD, 0, "capture", "%s: no process in its network namespace", a->pod_ip);
		return cli_fail(c, &e);
	}
	a->o.netns_fd = netns_open_pid(lr->pids[0], NULL, &e);
	if (a->o.netns_fd < 0)
		return cli_fail(c, &e);
	if (!a->ifname_given) {
		snprintf(ifbuf, cap, "%s", lr->pod_if[0] ? lr->pod_if : "eth0");
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
	fprintf(stderr, "netrescue: capture: stopped: %s%s%s%s\n",
		a->read && r->stop == CAPTURE_STOP_NONE ? "end of file" : capture_stop_text(r->stop),
		r->stop_detail[0] ? " (" : "", r->stop_detail, r->stop_detail[0] ? ")" : "");
	if (s->c->json)
		return;
	fprintf(stderr, "%llu packets captured on %s\n%llu packets received by filter\n"
		"%llu packets dropped by kernel\n", r->packets_captured, r->interface,
		r->packets_received, r->packets_dropped);
	if (a->o.to_stdout)
		return;
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

/* -r FILE: print a capture file as live capture prints packets (tcpdump -r), or with -w OUT
 * filter it into another file. With --json always one whole document, also when the file is
 * cut short: the packets before the cut, then "error". */
static int read_file(struct cli *c, struct args *a, struct state *s, struct capture_result *r)
{
	char msg[NR_ERR_CTX + 256];
	struct nr_err e;
	int rc;

	nr_err_clear(&e);
	rc = capture_read(a->read, &a->o, r, &e);
	if (rc < 0 && e.code != NR_E_CAP_TRUNC && e.code != NR_E_CAP_PCAP)
		return cli_fail(c, &e);
	if (rc < 0 && !r->packets_captured && !r->nfiles && e.code != NR_E_CAP_TRUNC)
		return cli_fail(c, &e);
	if (a->o.path && !c->json)
		summary(s, a, r);
	if (c->json) {
		open_doc(s, !a->o.path);
		if (s->doc == 2)
			jw_arr_end(&s->w);
		jw_kstr(&s->w, "file", a->read);
		jw_kuint(&s->w, "packet_count", r->packets_captured);
		capture_json(&s->w, r);
		if (rc < 0) {
			nr_err_text(&e, msg, sizeof msg);
			jw_key(&s->w, "error");
			jw_obj(&s->w);
			jw_kstr(&s->w, "message", msg);
			jw_obj_end(&s->w);
		}
		if (jw_end(&s->w) < 0)
			return EXIT_CANNOT;
	}
	if (fflush(stdout))
		return EXIT_CANNOT;
	return rc < 0 ? cli_fail(c, &e) : EXIT_OK;
}

/* -D: tcpdump's list ("1.eth0 [Up, Running]"), plus the pod behind each veth. */
struct list_ctx {
	struct cli *c;
	const struct cap_pods *pods;
	struct jw w;
};

static int list_one(int n, const char *name, unsigned f, void *arg)
{
	struct list_ctx *l = arg;
	const char *pod = cap_pods_find(l->pods, name);

	if (l->c->json) {
		jw_obj(&l->w);
		jw_kint(&l->w, "index", n);
		jw_kstr(&l->w, "name", name);
		jw_kbool(&l->w, "up", (f & CAPTURE_IF_UP) != 0);
		jw_kbool(&l->w, "running", (f & CAPTURE_IF_RUNNING) != 0);
		jw_kbool(&l->w, "loopback", (f & CAPTURE_IF_LOOPBACK) != 0);
		jw_kstr(&l->w, "pod", pod);
		jw_obj_end(&l->w);
		return 1;
	}
	printf("%d.%s [%s%s%s]%s%s\n", n, name, f & CAPTURE_IF_UP ? "Up" : "Down",
	       f & CAPTURE_IF_RUNNING ? ", Running" : "", f & CAPTURE_IF_LOOPBACK ? ", Loopback" : "",
	       pod ? " pod " : "", pod ? pod : "");
	return 1;
}

static int list_ifs(struct cli *c, const struct cap_pods *pods)
{
	struct list_ctx l = { c, pods, { 0 } };
	struct nr_err e;
	int rc;

	nr_err_clear(&e);
	if (c->json) {
		cli_json_begin(c, &l.w, "capture");
		jw_key(&l.w, "interfaces");
		jw_arr(&l.w);
	}
	rc = capture_list(list_one, &l, &e);
	if (c->json) {
		jw_arr_end(&l.w);
		if (rc < 0) {
			char msg[NR_ERR_CTX + 256];

			nr_err_text(&e, msg, sizeof msg);
			jw_key(&l.w, "error");
			jw_obj(&l.w);
			jw_kstr(&l.w, "message", msg);
			jw_obj_end(&l.w);
		}
		if (jw_end(&l.w) < 0)
			return EXIT_CANNOT;
	}
	if (rc < 0)
		return cli_fail(c, &e);
	return fflush(stdout) ? EXIT_CANNOT : EXIT_OK;
}

static const char *desc_of(const char *ifname, void *arg)
{
	struct state *s = arg;

	return s->pods ? cap_pods_find(s->pods, ifname) : NULL;
}

static void setup_state(struct state *s, struct args *a, const struct capture_result *r,
			const struct cap_pods *pods)
{
	s->dec.flags = a->flags;
	s->dec.ifname = ifname_of;
	s->dec.arg = s;
	s->r = r;
	s->pods = pods;
	s->inside = a->inside;
	s->ts = a->ts;
	s->payload = a->payload;
	a->o.filter = a->filter;
	a->o.stop = &stop_flag;
	a->o.arg = s;
	a->o.if_desc = desc_of;
	if (!a->write && !a->upload)
		a->o.on_packet = print_pkt;
}

/* The command's state (options, result, line printer, the pod map): large, one allocation
 * before the capture; nothing is allocated per packet. */
struct cap_cmd {
	struct args a;
	struct capture_result r;
	struct state s;
	struct cap_pods pods;
	struct locate_report lr;
	char path[CAPTURE_PATH_MAX];      /* a->o.path and a->o.ifname point here */
	char ifbuf[CAPTURE_IFNAME_MAX];
};

static int capture(struct cli *c, int argc, char **argv, struct cap_cmd *k)
{
	struct args *a = &k->a;
	struct capture_result *r = &k->r;
	struct state *s = &k->s;
	struct cap_pods *pods = &k->pods;
	struct nr_err e;
	int rc, done = 0, ex;

	a->o.netns_fd = -1;
	s->c = c;
	rc = parse_args(c, argc, argv, a, &done);
	if (rc || done)
		return rc;
	if ((rc = check_args(c, a)))
		return rc;
	/* Which pod each veth leads to: best effort, for -D, -i any lines and pcapng. */
	if (!a->read && !a->inside && (a->list || a->o.pcapng || (!a->write && !a->upload &&
	    (!a->o.ifname || !strcmp(a->o.ifname, "any")))))
		cap_pods_load(pods, c->host_root);
	if (a->list)
		return list_ifs(c, pods);
	setup_state(s, a, r, pods);
	if (a->linebuf)
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (a->verbose)
		cli_warn(c, "-v is accepted for tcpdump habits; lines keep the -n format");
	nr_err_clear(&e);
	/* A bad filter is a usage error: say so before touching interfaces or files. */
	if (capture_check_filter(a->filter, 1 /* DLT_EN10MB */, a->o.snaplen, &e) < 0)
		return cli_fail(c, &e);
	if (a->upload) {
		/* A bad URL or a missing signed header is a usage error: before capturing, not after. */
		if (upload_check(a->upload, &a->uo, &a->ur, &e) < 0)
			return cli_fail(c, &e);
	}
	if (a->pod_ip && (rc = find_pod(c, a, &k->lr, k->ifbuf, sizeof k->ifbuf)))
		return rc;
	if ((a->write || a->upload) && (rc = out_path(c, a, k->path, sizeof k->path)))
		return rc;
	catch_signals();
	if (a->read)
		return read_file(c, a, s, r);
	a->o.on_start = started;
	a->o.on_progress = progress;
	rc = capture_run(&a->o, r, &e);
	if (a->o.netns_fd >= 0)
		close(a->o.netns_fd);
	if (rc < 0) {
		clear_progress(s);
		/* It did not start: no document (stdout stays empty), one line on stderr. */
		return cli_fail(c, &e);
	}
	ex = stop_exit(r->stop);
	summary(s, a, r);
	if (c->json) {
		open_doc(s, !a->o.path);
		if (s->doc == 2)
			jw_arr_end(&s->w);
		jw_kuint(&s->w, "packet_count", r->packets_captured);
		capture_json(&s->w, r);
		jw_kstr(&s->w, "filter", a->filter[0] ? a->filter : NULL);
		jw_kstr(&s->w, "pod_ip", a->pod_ip);
		jw_kbool(&s->w, "inside", a->inside);
	}
	if (a->upload && ex == EXIT_OK)
		ex = do_upload(s, a, r);
	if (c->json && jw_end(&s->w) < 0)
		return EXIT_CANNOT;
	if (fflush(stdout) && !a->o.to_stdout)
		return EXIT_CANNOT;
	return ex;
}

static int run(struct cli *c, int argc, char **argv)
{
	struct cap_cmd *k = calloc(1, sizeof *k);
	int rc;

	if (!k)
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "capture" });
	rc = capture(c, argc, argv, k);
	free(k);
	return rc;
}

const struct cli_cmd cmd_capture = {
	"capture",
	"capture [-i IFACE | --pod-ip IP [--inside]] [-s SNAPLEN] [-w FILE|DIR/|auto|-] [-c N]\n"
	"        [-n] [-e] [-l] [-U] [-q] [-A|-X] [-t...] [-S] [-p] [-Q in|out] [-y TYPE] [-F FILE]\n"
	"        [-r FILE] [-G SECONDS] [-C MB] [-W N] [-B KiB] [--duration S] [--max-size MB]\n"
	"        [--force] [--pcapng] [--time-stamp-precision micro|nano] [-D]\n"
	"        [--upload URL [-H 'K: V'] [--ca-file F]] [FILTER...]",
	"capture packets to a pcap file or print them one per line (tcpdump)",
	"Captures with libpcap, built in: the same flags and filter syntax as tcpdump, no tcpdump\n"
	"needed. Without -w, prints one line per packet like `tcpdump -n` and names what matters:\n"
	"[SYN] [SYN-ACK] [RST], TLS ClientHello sni=NAME / ServerHello / Alert, DNS questions and\n"
	"answers, ICMP 'need to frag (mtu N)' and ICMP6 'packet too big, mtu N'. Overlays show the\n"
	"pod-to-pod packet inside on the same line: VXLAN (4789, 8472), Geneve (6081), GRE,\n"
	"IP-in-IP. Lines equal `tcpdump -n -S` (absolute TCP sequence numbers) plus those names.\n"
	"On -i any (the default) packets are LINUX_SLL2 as tcpdump writes them: each line starts with\n"
	"the interface and direction (`cbr0  Out IP ...`) and ends with [pod NAMESPACE/NAME] when the\n"
	"interface is a pod's veth.\n"
	"Files are never lost: on Ctrl-C, SIGTERM, SIGHUP (ssh dropped), -c, --duration, a full\n"
	"disk or the interface vanishing (pod deleted) the file is flushed, every packet record in\n"
	"it is whole, and the last line says why capture stopped. Files are created 0600, never\n"
	"over an existing file (unless --force, which replaces regular files only: never a device,\n"
	"FIFO, socket or directory) and never through a symlink; a file is removed only if this run\n"
	"created it.\n"
	"\n"
	"options:\n"
	"  -i, --interface IFACE  interface to capture on; 'any' for all (default: any)\n"
	"  -s, --snaplen N        bytes kept per packet; 0 = whole packets (default 262144)\n"
	"  -w, --write FILE       write packets to the pcap FILE instead of printing them (a bare\n"
	"                         name is relative to the current directory, as tcpdump).\n"
	"                         'auto', 'DIR/' or an existing DIR: a generated name\n"
	"                         (netrescue-IFACE-TIME.pcap); 'auto' picks a disk-backed writable\n"
	"                         directory (/var/lib/toolbox, /mnt/stateful_partition, /var/tmp,\n"
	"                         /root, /tmp: the first that is not tmpfs) under --host-root.\n"
	"                         '-': pcap on standard output (only pcap goes there; status on\n"
	"                         stderr), written out every ~100 ms batch, for Wireshark:\n"
	"                         ssh node sudo netrescue capture -i cbr0 -w - port 443 | wireshark -k -i -\n"
	"  --pcapng               write pcapng: one interface block per real interface, its\n"
	"                         if_description the pod (namespace/name) behind it\n"
	"  -c, --count N          stop after N packets (also with -r)\n"
	"  -r, --read FILE        read a pcap/pcapng file instead: print it, or with -w OUT write the\n"
	"                         packets that pass FILTER into OUT (tcpdump -r IN -w OUT)\n"
	"  -e, --link-header      print MAC addresses and ethertype first (tcpdump -e)\n"
	"  -q, --quiet            shorter lines: 'tcp N', 'UDP, length N' (tcpdump -q)\n"
	"  -A, --ascii / -X, --hex  the packet after its link header as text / hex and text, below\n"
	"                         each line (tcpdump -A / -X)\n"
	"  -t / -tt / -ttt / -tttt / -ttttt  no time / epoch / delta to the previous packet / date\n"
	"                         and time / delta to the first packet (tcpdump)\n"
	"  --time-stamp-precision micro|nano  nano: nanosecond times in lines and files\n"
	"  -l, --line-buffered    flush each printed line (for | grep), as tcpdump -l\n"
	"  -U, --packet-buffered  with -w: write out every ~100 ms batch instead of once per MiB\n"
	"                         or second (tail the file as it grows)\n"
	"  -p, --no-promiscuous-mode  do not put the interface in promiscuous mode\n"
	"  -Q, --direction in|out|inout  only packets received / sent by the interface\n"
	"  -y, --linktype TYPE    link type to capture (EN10MB, LINUX_SLL, LINUX_SLL2; default on\n"
	"                         'any': LINUX_SLL2, which names the interface of each packet)\n"
	"  -F, --filter-file FILE read the filter from FILE ('#' starts a comment)\n"
	"  -D, --list-interfaces  list the interfaces (tcpdump -D) with the pod behind each veth\n"
	"  -v                     accepted for tcpdump habits (warns; the format stays)\n"
	"  -n, -nn, -S            accepted for tcpdump habits; names are never resolved and TCP\n"
	"                         sequence numbers are always absolute\n"
	"  -Z USER                accepted; no privilege drop is needed (files are 0600, root's)\n"
	"  -G, --rotate-seconds S start a new file every S seconds (by the packets' clock); FILE is\n"
	"                         a strftime template (e.g. -w /var/tmp/cap-%H%M%S.pcap), as tcpdump -G\n"
	"  -C, --rotate-size MB   start a new file when the current one exceeds MB million bytes:\n"
	"                         FILE, FILE1, FILE2, ... (tcpdump naming)\n"
	"  -W, --rotate-files N   with -C: a ring of N files FILE0..FILE(N-1), the oldest is\n"
	"                         overwritten; with -G alone: stop after N files; with -G and -C:\n"
	"                         only the counter digits (tcpdump)\n"
	"  -B, --buffer-size KiB  kernel capture ring (default 32768 = 32 MiB, TPACKET_V3)\n"
	"  --pod-ip IP            capture on that pod's host-side interface (found as locate does)\n"
	"  --inside               with --pod-ip: enter the pod's network namespace and capture on its\n"
	"                         eth0 (or -i IFACE there); no debug container needed\n"
	"  --duration S           stop after S (90, 90s, 15m, 2h)\n"
	"  --max-size MB          stop when the files hold MB million bytes in all. Always on for\n"
	"                         files: the default is the free space of the output filesystem\n"
	"                         minus 10 % (at most 1 GiB kept free)\n"
	"  --force                replace existing regular files (never through a symlink)\n"
	"  --upload URL           after capture, upload the file to a signed URL (see 'help upload');\n"
	"                         without -w the file goes to -w auto\n"
	"  --url-file F           the --upload URL from file F ('-': stdin), never on the command line\n"
	"  -H 'NAME: VALUE', --ca-file F, --resolve HOST:PORT:ADDR, --proxy URL, --insecure-http\n"
	"                         with --upload: as for 'netrescue upload' (signed headers, CA roots)\n"
	"  FILTER...              libpcap filter, as tcpdump: host 10.4.0.5 and tcp port 8080\n"
	"\n"
	"exit: 0 stopped as asked (Ctrl-C, -c, --duration, --max-size, -G -W, end of -r file);\n"
	"2 bad option, filter or link type; 3 could not capture (no such interface, permission,\n"
	"output exists or is not a regular file), a -r file cut short, or stopped early by a full\n"
	"disk or a vanished interface (the files are still valid).\n"
	"--json: one document: interface, files, packet_count (= packets_captured),\n"
	"packets_dropped (kernel), packets_received, bytes, file_bytes, max_bytes, stop_reason,\n"
	"stop_detail, filter, pod_ip; without -w also \"packets\": one decoded line per packet; with\n"
	"-r also \"file\", and \"error\": {\"message\"} when the file is cut short (the packets before\n"
	"the cut are listed); with -D \"interfaces\": [{index, name, up, running, loopback, pod}].\n"
	"\n"
	"examples:\n"
	"  netrescue capture -i eth0 -s 100 -w /var/lib/toolbox/port8080.pcap port 8080\n"
	"  netrescue capture -ni cbr0 host 10.4.0.5 and port 8080 and tcp\n"
	"  netrescue capture --pod-ip 10.4.0.5 --duration 60 -w auto\n"
	"  netrescue capture --pod-ip 10.4.0.5 --inside -c 100 udp port 53\n"
	"  netrescue capture -i any -C 100 -W 5 -w /var/tmp/ring.pcap tcp\n"
	"  netrescue capture -i eth0 -c 50 udp port 8472          # VXLAN: inner packets shown\n"
	"  netrescue capture --pcapng -w /var/tmp/pods.pcapng -c 1000   # interfaces named by pod\n"
	"  ssh node sudo netrescue capture -i cbr0 -w - port 443 | wireshark -k -i -\n",
	run,
};
