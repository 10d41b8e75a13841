/* The kernel-log record parsers, on records recorded from /dev/kmsg and klogctl of real
 * kernels (4.19 without caller ids, 6.x with them) and on malformed ones. */
#include <stdio.h>
#include <string.h>

#include "kmsg/kmsg.h"
#include "t.h"

static struct kmsg_rec r;

static int parse(const char *s)
{
	return kmsg_parse(s, strlen(s), 1000000000000000LL, &r);
}

static void plain_record(void)
{
	CHECK_INT(parse("6,1829,988496363,-;nrE7test hello\n"), 0);
	CHECK_INT(r.seq, 1829);
	CHECK_INT(r.mono_us, 988496363);
	CHECK_INT(r.wall_us, 1000000000000000LL + 988496363);
	CHECK_INT(r.level, 6);
	CHECK_INT(r.facility, 0);
	CHECK_INT(r.cont, 0);
	CHECK_STR(r.text, "nrE7test hello");
	CHECK_INT(r.text_len, 14);
	CHECK_INT(r.dict_len, 0);
}

static void user_facility_and_caller(void)
{
	/* what `echo '<4>x' > /dev/kmsg` gives: facility user (1<<3 | 4) */
	CHECK_INT(parse("12,5,1,-,caller=T812;nf_conntrack: table full, dropping packet\n"), 0);
	CHECK_INT(r.level, 4);
	CHECK_INT(r.facility, 1);
	CHECK_STR(r.text, "nf_conntrack: table full, dropping packet");
}

static void continuation_lines(void)
{
	CHECK_INT(parse("6,339,5140900,-;NET: Registered protocol family 10\n SUBSYSTEM=net\n DEVICE=+net:eth0\n"), 0);
	CHECK_STR(r.text, "NET: Registered protocol family 10");
	CHECK_STR(r.dict, "SUBSYSTEM=net\nDEVICE=+net:eth0\n");
	CHECK_INT(parse("4,2,3,c;frag"), 0);
	CHECK_INT(r.cont, 1);
	CHECK_STR(r.text, "frag");
}

static void escapes(void)
{
	CHECK_INT(parse("3,7,8,-;tab\\x09x \\xff \\x5c end \\x4 \\xZZ\n"), 0);
	CHECK_INT(r.text_len, 22);
	CHECK(memcmp(r.text, "tab\tx \xff \\ end \\x4 \\xZZ", 22) == 0);
}

static void malformed(void)
{
	const char *bad[] = { "", ";", "6;x", "6,1;x", "x,1,2,-;t", "6,1,2-;t", "6,,2,-;t", "6,1,,-;t",
		"99999999999999999999999,1,2,-;t", "6,1,2,-;t\nno-space\n", "6,1,2,;t", NULL };
	int i;

	for (i = 0; bad[i]; i++)
		if (parse(bad[i]) == 0) {
			printf("# accepted: '%s'\n", bad[i]);
			CHECK(!"malformed record accepted");
		}
}

static void long_text_is_cut(void)
{
	static char buf[KMSG_READ_MAX];
	size_t n;

	n = (size_t)snprintf(buf, sizeof buf, "6,1,2,-;");
	memset(buf + n, 'a', sizeof buf - n);
	CHECK_INT(kmsg_parse(buf, sizeof buf, 0, &r), 0);
	CHECK_INT(r.text_len, KMSG_TEXT_MAX - 1);
	CHECK_INT(strlen(r.text), KMSG_TEXT_MAX - 1);
}

static void syslog_lines(void)
{
	const char *l = "<4>[  988.496363] nf_conntrack: table full, dropping packet";
	CHECK_INT(kmsg_parse_syslog(l, strlen(l), 0, &r), 0);
	CHECK_INT(r.level, 4);
	CHECK_INT(r.mono_us, 988496363);
	CHECK_INT(r.has_time, 1);
	CHECK_STR(r.text, "nf_conntrack: table full, dropping packet");
	l = "<6>no time here";
	CHECK_INT(kmsg_parse_syslog(l, strlen(l), 0, &r), 0);
	CHECK_INT(r.has_time, 0);
	CHECK_STR(r.text, "no time here");
	l = "<6>[    0.5] short fraction";
	CHECK_INT(kmsg_parse_syslog(l, strlen(l), 0, &r), 0);
	CHECK_INT(r.mono_us, 500000);
	CHECK(kmsg_parse_syslog("6>x", 3, 0, &r) < 0);
	CHECK(kmsg_parse_syslog("<6", 2, 0, &r) < 0);
	CHECK(kmsg_parse_syslog("<6>[ 1.2x] t", 12, 0, &r) < 0);
}

static void names_and_time(void)
{
	char t[32];

	CHECK_STR(kmsg_level_name(0), "emerg");
	CHECK_STR(kmsg_level_name(4), "warning");
	CHECK_STR(kmsg_level_name(8), "?");
	CHECK_STR(kmsg_facility_name(1), "user");
	CHECK_STR(kmsg_facility_name(200), "?");
	CHECK_STR(kmsg_time_str(1795612375000000LL, t, sizeof t), "2026-11-25T13:12:55Z");
}

/* Fed one byte at a time, every prefix must parse or be refused, never crash. */
static void every_prefix(void)
{
	const char *s = "6,339,5140900,-,caller=T1;NET: x\\x41\n SUBSYSTEM=net\n DEVICE=+net:eth0\n";
	size_t i;

	for (i = 0; i <= strlen(s); i++)
		kmsg_parse(s, i, 0, &r);
	CHECK_INT(kmsg_parse(s, strlen(s), 0, &r), 0);
	CHECK_STR(r.text, "NET: xA");
}

int main(void)
{
	RUN(plain_record);
	RUN(user_facility_and_caller);
	RUN(continuation_lines);
	RUN(escapes);
	RUN(malformed);
	RUN(long_text_is_cut);
	RUN(syslog_lines);
	RUN(names_and_time);
	RUN(every_prefix);
	return T_EXIT();
}
