/* JSON writer, escaping, tables, findings; and the parsers of what users type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"
#include "report/escape.h"
#include "report/findings.h"
#include "report/json.h"
#include "report/table.h"
#include "report/words.h"
#include "t.h"

/* Runs fn into a memory stream and returns the text (static buffer). */
static char *capture(void (*fn)(struct jw *))
{
	static char out[8192];
	FILE *f = fmemopen(out, sizeof out, "w");
	struct jw w;

	jw_init(&w, f);
	fn(&w);
	fclose(f);
	return out;
}

static void doc_odd(struct jw *w)
{
	jw_begin_doc(w, "links");
	jw_kstr(w, "name", "et\xff" "h0\n\x01\"\\");
	jw_kstr(w, "utf8", "caf\xc3\xa9");
	jw_kstr(w, "overlong", "\xc0\xaf");
	jw_kstr(w, "surrogate", "\xed\xa0\x80");
	jw_knull(w, "none");
	jw_kint(w, "neg", -5);
	jw_key(w, "list");
	jw_arr(w);
	jw_int(w, 1);
	jw_str(w, NULL);
	jw_arr_end(w);
	jw_key(w, "empty");
	jw_obj(w);
	jw_obj_end(w);
	jw_end(w);
}

static void json_escapes(void)
{
	char *s = capture(doc_odd);
	CHECK(strstr(s, "\"name\": \"et\\\\xffh0\\n\\u0001\\\"\\\\\"") != NULL);
	CHECK(strstr(s, "\"utf8\": \"caf\xc3\xa9\"") != NULL);
	CHECK(strstr(s, "\"overlong\": \"\\\\xc0\\\\xaf\"") != NULL);
	CHECK(strstr(s, "\"surrogate\": \"\\\\xed\\\\xa0\\\\x80\"") != NULL);
	CHECK(strstr(s, "\"tool\": \"netrescue\"") != NULL);
	CHECK(strstr(s, "\"command\": \"links\"") != NULL);
	CHECK(strstr(s, "\"empty\": {}") != NULL);
	CHECK(strstr(s, "\"none\": null") != NULL);
}

static void misuse(struct jw *w)
{
	jw_obj(w);
	jw_obj_end(w);
	jw_obj_end(w);
}

static void json_misuse_flagged(void)
{
	static char out[256];
	FILE *f = fmemopen(out, sizeof out, "w");
	struct jw w;

	jw_init(&w, f);
	misuse(&w);
	CHECK(w.err == 1);
	fclose(f);
}

static void escape_text(void)
{
	char b[64];
	CHECK_INT(esc_text(b, sizeof b, "a\tb", 3), 6);
	CHECK_STR(b, "a\\x09b");
	esc_text(b, sizeof b, "\xe2\x82\xac", 3);
	CHECK_STR(b, "\xe2\x82\xac");
	CHECK_INT(esc_text(b, 4, "abcdef", 6), 6);
	CHECK_STR(b, "abc");
	esc_text(b, sizeof b, "\xf4\x90\x80\x80", 4); /* > U+10FFFF */
	CHECK_STR(b, "\\xf4\\x90\\x80\\x80");
}

static void table_aligns(void)
{
	static const char *h[] = { "NAME", "STATE", "MTU" };
	static const char *r1[] = { "eth0", "UP", "1460" };
	static const char *r2[] = { "vethabcdef01", NULL, "1500" };
	char out[512];
	FILE *f = fmemopen(out, sizeof out, "w");
	struct tbl t;

	tbl_init(&t, 3, h);
	tbl_add(&t, r1);
	tbl_add(&t, r2);
	CHECK_INT(tbl_print(&t, f), 0);
	fclose(f);
	CHECK_STR(out, "NAME          STATE  MTU\neth0          UP     1460\nvethabcdef01  -      1500\n");
}

static struct findings fs;

static void findings_order_and_exit(void)
{
	findings_init(&fs);
	findings_add(&fs, "pod-mac-not-learned", SEV_WARN, "10.4.0.5", NULL, "no FDB entry");
	CHECK_INT(findings_exit(&fs), 0);
	findings_add(&fs, "bridge-down", SEV_FAIL, "cbr0", "netrescue bridge cbr0 --fix", "cbr0 is down");
	findings_sort(&fs);
	CHECK_STR(fs.f[0].id, "bridge-down");
	CHECK_INT(findings_exit(&fs), 1);
	CHECK_INT(findings_count(&fs, SEV_WARN), 1);
}

