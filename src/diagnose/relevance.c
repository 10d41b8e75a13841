/* Relevance: the order a person reads findings in, and how many there are. After every
 * stage: pods named namespace/name instead of by UID; each finding's scope (about the asked
 * pods/ports, or elsewhere on the node); kernel-log findings weighed by age (an old record
 * that nothing confirms now is a warning, not today's failure); findings that share one cause
 * merged into one (a stale holder is not "stale-listener" and "port-in-use"); the --fix
 * outcome on each finding; then asked first, worst first within each group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose/private.h"
#include "report/words.h"
#include "runtime/runtime.h"

/* OLD_SECS: a kernel-log finding whose newest record is older than this, with nothing
 * confirming it now, is lowered to a warning. */
#define OLD_SECS 3600
/* NAMES_MAX: pods named per report (the asked ones and those findings are about). */
#define NAMES_MAX 32

/* --- naming ------------------------------------------------------------------------------ */

struct pod_names {
	int n;
	struct {
		char uid[RT_UID_MAX];
		char name[DIAG_POD_NAME];
	} v[NAMES_MAX];
};

static const char *name_of(struct pod_names *pn, const struct rt *rt, const char *uid)
{
	struct rt_pod p;
	int i;

	if (!uid[0])
		return NULL;
	for (i = 0; i < pn->n; i++)
		if (!strcmp(pn->v[i].uid, uid))
			return pn->v[i].name[0] ? pn->v[i].name : NULL;
	if (pn->n == NAMES_MAX)
		return NULL;
	snprintf(pn->v[pn->n].uid, sizeof pn->v[pn->n].uid, "%s", uid);
	pn->v[pn->n].name[0] = 0;
	if (rt && rt_pod_by_uid(rt, uid, &p) == 0 && p.name[0])
		snprintf(pn->v[pn->n].name, sizeof pn->v[pn->n].name, "%s/%s", p.namespace_[0] ? p.namespace_ : "?",
			 p.name);
	pn->n++;
	return pn->v[pn->n - 1].name[0] ? pn->v[pn->n - 1].name : NULL;
}

/* Replaces every "uid" in s (cap bytes) with name. */
static void replace_all(char *s, size_t cap, const char *uid, const char *name)
{
	char out[1024];
	size_t ul = strlen(uid), o = 0;
	const char *p = s, *q;

	if (!ul || !strstr(s, uid))
		return;
	while ((q = strstr(p, uid)) && o < sizeof out) {
		o += (size_t)snprintf(out + o, sizeof out - o, "%.*s%s", (int)(q - p), p, name);
		p = q + ul;
	}
	if (o < sizeof out)
		snprintf(out + o, sizeof out - o, "%s", p);
	o = strnlen(out, sizeof out - 1);
	if (o >= cap)
		o = cap - 1;
	memcpy(s, out, o);
	s[o] = 0;
}

/* s is prefix followed by a pod UID (36 characters: hex digits and dashes) and nothing else. */
static int looks_uid(const char *s, const char *prefix)
{
	size_t n = strlen(prefix), i;

	if (strncmp(s, prefix, n) || strlen(s + n) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		char c = s[n + i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'))
			return 0;
	}
	return 1;
}

/* Pods are named namespace/name in every finding and in the pods table; the UID stays in
 * JSON (pod_uid). */
static void name_pods(struct diag_report *r, const struct rt *rt)
{
	struct pod_names *pn = calloc(1, sizeof *pn);
	const char *name;
	int i, j;

	if (!pn)
		return;
	for (i = 0; i < r->npods; i++) {
		struct diag_pod *p = &r->pods[i];

		if (p->status == DIAG_OK && (name = name_of(pn, rt, p->loc.pod_uid)))
			snprintf(p->name, sizeof p->name, "%s", name);
	}
	for (i = 0; i < r->fs.n; i++) {
		struct finding *f = &r->fs.f[i];

		/* Checks that name a pod only by UID in the subject ("pod UID") get its pod_uid. */
		if (!f->pod_uid[0] && looks_uid(f->subject, "pod ")) {
			memcpy(f->pod_uid, f->subject + 4, 36); /* two fields of one finding */
			f->pod_uid[36] = 0;
		}
		name_of(pn, rt, f->pod_uid);
	}
	for (i = 0; i < r->fs.n; i++) {
		struct finding *f = &r->fs.f[i];

		for (j = 0; j < pn->n; j++)
			if (pn->v[j].name[0]) {
				replace_all(f->message, sizeof f->message, pn->v[j].uid, pn->v[j].name);
				replace_all(f->subject, sizeof f->subject, pn->v[j].uid, pn->v[j].name);
				if (!f->pod_uid[0] && strstr(f->message, pn->v[j].name))
					snprintf(f->pod_uid, sizeof f->pod_uid, "%s", pn->v[j].uid);
			}
	}
	free(pn);
}

/* --- scope ------------------------------------------------------------------------------- */

static int word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-' || c == ':';
}

