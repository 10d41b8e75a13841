/* A minimal reader of the kernel's BTF: enough to find struct member offsets at run time, so
 * that one binary reads struct sk_buff on every kernel. The blob (kernel's
 * Documentation/bpf/btf.rst): a header, then a type section of variable-length records (a
 * struct btf_type, then kind-specific data) numbered from id 1, then a string section. Every
 * record is checked against the section length; members of anonymous unions and structs are
 * searched recursively with their offsets added. */
#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace.h"

/* BTF_TYPES_MAX: vmlinux has ~150k types today; ids beyond this are refused as malformed. */
#define BTF_TYPES_MAX (1u << 22)
/* BTF_DEPTH: nesting of anonymous unions/structs looked through (sk_buff has 3-4 levels). */
#define BTF_DEPTH 8
/* BTF_VISITS: members looked at per lookup (sk_buff: ~100); bounds crafted cyclic blobs. */
#define BTF_VISITS 100000
/* BTF_FILE_MAX: vmlinux BTF is ~6 MiB today. */
#define BTF_FILE_MAX (64u << 20)

static int kind_of(const struct btf_type *t) { return (int)((t->info >> 24) & 0x1f); }
static unsigned vlen_of(const struct btf_type *t) { return t->info & 0xffff; }

/* Bytes of kind-specific data after a struct btf_type; -1 for an unknown kind. */
static long extra_len(const struct btf_type *t)
{
	switch (kind_of(t)) {
	case BTF_KIND_INT: return 4;
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT:
	case 18 /* TYPE_TAG */: return 0;
	case BTF_KIND_ARRAY: return (long)sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: return (long)vlen_of(t) * (long)sizeof(struct btf_member);
	case BTF_KIND_ENUM: return (long)vlen_of(t) * 8;
	case BTF_KIND_FUNC_PROTO: return (long)vlen_of(t) * 8;
	case BTF_KIND_VAR: return 4;
	case BTF_KIND_DATASEC: return (long)vlen_of(t) * 12;
	case 17 /* DECL_TAG */: return 4;
	case 19 /* ENUM64 */: return (long)vlen_of(t) * 12;
	default: return -1;
	}
}

void trace_btf_close(struct trace_btf *b)
{
	free(b->index);
	b->index = NULL;
}

/* Counts the records, then indexes them (two passes: one allocation of the right size). */
static long walk_types(struct trace_btf *b)
{
	size_t off = 0;
	long n = 0, x;
	struct btf_type t;

	while (off < b->types_len) {
		if (b->types_len - off < sizeof t || n >= (long)BTF_TYPES_MAX)
			return -1;
		memcpy(&t, b->types + off, sizeof t);
		if ((x = extra_len(&t)) < 0 || (size_t)x > b->types_len - off - sizeof t)
			return -1;
		if (b->index)
			b->index[n + 1] = (uint32_t)off;
		off += sizeof t + (size_t)x;
		n++;
	}
	return n;
}

int trace_btf_open(struct trace_btf *b, const void *blob, size_t len, struct nr_err *e)
{
	struct btf_header h;
	long n;

	memset(b, 0, sizeof *b);
	if (len < sizeof h)
		return nr_fail(e, NR_E_PARSE, 0, "trace", "BTF: %zu bytes", len);
	memcpy(&h, blob, sizeof h);
	if (h.magic != BTF_MAGIC || h.version != BTF_VERSION || h.hdr_len < sizeof h || h.hdr_len > len ||
	    h.type_off > len - h.hdr_len || h.type_len > len - h.hdr_len - h.type_off ||
	    h.str_off > len - h.hdr_len || h.str_len > len - h.hdr_len - h.str_off || h.type_off % 4)
		return nr_fail(e, NR_E_PARSE, 0, "trace", "BTF header");
	b->types = (const unsigned char *)blob + h.hdr_len + h.type_off;
	b->types_len = h.type_len;
	b->strs = (const char *)blob + h.hdr_len + h.str_off;
	b->strs_len = h.str_len;
	if ((n = walk_types(b)) < 0)
		return nr_fail(e, NR_E_PARSE, 0, "trace", "BTF type section");
	b->ntypes = (uint32_t)n;
	b->index = malloc(((size_t)n + 1) * sizeof *b->index);
	if (!b->index)
		return nr_fail(e, NR_E_NOMEM, errno, "trace", "BTF index");
	walk_types(b);
	return 0;
}

static int type_at(const struct trace_btf *b, uint32_t id, struct btf_type *t)
{
	if (!id || id > b->ntypes)
		return -1;
	memcpy(t, b->types + b->index[id], sizeof *t);
	return 0;
}

/* The name at off, NUL-terminated inside the section; NULL otherwise. */
static const char *str_at(const struct trace_btf *b, uint32_t off)
{
	if (off >= b->strs_len || !memchr(b->strs + off, 0, b->strs_len - off))
		return NULL;
	return b->strs + off;
}

