/* The finding catalog: every finding ID netrescue can report, what it means and what to do.
 * `netrescue help findings` prints it and the README's findings table is made from it
 * (tests/integration/docs.sh checks both against every ID used in src/). Data only. */
#ifndef NR_REPORT_CATALOG_H
#define NR_REPORT_CATALOG_H

struct catalog_entry {
	const char *id;         /* stable ID, as in findings_add */
	const char *severities; /* "fail", or several separated by '/': "fail/warn" */
	const char *checks;     /* commands that report it, space separated */
	const char *meaning;    /* what it means (one paragraph, no '|') */
	const char *action;     /* what to do about it */
};

extern const struct catalog_entry catalog[];
extern const int catalog_n;

/* The entry for id, or NULL. */
const struct catalog_entry *catalog_find(const char *id);

#endif
