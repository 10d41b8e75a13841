/* The drop watch's parsers on recorded inputs: the skb:kfree_skb format file of 6.18 (field
 * offsets and the reason table), /proc/kallsyms lines, /proc/net/snmp + netstat, a BTF blob
 * built here type by type (anonymous unions as in struct sk_buff), perf ring records that wrap,
 * CPU lists; malformed and truncated inputs are refused without reading past their length. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>
#include <linux/perf_event.h>

#include "drops/drops.h"
#include "trace/trace.h"
#include "t.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	*len = f && buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	if (f)
		fclose(f);
	if (buf)
		buf[*len] = 0;
	return buf;
}

static struct trace_format fmt;

static void format_recorded(void)
{
	size_t len;
	char *t = slurp("tests/unit/data/trace/kfree_skb-6.18.format", &len);
	struct nr_err e;

	fmt.id = 77;
	CHECK(len > 1000);
	CHECK_INT(trace_format_parse(t, len, &fmt, &e), 0);
	CHECK_INT(fmt.id, 77);
	CHECK_INT(trace_field(&fmt, "skbaddr")->offset, 8);
	CHECK_INT(trace_field(&fmt, "location")->offset, 16);
	CHECK_INT(trace_field(&fmt, "rx_sk")->offset, 24);
	CHECK_INT(trace_field(&fmt, "protocol")->offset, 32);
	CHECK_INT(trace_field(&fmt, "protocol")->size, 2);
	CHECK_INT(trace_field(&fmt, "reason")->offset, 36);
	CHECK_INT(trace_field(&fmt, "reason")->size, 4);
	CHECK_INT(trace_field(&fmt, "common_pid")->offset, 4);
	CHECK(trace_field(&fmt, "nosuch") == NULL);
	CHECK_STR(fmt.sym_field, "reason");
	CHECK_INT(fmt.nsyms, 129);
	CHECK_STR(trace_sym_name(&fmt, 2), "NOT_SPECIFIED");
	CHECK_STR(trace_sym_name(&fmt, 3), "NO_SOCKET");
	CHECK_STR(trace_sym_name(&fmt, 12), "NETFILTER_DROP");
	CHECK_STR(trace_sym_name(&fmt, 16), "IP_RPFILTER");
	CHECK_STR(trace_sym_name(&fmt, 40), "TCP_LISTEN_OVERFLOW");
	CHECK_STR(trace_sym_name(&fmt, 58), "NEIGH_FAILED");
	CHECK(trace_sym_name(&fmt, 0) == NULL);
	free(t);
}

/* Every prefix of the file: never a crash, never a read past the length (ASan). */
static void format_prefixes(void)
{
	size_t len, n;
	char *t = slurp("tests/unit/data/trace/kfree_skb-6.18.format", &len);
	struct nr_err e;

	for (n = 0; n <= len; n += 7) {
		char *c = malloc(n ? n : 1);
		memcpy(c, t, n);
		trace_format_parse(c, n, &fmt, &e);
		CHECK(fmt.nsyms <= TRACE_SYMS_MAX && fmt.nfields <= TRACE_FIELDS_MAX);
		free(c);
	}
	free(t);
}

/* A 5.17-style file (no rx_sk; hex values) and malformed tables. */
static void format_table(void)
{
	static const char old[] =
		"name: kfree_skb\nID: 1422\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
		"\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:void * location;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned short protocol;\toffset:24;\tsize:2;\tsigned:0;\n"
		"\tfield:enum skb_drop_reason reason;\toffset:28;\tsize:4;\tsigned:0;\n"
		"\tfield:char name[16];\toffset:32;\tsize:16;\tsigned:0;\n\n"
		"print fmt: \"x\", __print_symbolic(REC->reason, { 0x2, \"NOT_SPECIFIED\" }, { 3, \"NO_SOCKET\" })\n";
	struct nr_err e;

	CHECK_INT(trace_format_parse(old, sizeof old - 1, &fmt, &e), 0);
	CHECK_INT(trace_field(&fmt, "reason")->offset, 28);
	CHECK_INT(trace_field(&fmt, "name")->size, 16);
	CHECK_INT(fmt.nsyms, 2);
	CHECK_STR(trace_sym_name(&fmt, 2), "NOT_SPECIFIED");
	CHECK_INT(trace_format_parse("print fmt: \"\"\n", 14, &fmt, &e), -1);
	CHECK_INT(e.code, NR_E_PARSE);
	{
		static const char bad[] = "\tfield:int a;\toffset:8;\tsize:4;\tsigned:1;\n"
					  "print fmt: \"\", __print_symbolic(REC->a, { 1, \"X\" }, { two, \"Y\" })\n";
		CHECK_INT(trace_format_parse(bad, sizeof bad - 1, &fmt, &e), -1);
	}
}

