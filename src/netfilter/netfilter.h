/* netfilter: the node's packet-filter rules, read in-process (replaces `iptables-save -c`,
 * `iptables-legacy-save -c`, `nft list ruleset`).
 *
 * Two readers fill one model: xt.c asks x_tables (iptables-legacy) for each table through
 * getsockopt(IPT_SO_GET_INFO / IPT_SO_GET_ENTRIES, and the IP6T_ variants); nft.c dumps
 * nf_tables over NFNETLINK (tables, chains, rules with their expressions and counters, sets and
 * their elements), including the rules iptables-nft writes, whose xt matches and targets ride
 * inside nft "match"/"target" expressions and are decoded by the same xt decoders. rules.c holds
 * the model, the iptables-save-like text of each rule, the evaluation-order walk for a pod's
 * traffic and the counter deltas between two snapshots.
 *
 * Memory: one caller-owned struct nf_ruleset whose arrays grow up to fixed caps; beyond a cap
 * the reader stops adding, sets `truncated` and says why. Nothing here prints. */
#ifndef NR_NETFILTER_NETFILTER_H
#define NR_NETFILTER_NETFILTER_H
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/parse.h"

/* NF_RULES_MAX: a big node (10,000 Services) has ~50,000 iptables rules per family; 150,000
 * leaves room for Calico and IPv6 while bounding the model to ~25 MiB. */
#define NF_RULES_MAX 150000
/* NF_CHAINS_MAX: kube-proxy makes ~3 chains per Service endpoint set. */
#define NF_CHAINS_MAX 65536
/* NF_ELEMS_MAX / NF_SETS_MAX: nftables kube-proxy keeps one map element per Service port. */
#define NF_ELEMS_MAX 150000
#define NF_SETS_MAX 16384
/* NF_POOL_MAX: the text of every rule (~120 bytes each for kube-proxy rules). */
#define NF_POOL_MAX (12u << 20)
/* NF_TEXT: one rule's match or target text while it is built; longer text is cut with "...". */
#define NF_TEXT 1024
/* NF_KEY_MAX: a set element key: IPv6 . proto . port is 24 bytes; intervals double nothing. */
#define NF_KEY_MAX 40

enum nf_backend { NF_LEGACY = 1, NF_NFT = 2 };
/* nf_read: NF_LEGACY | NF_NFT, plus NF_ELEMS to read every set's elements too (one request per
 * set: only `service` needs them). */
enum { NF_ELEMS = 4, NF_ALL = NF_LEGACY | NF_NFT };

/* Hooks in the kernel's NF_INET_* numbering; -1 for a chain no hook calls. */
enum { NF_HK_PRE = 0, NF_HK_IN, NF_HK_FWD, NF_HK_OUT, NF_HK_POST, NF_HK_N };

/* What a rule does when it matches. */
enum nf_tkind {
	NF_T_NONE = 0,  /* no target: counts and goes on */
	NF_T_ACCEPT, NF_T_DROP, NF_T_REJECT, NF_T_RETURN, NF_T_JUMP, NF_T_GOTO,
	NF_T_DNAT, NF_T_SNAT, NF_T_MASQ, NF_T_MARK, NF_T_LOG, NF_T_VMAP, NF_T_QUEUE,
	NF_T_OTHER,     /* any other extension target (shown by name) */
};

/* Rule flags: which decoded fields are set. */
enum {
	NF_RF_SRC = 1 << 0, NF_RF_SRC_INV = 1 << 1, NF_RF_DST = 1 << 2, NF_RF_DST_INV = 1 << 3,
	NF_RF_PROTO = 1 << 4, NF_RF_PROTO_INV = 1 << 5,
	NF_RF_DPORT = 1 << 6, NF_RF_DPORT_INV = 1 << 7, NF_RF_SPORT = 1 << 8, NF_RF_SPORT_INV = 1 << 9,
	NF_RF_PROB = 1 << 10,    /* statistic --mode random: prob holds it */
	NF_RF_NAT = 1 << 11,     /* nat_addr / nat_port hold the DNAT/SNAT destination */
	NF_RF_DPORTS = 1 << 12,  /* multiport: ports[] are not one range (filter treats as any) */
	NF_RF_LOCAL = 1 << 13,   /* addrtype --dst-type LOCAL / fib daddr type local */
	NF_RF_NOEP = 1 << 14,    /* kube-proxy "has no endpoints" comment */
	NF_RF_UNDECODED = 1 << 15, /* some part was shown by name only */
};

