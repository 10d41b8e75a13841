/* Packet capture on static libpcap: live capture into pcap files that are never lost (rotation
 * with tcpdump's -G/-C/-W naming, a size cap that is always on, every record written whole or
 * not at all), or into a per-packet callback; and a bounded decoder that turns one packet into
 * one `tcpdump -n` style line naming what matters for connectivity work.
 *
 * libpcap is used only inside this module. capture_run() never prints; the caller owns the
 * options, the result and the stop flag (set it from a signal handler). */
#ifndef NR_CAPTURE_CAPTURE_H
#define NR_CAPTURE_CAPTURE_H
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "base/err.h"
#include "report/json.h"

/* CAPTURE_DEF_SNAPLEN: tcpdump's default (and what -s 0 means): whole packets. */
#define CAPTURE_DEF_SNAPLEN 262144u
/* CAPTURE_DEF_BUFFER_KIB: a 32 MiB TPACKET_V3 ring absorbs ~100 ms of a 10 Gbit/s burst of
 * full frames, where libpcap's 2 MiB default drops (BUILD-NOTES: 0 drops vs 9,148). */
#define CAPTURE_DEF_BUFFER_KIB (32u * 1024u)
/* CAPTURE_TIMEOUT_MS: TPACKET_V3 hands over a block when full or after this long; 100 ms keeps
 * printing responsive without waking per packet. */
#define CAPTURE_TIMEOUT_MS 100
/* CAPTURE_MAX_FILES: files remembered in a result; a longer -C/-G series keeps the last ones
 * (files_total still counts all). */
#define CAPTURE_MAX_FILES 64
/* CAPTURE_PATH_MAX: output paths (with rotation suffix) longer than this are refused. */
#define CAPTURE_PATH_MAX 1024
/* CAPTURE_IFNAME_MAX: IFNAMSIZ plus room for "any". */
#define CAPTURE_IFNAME_MAX 32
/* CAPTURE_ERRTXT_MAX: libpcap's PCAP_ERRBUF_SIZE. */
#define CAPTURE_ERRTXT_MAX 256
/* CAPTURE_MAX_IFS: interfaces of the capture's netns remembered by index (SLL2 names, pcapng
 * interface blocks); a node runs at most a few hundred pods, each one veth. Beyond it names
 * are looked up live, and pcapng puts the packets on the capture's own interface block. */
#define CAPTURE_MAX_IFS 1024
/* CAPTURE_DESC_MAX: a pcapng if_description, "namespace/pod" (two DNS names, cut). */
#define CAPTURE_DESC_MAX 128

/* One captured packet as handed to a callback (bytes valid only during the call). */
struct capture_pkt {
	int64_t sec;             /* timestamp (UTC) */
	uint32_t nsec;           /* nanoseconds (a multiple of 1000 unless nano precision) */
	uint32_t caplen;         /* bytes present at data */
	uint32_t len;            /* bytes on the wire */
	int linktype;            /* DLT_* of the capture */
	const unsigned char *data;
};

enum capture_stop {
	CAPTURE_STOP_NONE = 0,
	CAPTURE_STOP_SIGNAL,     /* *opts.stop was set (SIGINT/SIGTERM) */
	CAPTURE_STOP_COUNT,      /* -c packets were captured */
	CAPTURE_STOP_DURATION,   /* --duration elapsed */
	CAPTURE_STOP_MAXSIZE,    /* --max-size (or the free-space default) reached */
	CAPTURE_STOP_DISKFULL,   /* ENOSPC/EDQUOT: files kept valid up to the last whole packet */
	CAPTURE_STOP_IFGONE,     /* the interface disappeared (pod deleted) or went down for good */
	CAPTURE_STOP_FILELIMIT,  /* -G with -W: the Nth file was finished (tcpdump semantics) */
	CAPTURE_STOP_CALLBACK,   /* on_packet returned 0 */
	CAPTURE_STOP_ERROR,      /* a write or read error; see result.err */
};

struct capture_result;

struct capture_opts {
	const char *ifname;      /* "eth0", "any"; NULL means "any" */
	int netns_fd;            /* >= 0: open the capture inside this netns (fd of /proc/PID/ns/net);
	                          * -1: the current one. The caller's netns is restored afterwards. */
	unsigned snaplen;        /* 0: CAPTURE_DEF_SNAPLEN */
	const char *filter;      /* libpcap syntax; NULL or "" captures everything */
	unsigned buffer_kib;     /* kernel ring (-B); 0: CAPTURE_DEF_BUFFER_KIB */
	int linktype;            /* -y: DLT_*; 0: the device's default, LINUX_SLL2 on "any" */
	int no_promisc;          /* -p */
	int direction;           /* -Q: 0 both, 1 in, 2 out */
	int nano;                /* --time-stamp-precision nano */

