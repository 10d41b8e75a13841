/* Findings: what a check concluded, with evidence, the commands that mend it and advice.
 * IDs are the stable ones of CONTRACT.md ("bridge-down", "mtu-mismatch", ...). */
#ifndef NR_REPORT_FINDINGS_H
#define NR_REPORT_FINDINGS_H
#include <stdio.h>

#include "report/json.h"

enum sev { SEV_INFO = 0, SEV_WARN = 1, SEV_FAIL = 2 };

/* What a diagnose finding is about: the pods/ports the user asked about, or the rest of the
 * node. Check commands leave it FS_NONE (no "scope" in their JSON). */
enum finding_scope { FS_NONE = 0, FS_ASKED, FS_NODE };

/* FINDINGS_MAX: 110 pods x a few findings each, with room to spare. */
#define FINDINGS_MAX 512
/* FINDING_ALSO: other IDs one fault was also reported as (merged into this finding). */
#define FINDING_ALSO 4

struct finding {
	const char *id;     /* static string: a CONTRACT.md finding ID */
	enum sev sev;
	enum finding_scope scope;
	int nalso;
	const char *also[FINDING_ALSO]; /* IDs of the findings merged into this one */
	long long last_seen_us; /* kernel-log evidence: its newest record (µs since the epoch); 0 none */
	const char *fix_status;  /* diagnose --fix: "applied", "refused", "not attempted"; NULL: no --fix */
	const char *fix_reason;  /* why (refused, not attempted); NULL none; owned by the report */
	char subject[128];  /* what it is about: "cbr0", "pod 10.4.0.5", "port 8080" */
	char message[512];  /* what is wrong, with the values seen (the evidence) */
	char fix[256];      /* commands that mend it, one per line, each runnable as printed ("" none) */
	char advice[256];   /* prose: what else to do, naming the actual file ("" none) */
	char pod_uid[40];   /* the pod it is about ("" none) */
	char cause[48];     /* the fault it comes from, when another check can report the same fault
			       ("pid 4711", "link cbr0"): findings with one cause merge; "" = its own */
};

struct findings {
	int n;
	int dropped;        /* findings beyond FINDINGS_MAX (counted, not stored) */
	struct finding f[FINDINGS_MAX];
};

void findings_init(struct findings *fs);
/* Adds one finding; fix (commands, one per line) may be NULL. message is printf-style.
 * Returns it (to set advice, cause, ...), or NULL when the list is full. */
struct finding *findings_add(struct findings *fs, const char *id, enum sev sev, const char *subject,
			     const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Sets f's advice (printf-style); f may be NULL (a full list). */
void finding_advice(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets f's cause key and pod UID (either may be NULL); f may be NULL. */
void finding_cause(struct finding *f, const char *cause);
void finding_pod(struct finding *f, const char *pod_uid);
/* 1 when a finding with this id and subject is there: two checks that can see one fault
 * (the bridge check and locate both see a bridge down) test it so the report names it once. */
int findings_has(const struct findings *fs, const char *id, const char *subject);
/* Worst severity present (SEV_INFO when none). */
enum sev findings_worst(const struct findings *fs);
int findings_count(const struct findings *fs, enum sev sev);
/* Sorts by severity, worst first (stable). */
void findings_sort(struct findings *fs);
/* Writes "findings": [...] as a key of the current JSON object. */
void findings_json(struct jw *w, const struct findings *fs);
/* One finding as JSON (an object), as findings_json writes each. */
void finding_json(struct jw *w, const struct finding *f);
/* Human form: one block per finding: "FAIL bridge-down  cbr0: message", then its "also",
 * "last seen", each "fix:" command on its own line, "advice:" and the --fix status. */
void findings_text(FILE *f, const struct findings *fs);
void finding_text(FILE *out, const struct finding *f, long long now_us);
const char *sev_name(enum sev s);
const char *finding_scope_name(enum finding_scope s);
/* Exit code per CONTRACT.md for a check command: 1 when any fail finding, else 0. */
int findings_exit(const struct findings *fs);

#endif