static void kallsyms(void)
{
	size_t len;
	char *t = slurp("tests/unit/data/trace/kallsyms.txt", &len);
	unsigned long long a[5] = { 0xffffffff81f78390ULL + 0x9e, 0xffffffff8209e7b0ULL + 0x4bc, 0xffffffff81000000ULL,
				    0xffffffffc0400010ULL, 0xffffffff8208ae50ULL };
	char out[5][DROPS_SYM];

	CHECK_INT(drops_kallsyms(t, len, a, 5, out), 4);
	CHECK_STR(out[0], "nf_hook_slow+0x9e");
	CHECK_STR(out[1], "__udp4_lib_rcv+0x4bc");
	CHECK_STR(out[2], "");
	CHECK_STR(out[3], "br_nf_pre_routing+0x10 [br_netfilter]");
	CHECK_STR(out[4], "tcp_v4_rcv+0x0");
	/* kptr_restrict: every address 0, nothing found */
	CHECK_INT(drops_kallsyms("0000000000000000 T nf_hook_slow\n", 32, a, 1, out), 0);
	free(t);
}

struct snmp_seen {
	unsigned long long noports;
	int n;
};

static void snmp_cb(const char *name, unsigned long long v, void *arg)
{
	struct snmp_seen *s = arg;

	s->n++;
	if (!strcmp(name, "Udp.NoPorts"))
		s->noports = v + 1;
}

static void snmp(void)
{
	size_t len;
	char *t = slurp("tests/unit/data/trace/snmp.txt", &len);
	struct snmp_seen s = { 0, 0 };

	CHECK_INT(drops_snmp_parse(t, len, snmp_cb, &s), 0);
	CHECK(s.noports > 0);
	CHECK(s.n > 100);
	CHECK_INT(drops_snmp_parse("Ip: A B\nTcp: 1 2\n", 17, snmp_cb, &s), -1);
	free(t);
}

/* --- BTF, built here ------------------------------------------------------------------------ */

struct blob {
	unsigned char b[4096];
	size_t n;
	char s[512];
	size_t sn;
};

static uint32_t str(struct blob *x, const char *s)
{
	uint32_t off = (uint32_t)x->sn;

	memcpy(x->s + x->sn, s, strlen(s) + 1);
	x->sn += strlen(s) + 1;
	return off;
}

static void put(struct blob *x, const void *p, size_t n)
{
	memcpy(x->b + x->n, p, n);
	x->n += n;
}

static void type(struct blob *x, uint32_t name, int kind, int vlen, uint32_t size_or_type)
{
	struct btf_type t = { name, (uint32_t)kind << 24 | (uint32_t)vlen, { size_or_type } };
	put(x, &t, sizeof t);
}

static void member(struct blob *x, uint32_t name, uint32_t type_id, uint32_t bitoff)
{
	struct btf_member m = { name, type_id, bitoff };
	put(x, &m, sizeof m);
}

/* ids: 1 u8, 2 ptr->1, 3 u16, 4 net_device{name[16]}, 5 array u8[16], 6 ptr->4,
 * 7 anon union{dev}, 8 sk_buff{anon@0, head@8, network_header@16, transport_header@18, protocol@20} */
static size_t build_btf(unsigned char *out)
{
	static struct blob x;
	struct btf_header h;
	struct btf_array arr = { 1, 3, 16 };
	uint32_t enc = 8;

	memset(&x, 0, sizeof x);
	x.sn = 1;
	type(&x, str(&x, "u8"), BTF_KIND_INT, 0, 1); put(&x, &enc, 4);
	type(&x, 0, BTF_KIND_PTR, 0, 1);
	enc = 16;
	type(&x, str(&x, "__u16"), BTF_KIND_INT, 0, 2); put(&x, &enc, 4);
	type(&x, str(&x, "net_device"), BTF_KIND_STRUCT, 1, 16); member(&x, str(&x, "name"), 5, 0);
	type(&x, 0, BTF_KIND_ARRAY, 0, 0); put(&x, &arr, sizeof arr);
	type(&x, 0, BTF_KIND_PTR, 0, 4);
	type(&x, 0, BTF_KIND_UNION, 1, 8); member(&x, str(&x, "dev"), 6, 0);
	type(&x, str(&x, "sk_buff"), BTF_KIND_STRUCT, 5, 24);
	member(&x, 0, 7, 0);
	member(&x, str(&x, "head"), 2, 64);
	member(&x, str(&x, "network_header"), 3, 128);
	member(&x, str(&x, "transport_header"), 3, 144);
	member(&x, str(&x, "protocol"), 3, 160);
	memset(&h, 0, sizeof h);
	h.magic = BTF_MAGIC;
	h.version = BTF_VERSION;
	h.hdr_len = sizeof h;
	h.type_off = 0;
	h.type_len = (uint32_t)x.n;
	h.str_off = (uint32_t)x.n;
	h.str_len = (uint32_t)x.sn;
	memcpy(out, &h, sizeof h);
	memcpy(out + sizeof h, x.b, x.n);
	memcpy(out + sizeof h + x.n, x.s, x.sn);
	return sizeof h + x.n + x.sn;
}