/* w is in s as a whole word (10.4.0.5 is not in 10.4.0.50). */
int diag_has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	const char *p = s;

	if (!n)
		return 0;
	while ((p = strstr(p, w))) {
		if ((p == s || !word_char(p[-1])) && !word_char(p[n]))
			return 1;
		p++;
	}
	return 0;
}

static int about_pod(const struct finding *f, const struct diag_pod *p)
{
	char ip[46];

	if (diag_has_word(f->subject, addr_str(&p->ip, ip, sizeof ip)))
		return 1;
	if (p->status != DIAG_OK)
		return 0;
	if (p->loc.pod_uid[0] && (!strcmp(f->pod_uid, p->loc.pod_uid) || diag_has_word(f->subject, p->loc.pod_uid)))
		return 1;
	if (p->name[0] && diag_has_word(f->subject, p->name))
		return 1;
	return (p->loc.host_if[0] && diag_has_word(f->subject, p->loc.host_if)) ||
	       (p->loc.bridge[0] && !strcmp(f->subject, p->loc.bridge));
}

static int about_port(const struct finding *f, const struct diag_report *r)
{
	unsigned port;
	int i;

	if (sscanf(f->subject, "port %u", &port) != 1)
		return 0;
	for (i = 0; i < r->nports; i++)
		if (r->ports[i] == port)
			return 1;
	return 0;
}

enum finding_scope diag_scope(const struct diag_report *r, const struct finding *f)
{
	int i;

	if (about_port(f, r))
		return FS_ASKED;
	for (i = 0; i < r->npods; i++)
		if (about_pod(f, &r->pods[i]))
			return FS_ASKED;
	return FS_NODE;
}

/* --- age of kernel-log evidence ---------------------------------------------------------- */

/* Whether something read now confirms the kernel-log finding f; why (cap) says what was
 * looked at when nothing does. */
static int confirmed(const struct diag_report *r, const struct finding *f, char *why, size_t cap)
{
	const struct conntrack_report *c = &r->ct;
	const struct neigh_overflow_report *n = &r->neigh;

	if (!strcmp(f->id, "conntrack-table-full")) {
		if ((c->drop.ok && c->drop.v) || (c->insert_failed.ok && c->insert_failed.v) ||
		    (c->count.ok && c->max.ok && c->max.v && c->count.v * 10 >= c->max.v * 9))
			return 1;
		snprintf(why, cap, "no conntrack drop or failed insert is counted now, the table holds %llu of %llu entries",
			 c->count.v, c->max.v);
		return 0;
	}
	if (!strcmp(f->id, "neigh-table-overflow")) {
		const struct sysval *cnt = n->ipv6 ? &n->count6 : &n->count, *t3 = n->ipv6 ? &n->thresh6[2] : &n->thresh[2];

		if (!cnt->ok || !t3->ok || cnt->v >= t3->v)
			return 1;
		snprintf(why, cap, "%llu neighbours now, below gc_thresh3 %llu", cnt->v, t3->v);
		return 0;
	}
	snprintf(why, cap, "nothing read now confirms it");
	return 0;
}

