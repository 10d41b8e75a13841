/* Findings: what a check concluded, with evidence and the command that mends it.
 * IDs are the stable ones of CONTRACT.md ("bridge-down", "mtu-mismatch", ...). */
#ifndef NR_REPORT_FINDINGS_H
#define NR_REPORT_FINDINGS_H
#include <stdio.h>

#include "report/json.h"

enum sev { SEV_INFO = 0, SEV_WARN = 1, SEV_FAIL = 2 };

/* FINDINGS_MAX: 110 pods x a few findings each, with room to spare. */
#define FINDINGS_MAX 512

struct finding {
	const char *id;     /* static string: a CONTRACT.md finding ID */
	enum sev sev;
	char subject[128];  /* what it is about: "cbr0", "pod 10.4.0.5", "port 8080" */
	char message[512];  /* what is wrong, with the values seen (the evidence) */
	char fix[256];      /* exact command that mends it; empty = none (JSON null) */
};

struct findings {
	int n;
	int dropped;        /* findings beyond FINDINGS_MAX (counted, not stored) */
	struct finding f[FINDINGS_MAX];
};

void findings_init(struct findings *fs);
/* Adds one finding; fix may be NULL. message is printf-style. */
void findings_add(struct findings *fs, const char *id, enum sev sev, const char *subject,
		  const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
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
/* Human form: one block per finding: "FAIL bridge-down  cbr0: message\n     fix: cmd". */
void findings_text(FILE *f, const struct findings *fs);
const char *sev_name(enum sev s);
/* Exit code per CONTRACT.md for a check command: 1 when any fail finding, else 0. */
int findings_exit(const struct findings *fs);

#endif