	const char *path;        /* -w FILE; NULL: packets go to on_packet only */
	int to_stdout;           /* -w -: the file is standard output (no rotation, no default cap) */
	int pcapng;              /* --pcapng: write pcapng, one interface block per interface */
	int force;               /* replace existing regular files (never anything else, never
	                          * through a symlink) */
	unsigned rotate_secs;    /* -G: new file every N s; path goes through strftime() */
	unsigned long long rotate_bytes; /* -C: new file once the current one exceeds this */
	unsigned max_files;      /* -W: with -C a ring of N files, with -G stop after N files */
	unsigned long long max_bytes; /* --max-size: total on disk; 0: free space of the target
	                          * filesystem minus a reserve (capture_default_cap) */

	int packet_buffered;     /* -U: write out after every batch the kernel hands over (~100 ms)
	                          * instead of once per MiB or second */
	unsigned long long count;/* -c: stop after this many packets; 0: no limit */
	unsigned duration;       /* --duration seconds; 0: no limit */
	volatile sig_atomic_t *stop; /* set non-zero (e.g. from a signal handler) to stop; may be NULL */

	/* pcapng if_description of an interface ("namespace/pod"), or NULL. May be NULL. */
	const char *(*if_desc)(const char *ifname, void *arg);
	/* Per packet (also with path): <0 error, 0 stop, >0 go on. May be NULL. */
	int (*on_packet)(const struct capture_pkt *p, void *arg);
	/* Once the capture is open and filtering (tcpdump's "listening on"). May be NULL. */
	void (*on_start)(const struct capture_result *r, void *arg);
	/* About once a second while capturing (progress lines). May be NULL. */
	void (*on_progress)(const struct capture_result *r, void *arg);
	void *arg;
};

struct capture_if {
	unsigned index;
	char name[CAPTURE_IFNAME_MAX];
};

struct capture_result {
	char interface[CAPTURE_IFNAME_MAX];
	int nano;                        /* timestamps have nanosecond precision */
	int nifs;                        /* interfaces of the capture's netns at start */
	struct capture_if ifs[CAPTURE_MAX_IFS];
	int linktype;                    /* DLT_* */
	unsigned snaplen;
	unsigned long long packets_captured; /* handed to the file/callback */
	unsigned long long bytes;        /* wire bytes of those packets */
	unsigned long long file_bytes;   /* bytes now on disk in all our files */
	unsigned long long packets_received; /* pcap_stats ps_recv (passed the filter) */
	unsigned long long packets_dropped;  /* pcap_stats ps_drop (kernel ring full) */
	unsigned long long packets_if_dropped; /* pcap_stats ps_ifdrop */
	unsigned long long max_bytes;    /* the cap in force (0 without files) */
	double seconds;                  /* how long the capture ran */
	enum capture_stop stop;
	int nfiles;                      /* files[0..nfiles) in creation order */
	unsigned long long files_total;  /* files created, also those beyond CAPTURE_MAX_FILES */
	char files[CAPTURE_MAX_FILES][CAPTURE_PATH_MAX];
	char stop_detail[CAPTURE_ERRTXT_MAX]; /* "No space left on device", libpcap's text, ... */
};

/* Opens the capture, runs it until a stop condition, finishes the files and fills r (also when
 * it returns -1 after files were written: r->files lists them). Returns 0 when the capture ran
 * (see r->stop for why it ended; DISKFULL/IFGONE/ERROR are reported there, files stay valid),
 * -1 with e filled when it could not start (no such interface: NR_E_NOIF, bad filter:
 * NR_E_CAP_FILTER, output exists: NR_E_EXISTS, symlink: NR_E_CAP_SYMLINK, permission:
 * NR_E_PERM). The stop flag is the caller's (its signal handler sets it); captures may run one
 * after another (diagnose: one per pod, or one on "any" with "host A or host B"). One
 * allocation per run (the 1 MiB write buffer), none per packet. */
int capture_run(const struct capture_opts *o, struct capture_result *r, struct nr_err *e);

/* Reads a pcap/pcapng file (tcpdump -r) as capture_run captures: o->filter, o->count,
 * o->on_packet, o->stop, o->nano, and o->path (tcpdump -r IN -w OUT, with rotation) apply;
 * interface, snaplen, buffer and netns options do not. 0 when the file was read to its end or
 * a stop; -1 with e when it could not be opened or the filter is bad; -1 with e
 * (NR_E_CAP_PCAP, "truncated dump file ...") after a bad record, r still counting what came
 * before (files written stay valid). */
int capture_read(const char *in, const struct capture_opts *o, struct capture_result *r,
		 struct nr_err *e);

/* The name of ifindex among r->ifs (the capture's netns at start), or NULL. */
const char *capture_ifname(const struct capture_result *r, unsigned ifindex);