static void weigh_age(struct diag_report *r, struct finding *f)
{
	char why[160], age[32];
	size_t n;

	if (!f->last_seen_us || f->sev != SEV_FAIL || f->last_seen_us / 1000000 > r->started - OLD_SECS ||
	    confirmed(r, f, why, sizeof why))
		return;
	f->sev = SEV_WARN;
	n = strlen(f->message);
	snprintf(f->message + n, sizeof f->message - n, "; a warning, not a failure: last seen %s and %s",
		 words_age(f->last_seen_us, r->started * 1000000LL, age, sizeof age), why);
}

/* --- one fault, one finding -------------------------------------------------------------- */

/* The finding that names the fault itself, preferred over its symptoms when they merge. */
static int rank(const char *id)
{
	static const char *const causes[] = { "bridge-down", "link-down", "stale-listener", NULL };
	int i;

	for (i = 0; causes[i]; i++)
		if (!strcmp(id, causes[i]))
			return i;
	return 100;
}

/* What a pod's traffic shows when a link on its way is down: the same fault again. */
static int symptom(const char *id)
{
	static const char *const ids[] = { "pod-no-traffic", "route-missing", "tcp-timeout", "pod-mac-not-learned",
		"conntrack-unreplied", "link-down", NULL };
	int i;

	for (i = 0; ids[i]; i++)
		if (!strcmp(id, ids[i]))
			return 1;
	return 0;
}

/* Symptoms of an asked pod behind a down link (its veth, or the bridge it is a port of) take
 * that link as their cause. */
static void link_causes(struct diag_report *r)
{
	char ip[46], cause[48];
	int i, j;

	for (i = 0; i < r->npods; i++) {
		const struct diag_pod *p = &r->pods[i];
		const char *down = NULL;

		for (j = 0; j < r->fs.n && !down; j++) {
			const struct finding *f = &r->fs.f[j];

			if (!strcmp(f->id, "bridge-down") && p->loc.bridge[0] && !strcmp(f->subject, p->loc.bridge))
				down = p->loc.bridge;
			else if (!strcmp(f->id, "bridge-down") && diag_has_word(f->message, addr_str(&p->ip, ip, sizeof ip)))
				down = f->subject;
		}
		for (j = 0; j < r->fs.n && !down; j++)
			if (!strcmp(r->fs.f[j].id, "link-down") && about_pod(&r->fs.f[j], p) && p->loc.host_if[0])
				down = p->loc.host_if;
		if (!down)
			continue;
		snprintf(cause, sizeof cause, "link %s", down);
		for (j = 0; j < r->fs.n; j++) {
			struct finding *f = &r->fs.f[j];

			if (!f->cause[0] && symptom(f->id) && about_pod(f, p))
				snprintf(f->cause, sizeof f->cause, "%s", cause);
		}
	}
}

static void add_also(struct finding *keep, const char *id)
{
	int i;

	if (!strcmp(keep->id, id))
		return;
	for (i = 0; i < keep->nalso; i++)
		if (!strcmp(keep->also[i], id))
			return;
	if (keep->nalso < FINDING_ALSO)
		keep->also[keep->nalso++] = id;
}

void diag_merge(struct findings *fs)
{
	int i, j, n = 0;

	for (i = 0; i < fs->n; i++) {
		struct finding *f = &fs->f[i];

		for (j = 0; j < n; j++)
			if (f->cause[0] && !strcmp(fs->f[j].cause, f->cause))
				break;
		if (j == n) {
			if (n != i)
				fs->f[n] = *f;
			n++;
			continue;
		}
		/* One fault: keep the finding that names it (worst severity), list the other IDs. */
		{
			struct finding *k = &fs->f[j];
			enum sev worst = f->sev > k->sev ? f->sev : k->sev;
			int a;

			if (rank(f->id) < rank(k->id)) {
				struct finding old = *k;

				*k = *f;
				add_also(k, old.id);
				for (a = 0; a < old.nalso; a++)
					add_also(k, old.also[a]);
			} else {
				add_also(k, f->id);
				for (a = 0; a < f->nalso; a++)
					add_also(k, f->also[a]);
			}
			k->sev = worst;
			if (f->scope && (!k->scope || f->scope < k->scope))
				k->scope = f->scope; /* about the asked pod when either was */
			if (!k->pod_uid[0])
				memcpy(k->pod_uid, f->pod_uid, sizeof k->pod_uid); /* j < i: never the same finding */
		}
	}
	fs->n = n;
}