struct nf_rule {
	uint8_t backend, family, target, proto;   /* family AF_INET/AF_INET6; target enum nf_tkind */
	uint8_t src_len, dst_len;
	uint16_t dport_lo, dport_hi, sport_lo, sport_hi, nat_port_lo, nat_port_hi;
	uint32_t flags;
	uint32_t chain;        /* index in rs->chains */
	uint32_t position;     /* 1-based within its chain */
	uint32_t match;        /* pool offsets (0 = none): match text, target text, comment, */
	uint32_t tgt;          /* jump/goto chain name or looked-up map name */
	uint32_t comment;
	uint32_t jump;
	uint32_t prob;         /* statistic probability as a fraction of 2^31 */
	unsigned char src[16], dst[16], nat_addr[16];
	uint64_t packets, bytes;
};

struct nf_chain {
	uint8_t backend, family;
	int8_t hook;           /* NF_HK_* or -1 */
	uint8_t policy;        /* NF_T_ACCEPT / NF_T_DROP for base chains, NF_T_NONE otherwise */
	int32_t prio;          /* hook priority (legacy tables: the kernel's fixed ones) */
	uint32_t table, name, type; /* pool offsets; type "filter"/"nat"/"route" (nft) */
	uint32_t first, n;     /* its rules: rs->rules[first .. first+n) */
	uint32_t hnext;        /* hash chain (index+1, 0 = end) */
	int has_counters;
	uint64_t packets, bytes; /* policy counters (legacy underflow / nft base chain counters) */
};

struct nf_set {
	uint8_t family;
	uint8_t is_map;        /* data type verdict: a vmap */
	uint16_t key_len;
	uint32_t table, name;
	uint32_t flags;        /* NFT_SET_* */
	uint32_t first, n;     /* its elements */
};

struct nf_elem {
	uint8_t key_len, verdict; /* verdict: NF_T_* (JUMP/GOTO name a chain) */
	uint32_t chain, comment;  /* pool offsets */
	unsigned char key[NF_KEY_MAX];
};

struct nf_ruleset {
	struct nf_rule *rules;
	uint32_t nrules, caprules;
	struct nf_chain *chains;
	uint32_t nchains, capchains;
	struct nf_set *sets;
	uint32_t nsets, capsets;
	struct nf_elem *elems;
	uint32_t nelems, capelems;
	char *pool;
	size_t npool, cappool;
	uint32_t *chash;       /* NF_CHASH buckets of chain index+1 */
	unsigned backends;     /* NF_LEGACY | NF_NFT: where rules were found */
	unsigned read_ok;      /* NF_LEGACY | NF_NFT: which could be read */
	int truncated;
	char trunc_why[160];
	char unread[320];      /* what could not be read and why ("" when all could) */
};

void nf_init(struct nf_ruleset *rs);
void nf_free(struct nf_ruleset *rs);
/* Reads the legacy tables (those /proc/net/ip{,6}_tables_names lists: reading a table that does
 * not exist would create it) and nf_tables. -1 only when neither could be read (permission);
 * what one reader could not see is in rs->unread. */
int nf_read(struct nf_ruleset *rs, unsigned what, struct nr_err *e);
int nf_read_legacy(struct nf_ruleset *rs, int family, const char *table, struct nr_err *e);
int nf_read_nft(struct nf_ruleset *rs, int elems, struct nr_err *e);

/* A pool string ("" for offset 0). */
const char *nf_str(const struct nf_ruleset *rs, uint32_t off);
const char *nf_family_name(int family);     /* "ipv4", "ipv6", "inet", "bridge", "arp", "netdev" */
const char *nf_backend_name(int backend);   /* "iptables-legacy" / "nf_tables" */
const char *nf_hook_name(int hook);         /* "PREROUTING", ... */
/* The chain by backend, family, table and name; NULL when none. */
const struct nf_chain *nf_chain_find(const struct nf_ruleset *rs, int backend, int family,
				     const char *table, const char *name);

/* iptables-save -c style line of a rule: "[p:b] -A CHAIN MATCH -j TARGET". */
size_t nf_rule_line(const struct nf_ruleset *rs, const struct nf_rule *r, char *buf, size_t cap);

/* --- a pod's traffic ---------------------------------------------------------------------- */
/* Traffic to a pod (dst = pod, dport = port) and its replies (src = pod, sport = port; replies
 * skip nat chains: NAT is decided on a connection's first packet). port 0 = any. */
