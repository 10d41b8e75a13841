/* The rule model both readers fill, the text of a rule, the walk of a pod's traffic in
 * evaluation order and counter deltas between two snapshots. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netfilter/netfilter.h"

/* NF_CHASH: buckets of the chain-name hash (a power of two; 64 K chains at most). */
#define NF_CHASH 16384
/* NF_DEPTH: x_tables allows 16 nested jumps at most; nf_tables 16 too (NFT_JUMP_STACK_SIZE). */
#define NF_DEPTH 16

void nf_init(struct nf_ruleset *rs)
{
	memset(rs, 0, sizeof *rs);
}

void nf_free(struct nf_ruleset *rs)
{
	free(rs->rules);
	free(rs->chains);
	free(rs->sets);
	free(rs->elems);
	free(rs->pool);
	free(rs->chash);
	nf_init(rs);
}

void nf_truncate(struct nf_ruleset *rs, const char *why)
{
	if (rs->truncated)
		return;
	rs->truncated = 1;
	snprintf(rs->trunc_why, sizeof rs->trunc_why, "%s", why);
}

/* Grows *arr (of *cap elements of size sz) to hold n+1, up to max. 0 or -1. */
static int grow(void **arr, uint32_t *cap, uint32_t n, size_t sz, uint32_t max)
{
	uint32_t nc;
	void *p;

	if (n < *cap)
		return 0;
	if (n >= max)
		return -1;
	nc = *cap ? *cap * 2 : 256;
	if (nc > max)
		nc = max;
	p = realloc(*arr, (size_t)nc * sz);
	if (!p)
		return -1;
	*arr = p;
	*cap = nc;
	return 0;
}

uint32_t nf_intern(struct nf_ruleset *rs, const char *s)
{
	size_t len = strlen(s) + 1, nc;
	uint32_t off;
	char *p;

	if (!s[0])
		return 0;
	if (!rs->npool)
		rs->npool = 1; /* offset 0 is "" */
	if (rs->npool + len > rs->cappool) {
		if (rs->npool + len > NF_POOL_MAX) {
			nf_truncate(rs, "rule text exceeds the 12 MiB text pool");
			return 0;
		}
		nc = rs->cappool ? rs->cappool * 2 : 65536;
		while (nc < rs->npool + len)
			nc *= 2;
		if (nc > NF_POOL_MAX)
			nc = NF_POOL_MAX;
		p = realloc(rs->pool, nc);
		if (!p) {
			nf_truncate(rs, "out of memory for rule text");
			return 0;
		}
		if (!rs->cappool)
			p[0] = 0;
		rs->pool = p;
		rs->cappool = nc;
	}
	off = (uint32_t)rs->npool;
	memcpy(rs->pool + off, s, len);
	rs->npool += len;
	return off;
}

const char *nf_str(const struct nf_ruleset *rs, uint32_t off)
{
	return off && off < rs->npool ? rs->pool + off : "";
}

static unsigned chash(int backend, int family, const char *table, const char *name)
{
	unsigned h = 2166136261u ^ (unsigned)(backend * 31 + family);

	for (; *table; table++)
		h = (h ^ (unsigned char)*table) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h & (NF_CHASH - 1);
}

const struct nf_chain *nf_chain_find(const struct nf_ruleset *rs, int backend, int family,
				     const char *table, const char *name)
{
	uint32_t i;

	if (!rs->chash)
		return NULL;
	for (i = rs->chash[chash(backend, family, table, name)]; i; i = rs->chains[i - 1].hnext) {
		const struct nf_chain *c = &rs->chains[i - 1];

		if (c->backend == backend && c->family == family && !strcmp(nf_str(rs, c->name), name) &&
		    !strcmp(nf_str(rs, c->table), table))
			return c;
	}
	return NULL;
}