/* Size in bytes of a type, through typedefs and qualifiers; 0 when unknown. */
static unsigned type_size(const struct trace_btf *b, uint32_t id, int depth)
{
	struct btf_type t;

	for (; depth < BTF_DEPTH && type_at(b, id, &t) == 0; depth++) {
		switch (kind_of(&t)) {
		case BTF_KIND_INT: case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM:
		case BTF_KIND_FLOAT: case 19:
			return t.size;
		case BTF_KIND_PTR:
			return 8;
		case BTF_KIND_ARRAY: {
			struct btf_array a;
			memcpy(&a, b->types + b->index[id] + sizeof t, sizeof a);
			return a.nelems * type_size(b, a.type, depth + 1);
		}
		case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
		case 18:
			id = t.type;
			continue;
		default:
			return 0;
		}
	}
	return 0;
}

/* Looks for member name in the struct/union id, through anonymous members; bit offset. */
static int member_in(const struct trace_btf *b, uint32_t id, const char *name, int depth,
		     unsigned long *budget, unsigned long *bitoff, uint32_t *mtype)
{
	struct btf_type t, mt;
	struct btf_member m;
	const unsigned char *p;
	const char *mn;
	unsigned i, moff;

	if (depth > BTF_DEPTH || type_at(b, id, &t) < 0 ||
	    (kind_of(&t) != BTF_KIND_STRUCT && kind_of(&t) != BTF_KIND_UNION))
		return -1;
	p = b->types + b->index[id] + sizeof t;
	for (i = 0; i < vlen_of(&t); i++) {
		if (!*budget || !--*budget)
			return -1;
		memcpy(&m, p + i * sizeof m, sizeof m);
		/* kind_flag: the offset's top 8 bits are a bit-field size; a bit field is no use. */
		moff = (t.info >> 31) ? (m.offset & 0xffffff) : m.offset;
		if ((t.info >> 31) && (m.offset >> 24))
			continue;
		mn = str_at(b, m.name_off);
		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			*bitoff = moff;
			*mtype = m.type;
			return 0;
		}
		if (type_at(b, m.type, &mt) < 0)
			continue;
		if (member_in(b, m.type, name, depth + 1, budget, bitoff, mtype) == 0) {
			*bitoff += moff;
			return 0;
		}
	}
	return -1;
}

int trace_btf_member(const struct trace_btf *b, const char *strct, const char *member,
		     unsigned *off, unsigned *size, struct nr_err *e)
{
	struct btf_type t;
	unsigned long bit, budget;
	uint32_t id, mt;
	const char *n;

	for (id = 1; id <= b->ntypes; id++) {
		type_at(b, id, &t);
		if (kind_of(&t) != BTF_KIND_STRUCT || vlen_of(&t) == 0)
			continue;
		n = str_at(b, t.name_off);
		if (!n || strcmp(n, strct))
			continue;
		budget = BTF_VISITS;
		if (member_in(b, id, member, 0, &budget, &bit, &mt) < 0 || bit % 8)
			break;
		*off = (unsigned)(bit / 8);
		*size = type_size(b, mt, 0);
		return 0;
	}
	return nr_fail(e, NR_E_TRACE_BTF, 0, "trace", "struct %s member %s", strct, member);
}

/* One member whose size must be want. */
static int need(const struct trace_btf *b, const char *s, const char *m, unsigned want, unsigned *off,
		struct nr_err *e)
{
	unsigned size;

	if (trace_btf_member(b, s, m, off, &size, e) < 0)
		return -1;
	if (size != want)
		return nr_fail(e, NR_E_TRACE_BTF, 0, "trace", "struct %s member %s is %u bytes, not %u", s, m, size, want);
	return 0;
}

int trace_btf_skb_offs(const void *blob, size_t len, struct trace_skb_offs *o, struct nr_err *e)
{
	struct trace_btf b;
	int rc;

	if (trace_btf_open(&b, blob, len, e) < 0)
		return -1;
	rc = need(&b, "sk_buff", "head", 8, &o->head, e) < 0 ||
	     need(&b, "sk_buff", "network_header", 2, &o->network_header, e) < 0 ||
	     need(&b, "sk_buff", "transport_header", 2, &o->transport_header, e) < 0 ||
	     need(&b, "sk_buff", "dev", 8, &o->dev, e) < 0 ||
	     need(&b, "net_device", "name", 16, &o->dev_name, e) < 0 ||
	     need(&b, "sk_buff", "protocol", 2, &o->protocol, e) < 0 ? -1 : 0;
	trace_btf_close(&b);
	return rc;
}

int trace_btf_skb_offs_kernel(struct trace_skb_offs *o, struct nr_err *e)
{
	static const char path[] = "/sys/kernel/btf/vmlinux";
	struct stat st;
	unsigned char *buf;
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc, saved;

	if (fd < 0)
		return nr_fail(e, NR_E_TRACE_BTF, errno, "trace", "%s", path);
	/* sysfs reports the blob's size in st_size. */
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || (unsigned long long)st.st_size > BTF_FILE_MAX ||
	    !(buf = malloc((size_t)st.st_size))) {
		saved = errno;
		close(fd);
		return nr_fail(e, NR_E_TRACE_BTF, saved, "trace", "%s", path);
	}
	while (n < (size_t)st.st_size && (r = read(fd, buf + n, (size_t)st.st_size - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	rc = trace_btf_skb_offs(buf, n, o, e);
	free(buf);
	return rc;
}
