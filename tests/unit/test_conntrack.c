/* sysctl.conf editing of conntrack --fix: one line, right value, never lowered, whatever the
 * file looked like and however often it runs. */
#include <stdio.h>
#include <string.h>

#include "checks/conntrack.h"
#include "t.h"

static const char *K = "net.netfilter.nf_conntrack_max";
static char out[4096], out2[4096];

static long edit(const char *in, unsigned long long v, int *changed, int *line)
{
	return conntrack_conf_edit(in, strlen(in), K, v, out, sizeof out, changed, line);
}

/* Running the edit again on its own output changes nothing. */
static int idempotent(unsigned long long v)
{
	int ch, line;
	long n = conntrack_conf_edit(out, strlen(out), K, v, out2, sizeof out2, &ch, &line);
	return n >= 0 && !ch && !strcmp(out, out2);
}

static void appends_when_absent(void)
{
	int ch, line;

	CHECK(edit("kernel.panic = 10\n", 771377, &ch, &line) > 0);
	CHECK_INT(ch, 1);
	CHECK_STR(out, "kernel.panic = 10\n# raised by netrescue conntrack --fix (MemTotal KiB / 32)\n"
		  "net.netfilter.nf_conntrack_max = 771377\n");
	CHECK_INT(line, 3);
	CHECK(idempotent(771377));
}

static void appends_to_empty_and_unterminated(void)
{
	int ch, line;

	CHECK(edit("", 5, &ch, &line) > 0);
	CHECK_STR(out, "# raised by netrescue conntrack --fix (MemTotal KiB / 32)\nnet.netfilter.nf_conntrack_max = 5\n");
	CHECK(edit("a = 1", 5, &ch, &line) > 0);
	CHECK_STR(out, "a = 1\n# raised by netrescue conntrack --fix (MemTotal KiB / 32)\nnet.netfilter.nf_conntrack_max = 5\n");
	CHECK(idempotent(5));
}

static void replaces_existing(void)
{
	int ch, line;

	CHECK(edit("# c\nnet.netfilter.nf_conntrack_max=131072\nvm.x = 1\n", 771377, &ch, &line) > 0);
	CHECK_INT(ch, 1);
	CHECK_INT(line, 2);
	CHECK_STR(out, "# c\nnet.netfilter.nf_conntrack_max = 771377\nvm.x = 1\n");
	CHECK(idempotent(771377));
}

static void keeps_higher_and_formats(void)
{
	int ch, line;

	/* Already set higher, in another spelling: left exactly as it is. */
	CHECK(edit("net/netfilter/nf_conntrack_max\t=\t1000000\n", 771377, &ch, &line) > 0);
	CHECK_INT(ch, 0);
	CHECK_STR(out, "net/netfilter/nf_conntrack_max\t=\t1000000\n");
	/* Equal value already there in the canonical form: unchanged. */
	CHECK(edit("net.netfilter.nf_conntrack_max = 771377\n", 771377, &ch, &line) > 0);
	CHECK_INT(ch, 0);
}

static void duplicates_collapse(void)
{
	int ch, line;

	/* sysctl applies the last one (2000000): it wins, and only one line remains. */
	CHECK(edit("-net.netfilter.nf_conntrack_max = 10\nx=1\n  net.netfilter.nf_conntrack_max=2000000\ny=2\n",
		   771377, &ch, &line) > 0);
	CHECK_INT(ch, 1);
	CHECK_STR(out, "net.netfilter.nf_conntrack_max = 2000000\nx=1\ny=2\n");
	CHECK(idempotent(771377));
}

static void look_alikes_untouched(void)
{
	int ch, line;

	CHECK(edit("#net.netfilter.nf_conntrack_max = 1\nnet.netfilter.nf_conntrack_max_x = 2\n"
		   "net.netfilter.nf_conntrack_buckets = 3\n", 9, &ch, &line) > 0);
	CHECK_STR(out, "#net.netfilter.nf_conntrack_max = 1\nnet.netfilter.nf_conntrack_max_x = 2\n"
		  "net.netfilter.nf_conntrack_buckets = 3\n# raised by netrescue conntrack --fix (MemTotal KiB / 32)\n"
		  "net.netfilter.nf_conntrack_max = 9\n");
}

static void too_small(void)
{
	int ch, line;

	CHECK(conntrack_conf_edit("a\n", 2, K, 1, out, 10, &ch, &line) < 0);
}

/* Recorded from a 2-CPU 6.18 kernel, with made-up counts in the columns we sum. */
static const char stat_6x[] =
	"entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
	"0000000c  00000000 00000000 00000000 00000003 00000000 00000000 00000000 00000000 00000002 0000000a 00000001 00000000  00000000 00000000 00000000 00000000\n"
	"0000000c  00000000 00000000 00000000 00000001 00000000 00000000 00000000 00000000 00000001 000000f0 00000000 00000000  00000000 00000000 00000000 00000000\n";

static struct conntrack_report cr;

static int col(const char *name)
{
	int i;

	for (i = 0; i < cr.ncols; i++)
		if (!strcmp(cr.col[i], name))
			return (int)cr.sum[i];
	return -1;
}

static void stat_sums(void)
{
	memset(&cr, 0, sizeof cr);
	CHECK_INT(conntrack_stat_parse(stat_6x, strlen(stat_6x), &cr), 0);
	CHECK_INT(cr.ncols, 17);
	CHECK_INT(cr.ncpu, 2);
	CHECK_INT(col("entries"), 12);       /* the netns count, not summed */
	CHECK_INT(col("drop"), 0xfa);
	CHECK_INT(col("insert_failed"), 3);
	CHECK_INT(col("early_drop"), 1);
	CHECK_INT(col("invalid"), 4);
	CHECK_INT(col("search_restart"), 0);
	/* unterminated last row */
	memset(&cr, 0, sizeof cr);
	CHECK_INT(conntrack_stat_parse(stat_6x, strlen(stat_6x) - 1, &cr), 0);
	CHECK_INT(cr.ncpu, 2);
}

static void stat_malformed(void)
{
	const char *bad[] = { "", "entries drop", "entries drop\n0000 zz\n", "entries drop\n0000\n",
		"entries drop\n00000000000000001 0\n", NULL };
	int i;

	for (i = 0; bad[i]; i++) {
		memset(&cr, 0, sizeof cr);
		CHECK(conntrack_stat_parse(bad[i], strlen(bad[i]), &cr) < 0);
	}
	memset(&cr, 0, sizeof cr);
	CHECK_INT(conntrack_stat_parse("entries drop\n", 13, &cr), 0); /* no CPU rows: parsed, empty */
	CHECK_INT(cr.ncpu, 0);
}

int main(void)
{
	RUN(stat_sums);
	RUN(stat_malformed);
	RUN(appends_when_absent);
	RUN(appends_to_empty_and_unterminated);
	RUN(replaces_existing);
	RUN(keeps_higher_and_formats);
	RUN(duplicates_collapse);
	RUN(look_alikes_untouched);
	RUN(too_small);
	return T_EXIT();
}