struct nf_traffic {
	struct nr_addr pod;
	unsigned port;
	const char *table;     /* only this table; NULL = all */
};
/* Can r match some packet of that traffic? (Unknown matches count as "can".) */
int nf_rule_can_match(const struct nf_ruleset *rs, const struct nf_rule *r, const struct nf_traffic *t);
/* Walks the rules that can match t in evaluation order: hooks PREROUTING, INPUT, FORWARD,
 * OUTPUT, POSTROUTING; per hook the base chains by priority (both backends); jumps and gotos
 * followed into user chains when the jumping rule can match, and along the way to a DNAT to
 * the pod (a Service frontend that leads to it: KUBE-SERVICES -> KUBE-SVC -> KUBE-SEP). Each
 * rule once. cb per rule. */
typedef int (*nf_rule_cb)(const struct nf_rule *r, void *arg);
int nf_walk_traffic(const struct nf_ruleset *rs, const struct nf_traffic *t, nf_rule_cb cb, void *arg);

/* --- counter deltas (policy-drop, the drop watch) --------------------------------------------
 * A DROP/REJECT rule of `after` whose counters rose since `before` (same backend, family,
 * table, chain, position and text), for rules that can match t (t NULL = every rule). */
struct nf_hit {
	const struct nf_ruleset *rs;   /* the `after` snapshot */
	const struct nf_rule *r;
	uint64_t packets, bytes;       /* the rise */
};
typedef int (*nf_hit_cb)(const struct nf_hit *h, void *arg);
int nf_snapshot(struct nf_ruleset *rs, struct nr_err *e);
int nf_delta(const struct nf_ruleset *before, const struct nf_ruleset *after,
	     const struct nf_traffic *t, nf_hit_cb cb, void *arg);

/* --- building the model (the readers; unit tests and fuzzers feed recorded bytes) -------- */
uint32_t nf_intern(struct nf_ruleset *rs, const char *s);
/* Adds a chain (its rules follow with nf_add_rule); NULL when a cap is reached. */
struct nf_chain *nf_add_chain(struct nf_ruleset *rs, int backend, int family, const char *table,
			      const char *name);
struct nf_rule *nf_add_rule(struct nf_ruleset *rs, uint32_t chain);
void nf_truncate(struct nf_ruleset *rs, const char *why);

/* Text builder for one rule's match/target. */
struct nf_text {
	char b[NF_TEXT];
	size_t n;
};
void nf_tx(struct nf_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nf_tx_addr(struct nf_text *t, int family, const unsigned char *a, int plen);
int nf_mask_len(int family, const unsigned char *mask); /* prefix length, -1 if not contiguous */
/* " NEW,RELATED,..." of a conntrack state mask (x_tables and nf_tables share the bits). */
void nf_tx_ctstate(struct nf_text *t, unsigned mask, int untracked_bit, int snat_bits);

/* xt (x_tables) extension decoders, shared by the legacy reader and iptables-nft rules:
 * append "-m NAME --opt ..." / "-j NAME --opt ..." for the blob data[0..len) of revision rev,
 * filling what the model keeps in r. An unknown or malformed extension is shown by name. */
void nf_xt_match(struct nf_ruleset *rs, struct nf_text *t, struct nf_rule *r, const char *name,
		 int rev, const unsigned char *data, size_t len);
void nf_xt_target(struct nf_ruleset *rs, struct nf_text *t, struct nf_rule *r, const char *name,
		  int rev, const unsigned char *data, size_t len);
/* Sets r's comment (and NF_RF_NOEP for kube-proxy's "has no endpoints"). */
void nf_set_comment(struct nf_ruleset *rs, struct nf_rule *r, const char *c);
/* Parses an IPT_SO_GET_ENTRIES blob (len bytes) of a table with the hook/underflow offsets of
 * IPT_SO_GET_INFO into rs. 0, or -1 (NR_E_PARSE) on malformed bytes. */
struct nf_xt_info {
	unsigned valid_hooks;
	unsigned hook_entry[NF_HK_N];
	unsigned underflow[NF_HK_N];
};
int nf_xt_parse(struct nf_ruleset *rs, int family, const char *table, const struct nf_xt_info *info,
		const unsigned char *blob, size_t len, struct nr_err *e);
/* One nf_tables netlink message (type = NFT_MSG_NEW*, payload after the nlmsghdr). */
int nf_nft_parse_msg(struct nf_ruleset *rs, unsigned type, const unsigned char *p, size_t len,
		     struct nr_err *e);
/* A buffer of netlink messages as recv() returned them (or recorded): each nf_tables message. */
int nf_nft_parse_buf(struct nf_ruleset *rs, const unsigned char *buf, size_t len, struct nr_err *e);

#endif
