/* The error table: every NR_E_* code of base/err.h has exactly one row in base/errtext.c, and
 * every row names a code of the enum. The enum is read from the header's text (run from the
 * repository root, as tests/run.sh does), so a code added without a row fails here. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "t.h"
#include "base/err.h"

struct code { char name[64]; long value; };

/* Parses "NR_X = N," / "NR_X," lines of the enum, values as C assigns them. */
static int read_enum(struct code *out, int cap)
{
	FILE *f = fopen("src/base/err.h", "r");
	char line[512];
	long next = 0;
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f) && n < cap) {
		char *p = line, *q;
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "NR_", 3))
			continue;
		for (q = p; isalnum((unsigned char)*q) || *q == '_'; q++)
			;
		len = (size_t)(q - p);
		if (len >= sizeof out[n].name)
			continue;
		while (*q == ' ')
			q++;
		if (*q == '=')
			next = strtol(q + 1, NULL, 0);
		else if (*q != ',')
			continue; /* a prototype or macro, not an enumerator */
		memcpy(out[n].name, p, len);
		out[n].name[len] = 0;
		out[n].value = next++;
		n++;
	}
	fclose(f);
	return n;
}

static struct code codes[512];
static int ncodes;

static void every_code_has_one_row(void)
{
	size_t n, i;
	const struct nr_errdef *t = nr_err_table(&n);
	int k;

	CHECK(ncodes > 50);
	for (k = 0; k < ncodes; k++) {
		int rows = 0;

		if (strncmp(codes[k].name, "NR_E_", 5))
			continue;
		for (i = 0; i < n; i++)
			rows += t[i].code == codes[k].value;
		if (rows != 1)
			printf("# %s (%ld) has %d rows\n", codes[k].name, codes[k].value, rows);
		CHECK(rows == 1);
	}
}

static void every_row_is_a_code(void)
{
	size_t n, i;
	const struct nr_errdef *t = nr_err_table(&n);

	for (i = 0; i < n; i++) {
		int k, found = 0;

		for (k = 0; k < ncodes; k++)
			found |= codes[k].value == t[i].code && !strncmp(codes[k].name, "NR_E_", 5);
		if (!found)
			printf("# row %zu (code %d) names no NR_E_ code\n", i, t[i].code);
		CHECK(found);
		CHECK(t[i].text && t[i].text[0]);
	}
}

static void text_of_an_error(void)
{
	struct nr_err e;
	char buf[256];

	nr_fail(&e, NR_E_NOIF, ENODEV, "capture", "%s", "cbr0");
	nr_err_text(&e, buf, sizeof buf);
	CHECK_STR(buf, "capture: cbr0: no such interface");
	CHECK(nr_err_is_usage(NR_E_USAGE));
	CHECK(!nr_err_is_usage(NR_E_SYS));
	nr_fail(&e, NR_E_SYS, EACCES, "proc", "%s", "/proc/1/fd");
	nr_err_text(&e, buf, 10); /* bounded */
	CHECK(strlen(buf) == 9);
}

int main(void)
{
	ncodes = read_enum(codes, (int)(sizeof codes / sizeof codes[0]));
	RUN(every_code_has_one_row);
	RUN(every_row_is_a_code);
	RUN(text_of_an_error);
	return T_EXIT();
}