struct nf_chain *nf_add_chain(struct nf_ruleset *rs, int backend, int family, const char *table,
			      const char *name)
{
	struct nf_chain *c;
	unsigned h;

	if (!rs->chash && !(rs->chash = calloc(NF_CHASH, sizeof *rs->chash)))
		return NULL;
	if (grow((void **)&rs->chains, &rs->capchains, rs->nchains, sizeof *c, NF_CHAINS_MAX) < 0) {
		nf_truncate(rs, "more than 65536 chains");
		return NULL;
	}
	c = &rs->chains[rs->nchains];
	memset(c, 0, sizeof *c);
	c->backend = (uint8_t)backend;
	c->family = (uint8_t)family;
	c->hook = -1;
	/* Chains come table by table: share the previous chain's copy of the table name. */
	if (rs->nchains && !strcmp(nf_str(rs, rs->chains[rs->nchains - 1].table), table))
		c->table = rs->chains[rs->nchains - 1].table;
	else
		c->table = nf_intern(rs, table);
	c->name = nf_intern(rs, name);
	c->first = rs->nrules;
	h = chash(backend, family, table, name);
	c->hnext = rs->chash[h];
	rs->chash[h] = ++rs->nchains;
	return c;
}

struct nf_rule *nf_add_rule(struct nf_ruleset *rs, uint32_t chain)
{
	struct nf_chain *c = &rs->chains[chain];
	struct nf_rule *r;

	if (rs->truncated)
		return NULL;
	/* Rules of a chain stay contiguous: both readers deliver them chain by chain. */
	if (c->n && c->first + c->n != rs->nrules)
		return NULL;
	if (grow((void **)&rs->rules, &rs->caprules, rs->nrules, sizeof *r, NF_RULES_MAX) < 0) {
		nf_truncate(rs, "more than 150000 rules");
		return NULL;
	}
	if (!c->n)
		c->first = rs->nrules;
	r = &rs->rules[rs->nrules++];
	memset(r, 0, sizeof *r);
	r->backend = c->backend;
	r->family = c->family;
	r->chain = chain;
	r->position = ++c->n;
	return r;
}

/* --- text --------------------------------------------------------------------------------- */

void nf_tx(struct nf_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->n + 4 >= sizeof t->b)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->b + t->n, sizeof t->b - t->n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof t->b - t->n) {
		t->n = sizeof t->b - 4;
		memcpy(t->b + t->n, "...", 4);
		t->n += 3;
		return;
	}
	t->n += (size_t)n;
}

void nf_tx_addr(struct nf_text *t, int family, const unsigned char *a, int plen)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family, a, ip, sizeof ip);
	nf_tx(t, "%s/%d", ip, plen);
}

int nf_mask_len(int family, const unsigned char *mask)
{
	int n = family == AF_INET6 ? 16 : 4, i, len = 0;

	for (i = 0; i < n; i++) {
		unsigned char m = mask[i];

		if (m == 0xff) {
			len += 8;
			continue;
		}
		while (m & 0x80) {
			len++;
			m = (unsigned char)(m << 1);
		}
		if (m)
			return -1;
		for (i++; i < n; i++)
			if (mask[i])
				return -1;
		break;
	}
	return len;
}

const char *nf_family_name(int family)
{
	switch (family) {
	case AF_INET: return "ipv4";
	case AF_INET6: return "ipv6";
	case 1: return "inet";     /* NFPROTO_INET */
	case 3: return "arp";      /* NFPROTO_ARP */
	case 5: return "netdev";   /* NFPROTO_NETDEV */
	case 7: return "bridge";   /* NFPROTO_BRIDGE */
	default: return "other";
	}
}

const char *nf_backend_name(int backend)
{
	return backend == NF_LEGACY ? "iptables-legacy" : "nf_tables";
}

const char *nf_hook_name(int hook)
{
	static const char *const n[NF_HK_N] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING" };

	return hook >= 0 && hook < NF_HK_N ? n[hook] : "";
}

