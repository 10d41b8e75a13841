/* kmsg: the kernel log (what `dmesg -T` shows), read in-process from /dev/kmsg. */
#include <stdio.h>
#include <string.h>

#include "base/parse.h"
#include "cli/cli.h"
#include "kmsg/kmsg.h"
#include "report/escape.h"
#include "report/json.h"

struct out {
	struct cli *c;
	struct jw w;
	int started;
	const struct kmsg_info *info;
	unsigned long long since;
	unsigned long long shown;
};

/* The JSON document opens at the first record (or after the walk), so a log we cannot open
 * gives one error line and exit 3 instead of half a document. */
static void start(struct out *o)
{
	if (o->started || !o->c->json)
		return;
	o->started = 1;
	cli_json_begin(o->c, &o->w, "kmsg");
	jw_kstr(&o->w, "source", o->info->source);
	if (o->since)
		jw_kuint(&o->w, "since_seconds", o->since);
	else
		jw_knull(&o->w, "since_seconds");
	jw_key(&o->w, "records");
	jw_arr(&o->w);
}

static void rec_dict_json(struct jw *w, const struct kmsg_rec *r)
{
	const char *p = r->dict, *end = r->dict + r->dict_len, *nl, *eq;
	char key[64];

	jw_key(w, "fields");
	jw_obj(w);
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (!eq)
			continue;

		snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
		jw_key(w, key);
		jw_strn(w, eq + 1, (size_t)(nl - eq - 1));
	}
	jw_obj_end(w);
}

static int print_rec(const struct kmsg_rec *r, void *arg)
{
	struct out *o = arg;
	char t[32], txt[KMSG_TEXT_MAX * 4];

	o->shown++;
	if (o->c->json) {
		start(o);
		jw_obj(&o->w);
		jw_kuint(&o->w, "seq", r->seq);
		if (r->has_time) {
			jw_kstr(&o->w, "time", kmsg_time_str(r->wall_us, t, sizeof t));
			jw_kuint(&o->w, "monotonic_us", r->mono_us);
		} else {
			jw_knull(&o->w, "time");
			jw_knull(&o->w, "monotonic_us");
		}
		jw_kstr(&o->w, "priority", kmsg_level_name(r->level));
		jw_kint(&o->w, "level", r->level);
		jw_kstr(&o->w, "facility", kmsg_facility_name(r->facility));
		jw_key(&o->w, "text");
		jw_strn(&o->w, r->text, r->text_len);
		if (r->dict_len)
			rec_dict_json(&o->w, r);
		jw_obj_end(&o->w);
		return 1;
	}
	esc_text(txt, sizeof txt, r->text, r->text_len);
	if (r->has_time)
		printf("[%s] %s\n", kmsg_time_str(r->wall_us, t, sizeof t), txt);
	else
		printf("[-] %s\n", txt);
	return 1;
}

static int run(struct cli *c, int argc, char **argv)
{
	enum { O_GREP = 1, O_SINCE, O_ICASE, O_LEVEL };
	static const struct cli_opt opts[] = {
		{ "grep", 0, CLI_ARG_REQUIRED, O_GREP },
		{ "since", 0, CLI_ARG_REQUIRED, O_SINCE },
		{ "ignore-case", 'i', CLI_ARG_NONE, O_ICASE },
		{ "level", 'l', CLI_ARG_REQUIRED, O_LEVEL },
		{ 0, 0, 0, 0 },
	};
	struct kmsg_filter f = { .max_level = 7 };
	struct kmsg_info info;
	struct cli_parse p;
	struct nr_err e;
	struct out o;
	int id, rc;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if (id == O_GREP)
			f.grep = p.arg;
		else if (id == O_ICASE)
			f.icase = 1;
		else if (id == O_LEVEL) {
			if ((f.max_level = kmsg_level_parse(p.arg)) < 0)
				return cli_usage(c, "bad --level '%s' (emerg, alert, crit, err, warning, notice, info, debug or 0-7)", p.arg);
		}
		else if (parse_duration(p.arg, &f.since_secs) < 0 || !f.since_secs)
			return cli_usage(c, "bad --since '%s' (a duration: 90s, 15m, 2h, 1d, 1h30m)", p.arg);
	}
	if (cli_no_pos(&p, " (use --grep TEXT)"))
		return EXIT_USAGE;
	memset(&o, 0, sizeof o);
	o.c = c;
	o.info = &info;
	o.since = f.since_secs;
	nr_err_clear(&e);
	rc = kmsg_walk(&f, print_rec, &o, &info, &e);
	if (rc < 0 && !o.started)
		return cli_fail(c, &e);
	/* Reported first, so that the document's "error" says why the list stops there. */
	if (rc < 0)
		rc = cli_fail(c, &e);
	if (c->json) {
		start(&o);
		jw_arr_end(&o.w);
		jw_kuint(&o.w, "lost", info.lost);
		jw_kuint(&o.w, "matched", o.shown);
		if (cli_json_end(c, &o.w))
			return EXIT_CANNOT;
	} else if (info.lost) {
		cli_warn(c, "%llu records were overwritten while reading", info.lost);
	}
	return rc;
}

const struct cli_cmd cmd_kmsg = {
	"kmsg", "kmsg [--grep TEXT] [-i] [--since DURATION] [--level LEVEL]",
	"kernel log records (dmesg) with wall-clock times",
	"Reads the kernel ring buffer from its oldest record (/dev/kmsg, without blocking; klogctl\n"
	"when /dev/kmsg is missing) and prints each record as '[TIME] text', TIME in UTC computed\n"
	"from the kernel's monotonic timestamp, like `dmesg -T`. Needs root when\n"
	"kernel.dmesg_restrict is set (the default on GKE nodes).\n\n"
	"options:\n"
	"  --grep TEXT         only records whose text contains TEXT (case-sensitive)\n"
	"  -i, --ignore-case   --grep ignores ASCII case\n"
	"  --since DURATION    only records of the last DURATION: 90s, 15m, 2h, 1d, 1h30m\n"
	"                      (default: the whole buffer)\n"
	"  -l, --level LEVEL   only records of LEVEL or more severe: emerg, alert, crit, err,\n"
	"                      warning (warn), notice, info, debug, or 0-7 (default: all)\n\n"
	"--json: records[] with seq, time, monotonic_us, priority, level, facility, text (and\n"
	"fields{} from the record's SUBSYSTEM=/DEVICE= lines), plus lost and matched.\n\n"
	"examples:\n"
	"  netrescue kmsg --grep 'nf_conntrack: table full' --since 1h\n"
	"  netrescue --json kmsg --since 15m\n"
	"  netrescue kmsg --level warning --since 1d\n",
	run,
};
