/* The drop program: hand-assembled BPF (no clang, no libbpf on a node), attached to the
 * skb:kfree_skb tracepoint through PERF_EVENT_IOC_SET_BPF. Per drop it builds a key (reason,
 * location, and with BTF offsets the IP addresses, L4 protocol and ports, input device name)
 * and adds 1 to that key's per-CPU counter in a preallocated hash map: the kernel aggregates,
 * nothing is copied per packet to user space, memory is max_entries keys. A drop whose key
 * finds no room is counted in a one-slot per-CPU array (the lost count). The program returns 0,
 * so the perf event stores no sample at all.
 *
 * Instruction encoding: linux/bpf.h (struct bpf_insn; BPF_LD_IMM64 with BPF_PSEUDO_MAP_FD takes
 * two slots). Tracepoint programs read their context (the raw trace entry) at the format
 * file's offsets, 8 and up (the first 8 bytes are not readable); kernel memory (the skb) only
 * through bpf_probe_read_kernel, which zeroes its destination when the read faults, so a NULL
 * skb->dev or an unset header simply leaves zeros in the key. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trace/trace.h"

/* INSN_MAX: the program is ~90 instructions. */
#define INSN_MAX 160
/* LOG_MAX: room for the verifier's log when a load fails (only its end is kept). */
#define LOG_MAX 65536

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };
/* Labels of the program. */
enum { L_V4, L_V6, L_PORTS, L_UPDATE, L_INSERT, L_LOST, L_OUT, L_N };

/* The stack frame (offsets from r10): the key, then scratch slots. */
enum {
	K = -72,                    /* struct trace_drop_key, 72 bytes */
	K_LOC = K + 0, K_REASON = K + 8, K_ETH = K + 12, K_L4 = K + 14, K_SRC = K + 16, K_DST = K + 32,
	K_PORTS = K + 48, K_IF = K + 52,
	S_HEAD = -80, S_NH = -88, S_TH = -96, S_DEV = -104, S_VAL = -112,
};

struct as {
	struct bpf_insn i[INSN_MAX];
	int n, err;
	int lab[L_N];
	int nfix;
	struct { int at, lab; } fix[INSN_MAX];
};

static void emit(struct as *a, int code, int dst, int src, int off, int imm)
{
	struct bpf_insn *x;

	if (a->n >= INSN_MAX) {
		a->err = 1;
		return;
	}
	x = &a->i[a->n++];
	memset(x, 0, sizeof *x);
	x->code = (uint8_t)code;
	x->dst_reg = (uint8_t)(dst & 0xf);
	x->src_reg = (uint8_t)(src & 0xf);
	x->off = (int16_t)off;
	x->imm = imm;
}