/* How a report says counts, spans and ages (issue 23: never "1 times" or "86400s"). */
static void words(void)
{
	char b[32];

	CHECK_STR(words_count(1, b, sizeof b), "once");
	CHECK_STR(words_count(2, b, sizeof b), "twice");
	CHECK_STR(words_count(3, b, sizeof b), "3 times");
	CHECK_STR(words_count(0, b, sizeof b), "0 times");
	CHECK_STR(words_span(86400, b, sizeof b), "1d");
	CHECK_STR(words_span(3 * 3600, b, sizeof b), "3h");
	CHECK_STR(words_span(45, b, sizeof b), "45s");
	CHECK_STR(words_span(5400, b, sizeof b), "1h30m");
	CHECK_STR(words_span(86400 + 7200, b, sizeof b), "1d2h");
	CHECK_STR(words_span(600, b, sizeof b), "10m");
	CHECK_STR(words_age(0, 3 * 3600 * 1000000LL + 59 * 60 * 1000000LL, b, sizeof b), "3h ago");
	CHECK_STR(words_age(0, 2 * 86400 * 1000000LL, b, sizeof b), "2d ago");
	CHECK_STR(words_age(5, 5, b, sizeof b), "just now");
	CHECK_STR(words_age(9000000, 0, b, sizeof b), "in the future");
}

/* Fix lines are commands, one a line behind "fix:"; advice, "also" and the age on their own. */
static void finding_lines(void)
{
	static char out[4096];
	struct finding *f;
	FILE *m;

	findings_init(&fs);
	f = findings_add(&fs, "mtu-mismatch", SEV_FAIL, "veth1", "ip link set dev veth1 mtu 1460\nnsenter -t 7 -n ip link set dev eth0 mtu 1460",
			 "pod default/web: MTU 1500");
	finding_advice(f, "set \"mtu\": 1460 in /etc/cni/net.d/10-bridge.conf");
	f->also[f->nalso++] = "pod-no-traffic";
	f->last_seen_us = 1000000LL;
	m = fmemopen(out, sizeof out, "w");
	finding_text(m, f, 3 * 3600 * 1000000LL + 1000000LL);
	fclose(m);
	CHECK(strstr(out, "\n     fix: ip link set dev veth1 mtu 1460\n     fix: nsenter -t 7 -n ip link set dev eth0 mtu 1460\n") != NULL);
	CHECK(strstr(out, "\n     advice: set \"mtu\": 1460 in /etc/cni/net.d/10-bridge.conf\n") != NULL);
	CHECK(strstr(out, "\n     one fault, also reported as: pod-no-traffic\n") != NULL);
	CHECK(strstr(out, "\n     last seen 3h ago (1970-01-01T00:00:01Z)\n") != NULL);
	f->fix_status = "refused";
	f->fix_reason = "read-only";
	m = fmemopen(out, sizeof out, "w");
	finding_text(m, f, 0);
	fclose(m);
	CHECK(strstr(out, "fix: ip link") == NULL);
	CHECK(strstr(out, "--fix tried this and was refused: read-only") != NULL);
}

static void parse_inputs(void)
{
	struct nr_addr a;
	unsigned port;
	unsigned long long d;
	char b[64];

	CHECK_INT(parse_ip("10.4.0.5", &a), 0);
	CHECK_STR(addr_port_str(&a, 80, b, sizeof b), "10.4.0.5:80");
	CHECK_INT(parse_ip("fd00::1", &a), 0);
	CHECK_STR(addr_port_str(&a, 443, b, sizeof b), "[fd00::1]:443");
	CHECK_INT(parse_ip("10.4.0.300", &a), -1);
	CHECK_INT(parse_ip("10.4.0.5/32", &a), -1);
	CHECK_INT(parse_ip("", &a), -1);
	CHECK_INT(parse_port("0", &port), -1);
	CHECK_INT(parse_port("65536", &port), -1);
	CHECK_INT(parse_port("abc", &port), -1);
	CHECK_INT(parse_port("8080", &port), 0);
	CHECK_INT(port, 8080);
	CHECK_INT(parse_port("-1", &port), -1);
	CHECK_INT(parse_port("80x", &port), -1);
	CHECK_INT(parse_duration("1h30m", &d), 0);
	CHECK_INT(d, 5400);
	CHECK_INT(parse_duration("10", &d), 0);
	CHECK_INT(d, 10);
	CHECK_INT(parse_duration("5x", &d), -1);
	CHECK_INT(parse_duration("m", &d), -1);
	CHECK_INT(path_under("/", "/etc/cni/net.d", b, sizeof b), 0);
	CHECK_STR(b, "/etc/cni/net.d");
	CHECK_INT(path_under("/host/", "etc/x", b, sizeof b), 0);
	CHECK_STR(b, "/host/etc/x");
	CHECK_INT(path_under("/host", "/etc/x", b, 5), -1);
}

int main(void)
{
	RUN(json_escapes);
	RUN(json_misuse_flagged);
	RUN(escape_text);
	RUN(table_aligns);
	RUN(findings_order_and_exit);
	RUN(parse_inputs);
	RUN(words);
	RUN(finding_lines);
	return T_EXIT();
}