size_t nf_rule_line(const struct nf_ruleset *rs, const struct nf_rule *r, char *buf, size_t cap)
{
	const char *m = nf_str(rs, r->match), *tg = nf_str(rs, r->tgt);
	int n;

	n = snprintf(buf, cap, "[%llu:%llu] -A %s%s%s%s%s", (unsigned long long)r->packets,
		     (unsigned long long)r->bytes, nf_str(rs, rs->chains[r->chain].name), *m ? " " : "", m,
		     *tg ? " " : "", tg);
	return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

/* --- a pod's traffic ---------------------------------------------------------------------- */

static int prefix_has(int family, const unsigned char *net, int plen, const unsigned char *a)
{
	int n = family == AF_INET6 ? 16 : 4, i;

	if (plen < 0 || plen > n * 8)
		return 1;
	for (i = 0; i < n && plen > 0; i++, plen -= 8) {
		unsigned char m = plen >= 8 ? 0xff : (unsigned char)(0xff << (8 - plen));

		if ((net[i] & m) != (a[i] & m))
			return 0;
	}
	return 1;
}

/* Does the rule's address constraint allow the pod's address? */
static int addr_ok(const struct nf_rule *r, int set, int inv, const unsigned char *net, int plen,
		   const struct nr_addr *pod)
{
	int in;

	if (!(r->flags & set))
		return 1;
	in = prefix_has(r->family, net, plen, pod->a);
	return (r->flags & inv) ? !in || plen < (r->family == AF_INET6 ? 128 : 32) : in;
}

static int port_ok(const struct nf_rule *r, int set, int inv, unsigned lo, unsigned hi, unsigned port)
{
	int in;

	if (!port || !(r->flags & set) || (r->flags & NF_RF_DPORTS && set == NF_RF_DPORT))
		return 1;
	in = port >= lo && port <= hi;
	return (r->flags & inv) ? !in : in;
}

int nf_rule_can_match(const struct nf_ruleset *rs, const struct nf_rule *r, const struct nf_traffic *t)
{
	const struct nf_chain *c = &rs->chains[r->chain];
	int to, reply;

	if (r->family != t->pod.family && r->family != 1 /* NFPROTO_INET: both */)
		return 0;
	to = addr_ok(r, NF_RF_DST, NF_RF_DST_INV, r->dst, r->dst_len, &t->pod) &&
	     port_ok(r, NF_RF_DPORT, NF_RF_DPORT_INV, r->dport_lo, r->dport_hi, t->port);
	if (to)
		return 1;
	if (!strcmp(nf_str(rs, c->type), "nat") || !strcmp(nf_str(rs, c->table), "nat"))
		return 0; /* replies never traverse nat chains */
	reply = addr_ok(r, NF_RF_SRC, NF_RF_SRC_INV, r->src, r->src_len, &t->pod) &&
		port_ok(r, NF_RF_SPORT, NF_RF_SPORT_INV, r->sport_lo, r->sport_hi, t->port);
	return reply;
}

struct walk {
	const struct nf_ruleset *rs;
	const struct nf_traffic *t;
	unsigned char *seen;      /* a bit per rule */
	unsigned char *dnat;      /* per chain: it leads to a DNAT to the pod */
	nf_rule_cb cb;
	void *arg;
	int rc;
};

static int dnat_to_pod(const struct nf_rule *r, const struct nf_traffic *t)
{
	if (r->target != NF_T_DNAT || !(r->flags & NF_RF_NAT) ||
	    memcmp(r->nat_addr, t->pod.a, t->pod.family == AF_INET6 ? 16 : 4))
		return 0;
	return !t->port || !r->nat_port_lo || (t->port >= r->nat_port_lo && t->port <= r->nat_port_hi);
}

static const struct nf_chain *jump_target(const struct nf_ruleset *rs, const struct nf_rule *r)
{
	if ((r->target != NF_T_JUMP && r->target != NF_T_GOTO) || !r->jump)
		return NULL;
	return nf_chain_find(rs, r->backend, r->family, nf_str(rs, rs->chains[r->chain].table), nf_str(rs, r->jump));
}

/* Which chains lead to a DNAT to the pod (a Service's KUBE-SEP, KUBE-SVC, KUBE-EXT chains):
 * traffic to a Service address is traffic to the pod once it is translated. */
static void mark_dnat(struct walk *w)
{
	const struct nf_ruleset *rs = w->rs;
	uint32_t i;
	int pass, changed = 1;

	for (i = 0; i < rs->nrules; i++)
		if (rs->rules[i].family == w->t->pod.family && dnat_to_pod(&rs->rules[i], w->t))
			w->dnat[rs->rules[i].chain] = 1;
	for (pass = 0; pass < NF_DEPTH && changed; pass++)
		for (changed = 0, i = 0; i < rs->nrules; i++) {
			const struct nf_rule *r = &rs->rules[i];
			const struct nf_chain *to;

			if (w->dnat[r->chain] || !r->jump || !(to = jump_target(rs, r)) || !w->dnat[to - rs->chains])
				continue;
			w->dnat[r->chain] = 1;
			changed = 1;
		}
}

/* via: reached through a Service frontend (the destination is the Service address, not the
 * pod's): only the way to the DNAT to the pod is shown. */
static int walk_chain(struct walk *w, const struct nf_chain *c, int depth, int via)
{
	uint32_t i;

	if (depth > NF_DEPTH)
		return 1;
	for (i = c->first; i < c->first + c->n; i++) {
		const struct nf_rule *r = &w->rs->rules[i];
		const struct nf_chain *to = jump_target(w->rs, r);
		int match = !via && nf_rule_can_match(w->rs, r, w->t);
		int lead = to && w->dnat[to - w->rs->chains];
		int rc;

		if (!match && !lead && !(via && dnat_to_pod(r, w->t)))
			continue;
		if (!(w->seen[i / 8] & (1u << (i % 8)))) {
			w->seen[i / 8] |= (unsigned char)(1u << (i % 8));
			rc = w->cb(r, w->arg);
			if (rc <= 0)
				return w->rc = rc;
		}
		if (to && to != c && (rc = walk_chain(w, to, depth + 1, via || !match)) <= 0)
			return rc;
	}
	return 1;
}

static int base_cmp(const struct nf_ruleset *rs, uint32_t a, uint32_t b)
{
	const struct nf_chain *x = &rs->chains[a], *y = &rs->chains[b];

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->backend - y->backend;
}

/* Base chains of one hook, by priority (insertion sort: a hook has a handful). */
static uint32_t base_chains(const struct nf_ruleset *rs, const struct nf_traffic *t, int hook,
			    uint32_t *out, uint32_t cap)
{
	uint32_t i, j, n = 0;

	for (i = 0; i < rs->nchains && n < cap; i++) {
		const struct nf_chain *c = &rs->chains[i];

		if (c->hook != hook || (c->family != t->pod.family && c->family != 1))
			continue;
		if (t->table && strcmp(nf_str(rs, c->table), t->table))
			continue;
		for (j = n; j > 0 && base_cmp(rs, out[j - 1], i) > 0; j--)
			out[j] = out[j - 1];
		out[j] = i;
		n++;
	}
	return n;
}

int nf_walk_traffic(const struct nf_ruleset *rs, const struct nf_traffic *t, nf_rule_cb cb, void *arg)
{
	static const int order[] = { NF_HK_PRE, NF_HK_IN, NF_HK_FWD, NF_HK_OUT, NF_HK_POST };
	struct walk w = { rs, t, NULL, NULL, cb, arg, 1 };
	uint32_t bases[64], n, i;
	size_t k;

	w.seen = calloc(rs->nrules / 8 + 1, 1);
	w.dnat = calloc(rs->nchains + 1, 1);
	if (!w.seen || !w.dnat) {
		free(w.seen);
		free(w.dnat);
		return -1;
	}
	mark_dnat(&w);
	for (k = 0; k < sizeof order / sizeof order[0] && w.rc > 0; k++) {
		n = base_chains(rs, t, order[k], bases, 64);
		for (i = 0; i < n && w.rc > 0; i++)
			walk_chain(&w, &rs->chains[bases[i]], 0, 0);
	}
	free(w.seen);
	free(w.dnat);
	return w.rc < 0 ? -1 : 0;
}

/* --- snapshots and deltas ----------------------------------------------------------------- */

int nf_snapshot(struct nf_ruleset *rs, struct nr_err *e)
{
	nf_free(rs);
	return nf_read(rs, NF_ALL, e);
}

/* Adds "what: why" to rs->unread. */
static void unread(struct nf_ruleset *rs, const char *what, const struct nr_err *e)
{
	size_t n = strlen(rs->unread);
	char why[NR_ERR_CTX + 128];

	nr_err_text(e, why, sizeof why);
	snprintf(rs->unread + n, sizeof rs->unread - n, "%s%s (%s)", n ? "; " : "", what, why);
}

/* The legacy tables that exist in this netns, from /proc/net/ip{,6}_tables_names. */
static int legacy_family(struct nf_ruleset *rs, int family, struct nr_err *e)
{
	FILE *f = fopen(family == AF_INET6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names", "re");
	char name[64];
	int bad = 0;

	if (!f)
		return 0; /* x_tables not loaded: nothing legacy here */
	while (fgets(name, sizeof name, f)) {
		name[strcspn(name, "\n")] = 0;
		if (!name[0])
			continue;
		if (nf_read_legacy(rs, family, name, e) < 0) {
			unread(rs, family == AF_INET6 ? "ip6tables-legacy" : "iptables-legacy", e);
			bad = 1;
		}
	}
	fclose(f);
	return bad ? -1 : 0;
}

int nf_read(struct nf_ruleset *rs, unsigned what, struct nr_err *e)
{
	struct nr_err e1, e2;
	int ok = 0;

	nr_err_clear(&e1);
	nr_err_clear(&e2);
	if (what & NF_LEGACY) {
		int a = legacy_family(rs, AF_INET, &e1), b = legacy_family(rs, AF_INET6, &e1);

		if (!a || !b)
			ok = 1, rs->read_ok |= NF_LEGACY;
	}
	if (what & NF_NFT) {
		if (nf_read_nft(rs, (what & NF_ELEMS) != 0, &e2) == 0)
			ok = 1;
		else
			unread(rs, "nf_tables", &e2);
	}
	if (ok)
		return 0;
	if (e)
		*e = e2.code ? e2 : e1;
	return -1;
}

static int same_rule(const struct nf_ruleset *a, const struct nf_rule *x, const struct nf_ruleset *b,
		     const struct nf_rule *y)
{
	return x->position == y->position && !strcmp(nf_str(a, x->match), nf_str(b, y->match)) &&
	       !strcmp(nf_str(a, x->tgt), nf_str(b, y->tgt));
}

int nf_delta(const struct nf_ruleset *before, const struct nf_ruleset *after,
	     const struct nf_traffic *t, nf_hit_cb cb, void *arg)
{
	uint32_t i;
	int rc;

	for (i = 0; i < after->nrules; i++) {
		const struct nf_rule *r = &after->rules[i];
		const struct nf_chain *ca = &after->chains[r->chain], *cb4;
		const struct nf_rule *old = NULL;
		struct nf_hit h;

		if (r->target != NF_T_DROP && r->target != NF_T_REJECT)
			continue;
		if (t && !nf_rule_can_match(after, r, t))
			continue;
		cb4 = nf_chain_find(before, ca->backend, ca->family, nf_str(after, ca->table), nf_str(after, ca->name));
		if (cb4 && r->position <= cb4->n && same_rule(after, r, before, &before->rules[cb4->first + r->position - 1]))
			old = &before->rules[cb4->first + r->position - 1];
		h.rs = after;
		h.r = r;
		h.packets = r->packets - (old ? old->packets : 0);
		h.bytes = r->bytes - (old ? old->bytes : 0);
		if (!h.packets || (old && r->packets < old->packets))
			continue;
		if ((rc = cb(&h, arg)) <= 0)
			return rc;
	}
	return 1;
}

void nf_set_comment(struct nf_ruleset *rs, struct nf_rule *r, const char *c)
{
	/* iptables-nft and Calico may carry two comments; the first names the rule. */
	if (!r->comment)
		r->comment = nf_intern(rs, c);
	if (strstr(c, "has no endpoints"))
		r->flags |= NF_RF_NOEP;
}