/* Interfaces pcap can capture on, as tcpdump -D: cb gets the index (1, 2, ...), the name, and
 * IFF_UP/IFF_RUNNING-style flags (CAPTURE_IF_UP, CAPTURE_IF_RUNNING, CAPTURE_IF_LOOPBACK). */
enum { CAPTURE_IF_UP = 1, CAPTURE_IF_RUNNING = 2, CAPTURE_IF_LOOPBACK = 4 };
int capture_list(int (*cb)(int n, const char *name, unsigned flags, void *arg), void *arg,
		 struct nr_err *e);
/* DLT_* for a -y name ("EN10MB", "LINUX_SLL2"), or -1. */
int capture_linktype_val(const char *name);

/* Checks a filter expression for linktype without capturing (exit-2 checks before work starts).
 * 0, or -1 with NR_E_CAP_FILTER. */
int capture_check_filter(const char *filter, int linktype, unsigned snaplen, struct nr_err *e);

/* The default --max-size for files under dir: free space (statvfs f_bavail) minus a reserve
 * of 10 % of it, at most 1 GiB, so a capture never fills a node's disk. 0 with e on failure. */
unsigned long long capture_default_cap(const char *dir, struct nr_err *e);

/* A directory for captures when the operator names none (-w auto): the first of
 * /var/lib/toolbox, /mnt/stateful_partition, /var/tmp, /root, /tmp (COS: the first two are disk
 * and writable) under root that is writable and not on tmpfs/ramfs. Writes it to buf.
 * 0, or -1 with NR_E_CAP_NODIR. */
int capture_auto_dir(const char *root, char *buf, size_t cap, struct nr_err *e);

/* 1 when the directory of file is on tmpfs/ramfs (a capture there eats the node's RAM and is
 * gone after a reboot), 0 otherwise or when unknown. */
int capture_path_in_ram(const char *file);

/* "signal", "count", "duration", "max-size", "disk-full", "interface-gone", "file-limit",
 * "stopped", "error". */
const char *capture_stop_name(enum capture_stop s);
/* A sentence for humans: "interrupted", "no space left on the output filesystem", ... */
const char *capture_stop_text(enum capture_stop s);
/* libpcap's name for a DLT ("EN10MB", "LINUX_SLL"), or "DLT_N" style text for unknown ones. */
const char *capture_linktype_name(int linktype);

/* Writes the result's fields into the current JSON object: "interface", "files",
 * "packets_captured", "packets_dropped", "packets_received", "packets_if_dropped", "bytes",
 * "file_bytes", "max_bytes", "snaplen", "linktype" (DLT number), "link_type" ("EN10MB"),
 * "seconds", "stop_reason", "stop_detail", "files_total". */
void capture_json(struct jw *w, const struct capture_result *r);

/* --- decoder (print*.c) -------------------------------------------------------------------
 * One line (no timestamp, no newline) in `tcpdump -n` style for a packet of linktype
 * (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW/DLT_IPV4/DLT_IPV6), with what matters
 * named: "SYN", "SYN-ACK", "RST", "TLS ClientHello sni=NAME", "TLS ServerHello", DNS questions
 * and answers, "need to frag (mtu N)", "packet too big, mtu N"; overlays (VXLAN, Geneve, GRE,
 * IP-in-IP) print their header and then the inner packet on the same line. Reads only
 * pkt[0..caplen); wirelen is the length on the wire; d may be NULL (no flags, SLL2 interfaces
 * shown as "?"). Always NUL-terminates out (cap > 0); returns strlen(out). Bytes from the
 * packet (DNS names, SNI) are shown escaped, never raw. */
enum {
	CAPTURE_DECODE_LINK = 1,  /* -e: Ethernet MACs and ethertype first, as tcpdump -e */
	CAPTURE_DECODE_QUICK = 2, /* -q: "tcp N" / "UDP, length N", as tcpdump -q */
};
struct capture_dec {
	int flags;                /* CAPTURE_DECODE_* */
	/* The name of ifindex (SLL2 headers carry it) or NULL when unknown; may be NULL. */
	const char *(*ifname)(unsigned ifindex, void *arg);
	void *arg;
};
size_t capture_decode(char *out, size_t cap, int linktype, const struct capture_dec *d,
		      const unsigned char *pkt, size_t caplen, size_t wirelen);
/* Length of the link-layer header of pkt (where tcpdump's -A/-X views start), <= caplen. */
size_t capture_link_hdrlen(int linktype, const unsigned char *pkt, size_t caplen);
/* tcpdump -A: the bytes as text on f, starting with a newline (no raw control bytes). */
void capture_ascii(FILE *f, const unsigned char *p, size_t n);
/* tcpdump -X: "\n\t0x0000:  4500 0054 ...  E..T.." lines on f. */
void capture_hex(FILE *f, const unsigned char *p, size_t n);

#endif
