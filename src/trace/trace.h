/* trace: the kernel's tracing interfaces, in-process (replaces `perf`, bpftrace, a tracefs
 * mount by hand). Four small files:
 *   tracefs.c  a tracepoint's id and format file, read from tracefs; when tracefs is not
 *              mounted (the default on many nodes) it is mounted in a child process's own mount
 *              namespace, so nothing stays mounted on the node; the format-file parser (field
 *              offsets and the __print_symbolic value -> name table);
 *   perf.c     perf_event_open on a tracepoint, one mmap ring per CPU, raw samples, lost
 *              samples counted (PERF_RECORD_LOST);
 *   btf.c      a minimal reader of the kernel's BTF (/sys/kernel/btf/vmlinux): struct member
 *              offsets, anonymous unions and structs included;
 *   bpf.c      a tiny BPF program, assembled here, attached to skb:kfree_skb: it reads each
 *              dropped skb's IP and L4 headers and input device and counts them in a per-CPU
 *              hash map keyed by (reason, location, flow).
 * Everything opened is a file descriptor: when the process exits, even by SIGKILL, the kernel
 * detaches the program and frees the maps and rings. Nothing is pinned. Nothing here prints. */
#ifndef NR_TRACE_TRACE_H
#define NR_TRACE_TRACE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"

/* TRACE_FMT_MAX: a format file is a few KiB (skb:kfree_skb with ~130 reasons: ~5 KiB). */
#define TRACE_FMT_MAX 65536
/* TRACE_FIELDS_MAX: fields of one tracepoint (kfree_skb has 9 with the common ones). */
#define TRACE_FIELDS_MAX 32
/* TRACE_FIELD_NAME: C identifiers of tracepoint fields are short. */
#define TRACE_FIELD_NAME 32
/* TRACE_SYMS_MAX: entries of the __print_symbolic table (enum skb_drop_reason: ~130 in 6.18). */
#define TRACE_SYMS_MAX 512
/* TRACE_SYM_NAME: the longest drop reason name today is ~30 bytes. */
#define TRACE_SYM_NAME 48
/* TRACE_CPUS_MAX: CPUs watched with one ring each (large nodes have 224). */
#define TRACE_CPUS_MAX 512

struct trace_field {
	char name[TRACE_FIELD_NAME];
	unsigned offset, size;
};

struct trace_sym {
	unsigned long long value;
	char name[TRACE_SYM_NAME];
};

struct trace_format {
	unsigned id;                      /* the tracepoint id (perf_event_attr.config) */
	int nfields;
	struct trace_field f[TRACE_FIELDS_MAX];
	char sym_field[TRACE_FIELD_NAME]; /* the field the __print_symbolic table maps ("reason") */
	int nsyms;
	struct trace_sym syms[TRACE_SYMS_MAX];
};

/* --- tracefs.c ---------------------------------------------------------------------------- */
/* Reads events/GROUP/NAME/{id,format} and parses them into f. From a mounted tracefs when there
 * is one; else from a tracefs mounted in a forked child's private mount namespace (needs
 * CAP_SYS_ADMIN): the mount dies with the child. Errors: NR_E_TRACE_NOEVENT (this kernel has
 * no such tracepoint), NR_E_TRACE_TRACEFS (tracefs could not be read or mounted; sys = errno),
 * NR_E_PARSE. */
int trace_event_load(const char *group, const char *name, struct trace_format *f, struct nr_err *e);
/* Parses a format file of len bytes (need not be NUL-terminated) into f (f->id untouched).
 * Field lines give f->f; the first __print_symbolic(REC->X, { V, "NAME" }, ...) gives f->syms.
 * -1 with NR_E_PARSE when no field could be read or an entry of the table is malformed. */
int trace_format_parse(const char *text, size_t len, struct trace_format *f, struct nr_err *e);
/* Reads a whole small file (/proc, tracefs) into buf, NUL-terminated; its length, or -1 with
 * errno. */
ssize_t trace_slurp(const char *path, char *buf, size_t cap);
/* The field called name, or NULL. */
const struct trace_field *trace_field(const struct trace_format *f, const char *name);
/* The name the table gives v, or NULL. */
const char *trace_sym_name(const struct trace_format *f, unsigned long long v);

/* --- perf.c ------------------------------------------------------------------------------- */
struct trace_ring {
	int fd;
	int cpu;
	unsigned char *base;              /* the mmap: one metadata page, then the data pages */
	size_t len;                       /* mmap length */
	size_t data_size;                 /* data area (a power of two) */
};

/* TRACE_REC_MAX: one record: a tracepoint entry is < 1 KiB; PERF_MAX_TRACE_SIZE is 8 KiB. */
#define TRACE_REC_MAX 8192

struct trace_perf {
	int nrings;
	struct trace_ring r[TRACE_CPUS_MAX];
	unsigned long long samples;       /* raw samples handed to the callback */
	unsigned long long lost;          /* samples the kernel could not store (ring full) */
	unsigned char rec[TRACE_REC_MAX]; /* one record, unwrapped (no allocation per record) */
};

/* The raw record of one sample (the tracepoint's entry, offsets as in its format file). */
typedef int (*trace_sample_cb)(const unsigned char *raw, size_t len, void *arg);

/* Opens tracepoint id on every online CPU, each with a ring of ring_pages (a power of two)
 * data pages, enabled. NR_E_TRACE_PERF when perf_event_open is refused (sys = errno: EACCES
 * without CAP_PERFMON / perf_event_paranoid). */