/* --- order ------------------------------------------------------------------------------- */

void diag_order(struct findings *fs)
{
	struct finding tmp;
	int i, j;

	/* Insertion sort, stable: asked before node, then worst first. */
	for (i = 1; i < fs->n; i++) {
		tmp = fs->f[i];
		for (j = i; j > 0 && (fs->f[j - 1].scope > tmp.scope ||
				      (fs->f[j - 1].scope == tmp.scope && fs->f[j - 1].sev < tmp.sev)); j--)
			fs->f[j] = fs->f[j - 1];
		fs->f[j] = tmp;
	}
}

/* --- --fix outcome ----------------------------------------------------------------------- */

static void fix_status(struct diag_report *r)
{
	int i, j;

	if (!r->fix)
		return;
	for (j = 0; j < r->fs.n; j++) {
		struct finding *f = &r->fs.f[j];

		f->fix_status = "not attempted";
		f->fix_reason = f->fix[0] ? "--fix applies only setting pod bridges up and raising nf_conntrack_max; "
					    "run the fix lines yourself" : "no command mends it (see the advice)";
		for (i = 0; i < r->nchanges; i++) {
			const struct diag_fixrec *x = &r->fixrec[i];

			if (!x->finding[0] || strcmp(f->id, x->finding) || (x->subject[0] && strcmp(f->subject, x->subject)))
				continue;
			if (x->refused) {
				f->fix_status = "refused";
				f->fix_reason = x->why;
				break;
			}
			f->fix_status = "applied";
			f->fix_reason = NULL;
		}
	}
}

/* --- advice that names the node's own files ---------------------------------------------- */

/* Where new pods take their MTU from on this node, for mtu-mismatch. */
static void mtu_advice(struct diag_report *r)
{
	char file[256], *end;
	const char *p;
	unsigned mtu = 0;
	int i;

	file[0] = 0;
	p = strstr(r->cni_why, "delegates to ");
	p = p ? p + 13 : r->cni_why;
	if (*p == '/') {
		snprintf(file, sizeof file, "%s", p);
		if ((end = strpbrk(file, " (")))
			*end = 0;
	}
	for (i = 0; i < r->fs.n; i++) {
		struct finding *f = &r->fs.f[i];
		const char *m;

		if (strcmp(f->id, "mtu-mismatch") || !f->advice[0] || !(m = strstr(f->advice, "\"mtu\": ")) ||
		    sscanf(m, "\"mtu\": %u", &mtu) != 1)
			continue;
		if (!strcmp(r->cni, "kubenet"))
			snprintf(f->advice, sizeof f->advice, "the fix lasts until the pod is recreated; kubenet has no "
				 "CNI config to edit: the kubelet sets pod MTUs (--network-plugin-mtu, else the "
				 "node's uplink MTU), so set --network-plugin-mtu=%u on the kubelet", mtu);
		else if (file[0])
			snprintf(f->advice, sizeof f->advice, "the fix lasts until the pod is recreated: set \"mtu\": %u "
				 "in %.120s (the CNI config this node uses) so new pods get it", mtu, file);
	}
}

void diag_relevance(struct diag_report *r, const struct rt *rt)
{
	int i;

	name_pods(r, rt);
	mtu_advice(r);
	for (i = 0; i < r->fs.n; i++) {
		r->fs.f[i].scope = diag_scope(r, &r->fs.f[i]);
		weigh_age(r, &r->fs.f[i]);
	}
	link_causes(r);
	diag_merge(&r->fs);
	fix_status(r);
	diag_order(&r->fs);
}