static void btf_built(void)
{
	static unsigned char blob[8192];
	size_t n = build_btf(blob), cut;
	struct trace_skb_offs o;
	struct nr_err e;
	FILE *f;

	CHECK_INT(trace_btf_skb_offs(blob, n, &o, &e), 0);
	CHECK_INT(o.dev, 0);
	CHECK_INT(o.head, 8);
	CHECK_INT(o.network_header, 16);
	CHECK_INT(o.transport_header, 18);
	CHECK_INT(o.protocol, 20);
	CHECK_INT(o.dev_name, 0);
	/* the fuzz corpus gets the same blob */
	f = fopen("build/unit/btf-seed.bin", "wb");
	if (f) {
		fwrite(blob, 1, n, f);
		fclose(f);
	}
	for (cut = 0; cut < n; cut++)
		CHECK(trace_btf_skb_offs(blob, cut, &o, &e) == -1);
	blob[0] ^= 1;
	CHECK_INT(trace_btf_skb_offs(blob, n, &o, &e), -1);
	CHECK_INT(e.code, NR_E_PARSE);
}

/* The running kernel's BTF, when there is one: offsets agree with what the program needs. */
static void btf_kernel(void)
{
	struct trace_skb_offs o;
	struct nr_err e;
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "rb");

	if (!f)
		return;
	fclose(f);
	CHECK_INT(trace_btf_skb_offs_kernel(&o, &e), 0);
	CHECK(o.head > 0 && o.network_header > 0 && o.transport_header > 0 && o.dev > 0 && o.protocol > 0);
}

/* A perf ring of 64 bytes: a sample that wraps around the end, then a LOST record. */
static int n_samples;
static int sample(const unsigned char *raw, size_t len, void *arg)
{
	(void)arg;
	n_samples++;
	return len == 12 && raw[0] == 0xab && raw[11] == 0xcd;
}

static void ring(void)
{
	unsigned char data[64];
	struct perf_event_header h = { PERF_RECORD_SAMPLE, 0, 8 + 4 + 12 };
	unsigned char rec[24], lost[24];
	uint32_t raw = 12;
	uint64_t lv[2] = { 0, 5 }, tail;
	struct trace_perf p;
	size_t i;

	memset(&p, 0, sizeof p);
	memset(rec, 0, sizeof rec);
	memcpy(rec, &h, sizeof h);
	memcpy(rec + 8, &raw, 4);
	rec[12] = 0xab;
	rec[23] = 0xcd;
	h.type = PERF_RECORD_LOST;
	h.size = 24;
	memcpy(lost, &h, 8);
	memcpy(lost + 8, lv, 16);
	for (i = 0; i < 24; i++)
		data[(50 + i) % 64] = rec[i];
	for (i = 0; i < 24; i++)
		data[(74 + i) % 64] = lost[i];
	tail = trace_ring_parse(data, 64, 50, 98, &p, sample, NULL);
	CHECK_INT(tail, 98);
	CHECK_INT(n_samples, 1);
	CHECK_INT(p.samples, 1);
	CHECK_INT(p.lost, 5);
	CHECK_INT(trace_cpu_count("0-3,8,10-11\n", 12), 7);
	CHECK_INT(trace_cpu_count("0\n", 2), 1);
	CHECK_INT(trace_cpu_count("3-1\n", 4), -1);
}

static void finding_ids(void)
{
	CHECK_STR(drops_finding_id("NETFILTER_DROP"), "drops-netfilter");
	CHECK_STR(drops_finding_id("NO_SOCKET"), "drops-no-socket");
	CHECK_STR(drops_finding_id("TCP_LISTEN_OVERFLOW"), "drops-listen-overflow");
	CHECK_STR(drops_finding_id("IP_RPFILTER"), "drops-rp-filter");
	CHECK_STR(drops_finding_id("NEIGH_FAILED"), "drops-neigh");
	CHECK_STR(drops_finding_id("NEIGH_QUEUEFULL"), "drops-neigh");
	CHECK_STR(drops_finding_id("PKT_TOO_BIG"), "drops-mtu");
	CHECK_STR(drops_finding_id("SOCKET_RCVBUFF"), "drops-other");
}

int main(void)
{
	RUN(format_recorded);
	RUN(format_prefixes);
	RUN(format_table);
	RUN(kallsyms);
	RUN(snmp);
	RUN(btf_built);
	RUN(btf_kernel);
	RUN(ring);
	RUN(finding_ids);
	return T_EXIT();
}