static void mov_imm(struct as *a, int dst, int imm) { emit(a, BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
static void mov_reg(struct as *a, int dst, int src) { emit(a, BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
static void add_imm(struct as *a, int dst, int imm) { emit(a, BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm); }
static void add_reg(struct as *a, int dst, int src) { emit(a, BPF_ALU64 | BPF_ADD | BPF_X, dst, src, 0, 0); }
static void ldx(struct as *a, int size, int dst, int src, int off) { emit(a, BPF_LDX | BPF_MEM | size, dst, src, off, 0); }
static void stx(struct as *a, int size, int dst, int off, int src) { emit(a, BPF_STX | BPF_MEM | size, dst, src, off, 0); }
static void call(struct as *a, int fn) { emit(a, BPF_JMP | BPF_CALL, 0, 0, 0, fn); }

static void label(struct as *a, int l) { a->lab[l] = a->n; }

static void jump(struct as *a, int code, int dst, int src, int imm, int l)
{
	if (a->nfix < INSN_MAX) {
		a->fix[a->nfix].at = a->n;
		a->fix[a->nfix++].lab = l;
	}
	emit(a, code, dst, src, 0, imm);
}

static void ld_map(struct as *a, int dst, int fd)
{
	emit(a, BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd);
	emit(a, 0, 0, 0, 0, 0);
}

/* bpf_probe_read_kernel(fp + dst_off, n, base_reg + off) */
static void probe(struct as *a, int dst_off, int n, int base, int off)
{
	mov_reg(a, R1, R10);
	add_imm(a, R1, dst_off);
	mov_imm(a, R2, n);
	mov_reg(a, R3, base);
	add_imm(a, R3, off);
	call(a, BPF_FUNC_probe_read_kernel);
}

/* *(u64 *)r0 += 1 (r0: a map value, not NULL) */
static void count(struct as *a)
{
	ldx(a, BPF_DW, R1, R0, 0);
	add_imm(a, R1, 1);
	stx(a, BPF_DW, R0, 0, R1);
}

/* The flow part: addresses, protocol, ports and device of the skb in r7. */
static void asm_flow(struct as *a, const struct trace_drop_layout *l)
{
	probe(a, S_HEAD, 8, R7, (int)l->skb.head);
	probe(a, S_NH, 2, R7, (int)l->skb.network_header);
	probe(a, S_TH, 2, R7, (int)l->skb.transport_header);
	probe(a, S_DEV, 8, R7, (int)l->skb.dev);
	ldx(a, BPF_DW, R9, R10, S_DEV);
	probe(a, K_IF, 16, R9, (int)l->skb.dev_name);
	ldx(a, BPF_DW, R8, R10, S_HEAD);
	ldx(a, BPF_H, R1, R10, S_NH);
	jump(a, BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0xffff, L_UPDATE);   /* no network header */
	add_reg(a, R8, R1);
	ldx(a, BPF_H, R1, R10, K_ETH);
	jump(a, BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0x0800, L_V4);
	jump(a, BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0x86dd, L_V6);
	jump(a, BPF_JMP | BPF_JA, 0, 0, 0, L_UPDATE);
	label(a, L_V4);                                                 /* RFC 791 header */
	probe(a, K_L4, 1, R8, 9);
	probe(a, K_SRC, 4, R8, 12);
	probe(a, K_DST, 4, R8, 16);
	jump(a, BPF_JMP | BPF_JA, 0, 0, 0, L_PORTS);
	label(a, L_V6);                                                 /* RFC 8200 header */
	probe(a, K_L4, 1, R8, 6);
	probe(a, K_SRC, 32, R8, 8);
	label(a, L_PORTS);
	/* Ports only when a transport header was set past the network header (before ip_rcv
	 * the kernel points it at the network header). */
	ldx(a, BPF_H, R1, R10, S_TH);
	ldx(a, BPF_H, R2, R10, S_NH);
	jump(a, BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0xffff, L_UPDATE);
	jump(a, BPF_JMP | BPF_JLE | BPF_X, R1, R2, 0, L_UPDATE);
	ldx(a, BPF_DW, R9, R10, S_HEAD);
	add_reg(a, R9, R1);
	probe(a, K_PORTS, 4, R9, 0);
}

static void asm_count(struct as *a, int map_fd, int lost_fd)
{
	label(a, L_UPDATE);
	ld_map(a, R1, map_fd);
	mov_reg(a, R2, R10);
	add_imm(a, R2, K);
	call(a, BPF_FUNC_map_lookup_elem);
	jump(a, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0, L_INSERT);
	count(a);
	jump(a, BPF_JMP | BPF_JA, 0, 0, 0, L_OUT);
	label(a, L_INSERT);
	mov_imm(a, R1, 1);
	stx(a, BPF_DW, R10, S_VAL, R1);
	ld_map(a, R1, map_fd);
	mov_reg(a, R2, R10);
	add_imm(a, R2, K);
	mov_reg(a, R3, R10);
	add_imm(a, R3, S_VAL);
	mov_imm(a, R4, BPF_NOEXIST);
	call(a, BPF_FUNC_map_update_elem);
	jump(a, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0, L_OUT);
	/* Another CPU inserted the key meanwhile (EEXIST), or the map is full: look again. */
	ld_map(a, R1, map_fd);
	mov_reg(a, R2, R10);
	add_imm(a, R2, K);
	call(a, BPF_FUNC_map_lookup_elem);
	jump(a, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0, L_LOST);
	count(a);
	jump(a, BPF_JMP | BPF_JA, 0, 0, 0, L_OUT);
	label(a, L_LOST);                                               /* lost[0] += 1 */
	mov_imm(a, R1, 0);
	stx(a, BPF_W, R10, S_VAL, R1);
	ld_map(a, R1, lost_fd);
	mov_reg(a, R2, R10);
	add_imm(a, R2, S_VAL);
	call(a, BPF_FUNC_map_lookup_elem);
	jump(a, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0, L_OUT);
	count(a);
	label(a, L_OUT);
	mov_imm(a, R0, 0);
	emit(a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* The whole program into a; 0, or -1 when it did not fit. */
static int assemble(struct as *a, const struct trace_drop_layout *l, int map_fd, int lost_fd)
{
	int i, k;

	memset(a, 0, sizeof *a);
	mov_reg(a, R6, R1);
	mov_imm(a, R1, 0);
	for (k = K; k < 0; k += 8)
		stx(a, BPF_DW, R10, k, R1);
	stx(a, BPF_DW, R10, S_HEAD, R1);
	stx(a, BPF_DW, R10, S_NH, R1);
	stx(a, BPF_DW, R10, S_TH, R1);
	if (l->flows) {
		/* raw tracepoint: args[0] skb, args[1] location, args[2] reason */
		ldx(a, BPF_DW, R7, R6, 0);
		ldx(a, BPF_DW, R1, R6, 8);
		stx(a, BPF_DW, R10, K_LOC, R1);
		ldx(a, BPF_W, R1, R6, 16);
		stx(a, BPF_W, R10, K_REASON, R1);
		probe(a, K_ETH, 2, R7, (int)l->skb.protocol);
		ldx(a, BPF_H, R1, R10, K_ETH);
		emit(a, BPF_ALU | BPF_END | BPF_TO_BE, R1, 0, 0, 16);  /* to host order, as the tracepoint */
		stx(a, BPF_H, R10, K_ETH, R1);
		asm_flow(a, l);
	} else {
		ldx(a, BPF_DW, R1, R6, (int)l->off_location);
		stx(a, BPF_DW, R10, K_LOC, R1);
		ldx(a, BPF_W, R1, R6, (int)l->off_reason);
		stx(a, BPF_W, R10, K_REASON, R1);
		ldx(a, BPF_H, R1, R6, (int)l->off_protocol);
		stx(a, BPF_H, R10, K_ETH, R1);
	}
	asm_count(a, map_fd, lost_fd);
	for (i = 0; i < a->nfix; i++)
		a->i[a->fix[i].at].off = (int16_t)(a->lab[a->fix[i].lab] - a->fix[i].at - 1);
	return a->err ? -1 : 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int map_create(int type, unsigned key, unsigned val, unsigned n, const char *name)
{
	union bpf_attr a;

	memset(&a, 0, sizeof a);
	a.map_type = (uint32_t)type;
	a.key_size = key;
	a.value_size = val;
	a.max_entries = n;
	snprintf(a.map_name, sizeof a.map_name, "%s", name);
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

/* The verifier's last line, for the error's context. */
static void log_tail(const char *log, char *out, size_t cap)
{
	size_t n = strnlen(log, LOG_MAX);
	const char *p;

	while (n && (log[n - 1] == '\n' || log[n - 1] == ' '))
		n--;
	for (p = log + n; p > log && p[-1] != '\n'; p--)
		;
	snprintf(out, cap, "%.*s", (int)(log + n - p), p);
}

static int prog_load(const struct as *a, int raw, struct nr_err *e)
{
	char tail[160], *log;
	union bpf_attr at;
	int fd, saved;

	memset(&at, 0, sizeof at);
	at.prog_type = raw ? BPF_PROG_TYPE_RAW_TRACEPOINT : BPF_PROG_TYPE_TRACEPOINT;
	at.insn_cnt = (uint32_t)a->n;
	at.insns = (uint64_t)(uintptr_t)a->i;
	/* bpf_probe_read_kernel is GPL-only; netrescue's program is its own work. */
	at.license = (uint64_t)(uintptr_t)"GPL";
	snprintf(at.prog_name, sizeof at.prog_name, "nr_drops");
	if ((fd = (int)sys_bpf(BPF_PROG_LOAD, &at)) >= 0)
		return fd;
	saved = errno;
	/* Again with the log, only to say why (a small log buffer would itself fail the load);
	 * the log is this failure's allocation. */
	if (!(log = malloc(LOG_MAX)))
		return nr_fail(e, NR_E_TRACE_BPF, saved, "trace", "load");
	log[0] = 0;
	at.log_level = 1;
	at.log_buf = (uint64_t)(uintptr_t)log;
	at.log_size = LOG_MAX;
	if ((fd = (int)sys_bpf(BPF_PROG_LOAD, &at)) >= 0) {
		free(log);
		return fd;
	}
	log_tail(log, tail, sizeof tail);
	free(log);
	return nr_fail(e, NR_E_TRACE_BPF, saved, "trace", "load%s%s", tail[0] ? ": " : "", tail);
}

static int possible_cpus(void)
{
	char buf[256];
	ssize_t n;
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf);
	close(fd);
	return n > 0 ? trace_cpu_count(buf, (size_t)n) : -1;
}

/* One perf event, on the first online CPU: a tracepoint's programs form one array that runs on
 * every CPU (a second attach of the same program is refused with EEXIST). */
static int attach(struct trace_bpf *b, unsigned id, struct nr_err *e)
{
	struct perf_event_attr pa;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	int cpu, fd;

	memset(&pa, 0, sizeof pa);
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.size = sizeof pa;
	pa.config = id;
	pa.sample_period = 1;
	pa.sample_type = PERF_SAMPLE_RAW;
	for (cpu = 0; cpu < ncpu && cpu < TRACE_CPUS_MAX && !b->nperf; cpu++) {
		fd = (int)syscall(SYS_perf_event_open, &pa, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0 && errno == ENODEV)         /* an offline CPU */
			continue;
		if (fd < 0)
			return nr_fail(e, NR_E_TRACE_PERF, errno, "trace", "tracepoint %u", id);
		b->perf_fd[b->nperf++] = fd;
		if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, b->prog_fd) < 0)
			return nr_fail(e, NR_E_TRACE_BPF, errno, "trace", "attach");
		if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0)
			return nr_fail(e, NR_E_TRACE_PERF, errno, "trace", "enable");
	}
	return b->nperf ? 0 : nr_fail(e, NR_E_TRACE_PERF, ENODEV, "trace", "no online CPU");
}

/* A raw tracepoint program runs on every CPU, straight from the tracepoint (no perf event):
 * measured on 6.18, a tracepoint program attached through one CPU's perf event missed part of
 * the drops handled on the other CPUs. The returned fd is the attachment. */
static int attach_raw(struct trace_bpf *b, struct nr_err *e)
{
	union bpf_attr a;

	memset(&a, 0, sizeof a);
	a.raw_tracepoint.name = (uint64_t)(uintptr_t)"kfree_skb";
	a.raw_tracepoint.prog_fd = (uint32_t)b->prog_fd;
	b->perf_fd[0] = (int)sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &a);
	if (b->perf_fd[0] < 0)
		return nr_fail(e, NR_E_TRACE_BPF, errno, "trace", "raw tracepoint kfree_skb");
	b->nperf = 1;
	return 0;
}

int trace_drop_attach(struct trace_bpf *b, unsigned id, const struct trace_drop_layout *l,
		      unsigned max_entries, struct nr_err *e)
{
	struct as *a = calloc(1, sizeof *a); /* the program being assembled: one per attach */

	memset(b, 0, sizeof *b);
	b->prog_fd = b->map_fd = b->lost_fd = -1;
	if (!a)
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "trace", "program");
	b->max_entries = max_entries;
	b->ncpus = possible_cpus();
	if (b->ncpus < 1 || b->ncpus > TRACE_CPUS_MAX)
		goto cpus;
	b->map_fd = map_create(BPF_MAP_TYPE_PERCPU_HASH, sizeof(struct trace_drop_key), 8, max_entries, "nr_drops");
	if (b->map_fd < 0) {
		nr_fail(e, NR_E_TRACE_BPF, errno, "trace", "map");
		goto fail;
	}
	b->lost_fd = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, "nr_drops_lost");
	if (b->lost_fd < 0) {
		nr_fail(e, NR_E_TRACE_BPF, errno, "trace", "map");
		goto fail;
	}
	if (assemble(a, l, b->map_fd, b->lost_fd) < 0) {
		nr_fail(e, NR_E_TRACE_BPF, 0, "trace", "program too long");
		goto fail;
	}
	if ((b->prog_fd = prog_load(a, l->flows, e)) < 0)
		goto fail;
	if (l->flows ? attach_raw(b, e) < 0 : attach(b, id, e) < 0)
		goto fail;
	free(a);
	return 0;
cpus:
	nr_fail(e, NR_E_TRACE_BPF, 0, "trace", "possible CPUs: %d", b->ncpus);
fail:
	free(a);
	trace_drop_detach(b);
	return -1;
}

void trace_drop_stop(struct trace_bpf *b)
{
	while (b->nperf > 0)
		close(b->perf_fd[--b->nperf]);
}

void trace_drop_detach(struct trace_bpf *b)
{
	int *fds[] = { &b->prog_fd, &b->map_fd, &b->lost_fd };
	size_t i;

	trace_drop_stop(b);
	for (i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Sum of one key's per-CPU values. */
static int lookup_sum(int fd, const void *key, int ncpus, unsigned long long *sum)
{
	uint64_t v[TRACE_CPUS_MAX];
	union bpf_attr a;
	int i;

	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)v;
	if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a) < 0)
		return -1;
	for (*sum = 0, i = 0; i < ncpus; i++)
		*sum += v[i];
	return 0;
}

int trace_drop_walk(struct trace_bpf *b, int (*cb)(const struct trace_drop_key *k, unsigned long long n, void *arg),
		    void *arg, unsigned long long *lost, struct nr_err *e)
{
	struct trace_drop_key key, next;
	union bpf_attr a;
	unsigned long long n;
	uint32_t zero = 0;
	int first = 1, rc;

	*lost = 0;
	lookup_sum(b->lost_fd, &zero, b->ncpus, lost);
	for (;;) {
		memset(&a, 0, sizeof a);
		a.map_fd = (uint32_t)b->map_fd;
		a.key = first ? 0 : (uint64_t)(uintptr_t)&key;
		a.next_key = (uint64_t)(uintptr_t)&next;
		if (sys_bpf(BPF_MAP_GET_NEXT_KEY, &a) < 0) {
			if (errno == ENOENT)
				return 0;
			return nr_fail(e, NR_E_TRACE_BPF, errno, "trace", "map walk");
		}
		first = 0;
		key = next;
		if (lookup_sum(b->map_fd, &key, b->ncpus, &n) < 0)
			continue;
		if ((rc = cb(&key, n, arg)) <= 0)
			return rc < 0 ? -1 : 0;
	}
}