int trace_perf_open(struct trace_perf *p, unsigned id, unsigned ring_pages, struct nr_err *e);
/* Waits up to timeout_ms for data, then hands every raw sample to cb (cb: <0 error, 0 stop,
 * >0 go on). 0, or -1. */
int trace_perf_poll(struct trace_perf *p, int timeout_ms, trace_sample_cb cb, void *arg, struct nr_err *e);
void trace_perf_close(struct trace_perf *p);
/* Parses one ring's bytes [tail, head) as perf records, as trace_perf_poll does (exposed for
 * tests): data is the ring of size bytes (a power of two). Returns the new tail. */
uint64_t trace_ring_parse(const unsigned char *data, size_t size, uint64_t tail, uint64_t head,
			  struct trace_perf *p, trace_sample_cb cb, void *arg);
/* CPUs in a kernel CPU list ("0-3,8,10-11") of len bytes; -1 when malformed. */
int trace_cpu_count(const char *list, size_t len);

/* --- btf.c -------------------------------------------------------------------------------- */
struct trace_btf {
	const unsigned char *types;       /* the type section */
	size_t types_len;
	const char *strs;                 /* the string section */
	size_t strs_len;
	uint32_t ntypes;                  /* type ids 1..ntypes */
	uint32_t *index;                  /* offset in types of each id (one allocation) */
};

/* Indexes a BTF blob of len bytes (kept by the caller while b is used). NR_E_PARSE when it is
 * not BTF or a type record runs past its section. */
int trace_btf_open(struct trace_btf *b, const void *blob, size_t len, struct nr_err *e);
void trace_btf_close(struct trace_btf *b);
/* Byte offset and size of member `member` of struct `strct`, looked for through anonymous
 * unions and structs (sk_buff keeps `dev` and `network_header` in them). 0, or -1 with
 * NR_E_TRACE_BTF when there is no such struct or member (or it is a bit field). */
int trace_btf_member(const struct trace_btf *b, const char *strct, const char *member,
		     unsigned *off, unsigned *size, struct nr_err *e);

/* The struct sk_buff / net_device offsets the drop program reads. */
struct trace_skb_offs {
	unsigned head;                    /* sk_buff.head (unsigned char *) */
	unsigned network_header;          /* sk_buff.network_header (u16, from head) */
	unsigned transport_header;        /* sk_buff.transport_header (u16, from head) */
	unsigned dev;                     /* sk_buff.dev (struct net_device *) */
	unsigned dev_name;                /* net_device.name (char[IFNAMSIZ]) */
	unsigned protocol;                /* sk_buff.protocol (__be16) */
};
/* Reads them from a BTF blob, checking each member's size. 0 or -1. */
int trace_btf_skb_offs(const void *blob, size_t len, struct trace_skb_offs *o, struct nr_err *e);
/* The same from the running kernel's /sys/kernel/btf/vmlinux (NR_E_TRACE_BTF when absent). */
int trace_btf_skb_offs_kernel(struct trace_skb_offs *o, struct nr_err *e);

/* --- bpf.c -------------------------------------------------------------------------------- */
/* What the program counts per drop: one map key. Addresses and ports are as on the wire. */
struct trace_drop_key {
	uint64_t location;                /* the kfree_skb caller */
	uint32_t reason;                  /* enum skb_drop_reason (names: the format file) */
	uint16_t ethproto;                /* ntohs(skb->protocol), as the tracepoint stores it */
	uint8_t l4proto;                  /* IPv4 protocol / IPv6 next header */
	uint8_t pad0;
	uint8_t src[16], dst[16];         /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;            /* network byte order; 0 when unknown */
	char ifname[16];                  /* skb->dev's name ("" when no device) */
	uint32_t pad1;
};

/* Where the program finds things: the tracepoint's fields (from its format file) and, when
 * flows is set, the sk_buff offsets (from BTF). With flows the program is a raw tracepoint
 * program: its context is the tracepoint's arguments (skb, location, reason, ...: the order of
 * TP_PROTO(kfree_skb), stable since Linux 5.17) and skb->protocol is read from the skb. */
struct trace_drop_layout {
	unsigned off_skb, off_location, off_protocol, off_reason;
	int flows;
	struct trace_skb_offs skb;
};

struct trace_bpf {
	int prog_fd, map_fd, lost_fd;
	int nperf;                        /* one attached perf event per online CPU */
	int perf_fd[TRACE_CPUS_MAX];
	int ncpus;                        /* possible CPUs: per-CPU values per map entry */
	unsigned max_entries;
};

/* Creates the maps (max_entries keys: memory is bounded), loads the program and attaches it:
 * with l->flows as a raw tracepoint program (every CPU), else through a perf event on
 * tracepoint id (measured on 6.18 to miss drops handled on other CPUs: drops/ then prefers
 * perf rings). NR_E_TRACE_BPF (sys = errno; ctx has the verifier's last words) or
 * NR_E_TRACE_PERF. On failure nothing stays open. */
int trace_drop_attach(struct trace_bpf *b, unsigned id, const struct trace_drop_layout *l,
		      unsigned max_entries, struct nr_err *e);
/* Each key with its count summed over the CPUs; *lost gets the drops whose key found no room. */
int trace_drop_walk(struct trace_bpf *b, int (*cb)(const struct trace_drop_key *k, unsigned long long n, void *arg),
		    void *arg, unsigned long long *lost, struct nr_err *e);
/* Detaches the program (the maps stay readable): the window ends here. */
void trace_drop_stop(struct trace_bpf *b);
/* Closes everything: the kernel detaches the program. */
void trace_drop_detach(struct trace_bpf *b);

#endif
