/* diagnose: the whole investigation, one report; optionally a bundle and its upload. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/parse.h"
#include "bundle/bundle.h"
#include "cli/cli.h"
#include "diagnose/diagnose.h"
#include "report/json.h"
#include "upload/upload.h"
#include "url/url.h"


enum { O_POD = 1, O_PORT, O_CAPTURE, O_BUNDLE, O_UPLOAD, O_FIX, O_SINCE, O_FORCE, O_HEADER,
       O_CAFILE, O_RESOLVE, O_PROXY, O_CAPDIR, O_URLFILE, O_INSECURE, O_POLICY, O_OBJECT, O_NODE,
       O_SUMMARY, O_PROBE, O_WATCH };

static const struct cli_opt opts[] = {
	{ "pod-ip", 0, CLI_ARG_REQUIRED, O_POD },
	{ "probe", 0, CLI_ARG_REQUIRED, O_PROBE },
	{ "port", 'p', CLI_ARG_REQUIRED, O_PORT },
	{ "capture", 0, CLI_ARG_REQUIRED, O_CAPTURE },
	{ "capture-dir", 0, CLI_ARG_REQUIRED, O_CAPDIR },
	{ "bundle", 0, CLI_ARG_REQUIRED, O_BUNDLE },
	{ "upload", 0, CLI_ARG_REQUIRED, O_UPLOAD },
	{ "fix", 0, CLI_ARG_NONE, O_FIX },
	{ "since", 0, CLI_ARG_REQUIRED, O_SINCE },
	{ "force", 0, CLI_ARG_NONE, O_FORCE },
	{ "header", 'H', CLI_ARG_REQUIRED, O_HEADER },
	{ "ca-file", 0, CLI_ARG_REQUIRED, O_CAFILE },
	{ "resolve", 0, CLI_ARG_REQUIRED, O_RESOLVE },
	{ "proxy", 0, CLI_ARG_REQUIRED, O_PROXY },
	{ "url-file", 0, CLI_ARG_REQUIRED, O_URLFILE },
	{ "insecure-http", 0, CLI_ARG_NONE, O_INSECURE },
	{ "post-policy", 0, CLI_ARG_REQUIRED, O_POLICY },
	{ "object", 0, CLI_ARG_REQUIRED, O_OBJECT },
	{ "node-name", 0, CLI_ARG_REQUIRED, O_NODE },
	{ "summary-only", 0, CLI_ARG_NONE, O_SUMMARY },
	{ "watch", 0, CLI_ARG_REQUIRED, O_WATCH },
	{ NULL, 0, 0, 0 },
};

/* CAPTURE_AUTO_DIRS: the candidates capture_auto_dir tries, in its order (help and report). */
#define CAPTURE_AUTO_DIRS "/var/lib/toolbox, /mnt/stateful_partition, /var/tmp, /root, /tmp"
/* CAPTURE_SECS_MAX: diagnose captures are short looks; long captures are `capture`'s job. */
#define CAPTURE_SECS_MAX 600
/* WATCH_DEFAULT: with --pod-ip, a few seconds of drop watch catch a steady fault (a retrying
 * client, a probe) without making diagnose slow; WATCH_MAX as --capture's. */
#define WATCH_DEFAULT 3
#define WATCH_MAX 600

struct args {
	struct diag_opts d;
	const char *bundle, *upload, *capdir, *url_file, *post_policy;
	struct upload_policy *pp;       /* --post-policy, read before any work */
	struct upload_post_opts po;     /* --object, --node-name */
	int summary_only;
	char url[URL_MAX];       /* the upload URL read from --url-file */
	int force;
	int watch_set;                    /* --watch given (0 turns the watch off) */
	struct upload_opts uo;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_progress(const char *what, void *arg)
{
	struct cli *c = arg;

	if (c->stderr_tty)
		fprintf(stderr, "\rnetrescue: diagnose: %-60.60s", what);
}

static int parse_opt(struct cli *c, struct args *a, int id, const char *v)
{
	unsigned long long n;

	switch (id) {
	case O_POD:
		if (a->d.npods >= DIAG_MAX_PODS)
			return cli_usage(c, "at most %d --pod-ip", DIAG_MAX_PODS);
		if (parse_ip(v, &a->d.pods[a->d.npods]) < 0)
			return cli_usage(c, "--pod-ip '%s' is not an IP address", v);
		a->d.npods++;
		return 0;
	case O_PORT:
		if (a->d.nports >= DIAG_MAX_PORTS)
			return cli_usage(c, "at most %d --port", DIAG_MAX_PORTS);
		if (parse_port(v, &a->d.ports[a->d.nports]) < 0)
			return cli_usage(c, "--port '%s' is not a port (1-65535)", v);
		a->d.nports++;
		return 0;
	case O_CAPTURE:
		if (parse_uint(v, 1, CAPTURE_SECS_MAX, &n) < 0)
			return cli_usage(c, "--capture '%s' is not a number of seconds (1-%d)", v, CAPTURE_SECS_MAX);
		a->d.capture_secs = (unsigned)n;
		return 0;
	case O_SINCE:
		if (parse_duration(v, &a->d.since_secs) < 0 || !a->d.since_secs)
			return cli_usage(c, "--since '%s' is not a duration (90s, 15m, 2h, 1d)", v);
		return 0;
	case O_WATCH:
		if (parse_uint(v, 0, WATCH_MAX, &n) < 0)
			return cli_usage(c, "--watch '%s' is not a number of seconds (0-%d)", v, WATCH_MAX);
		a->d.watch_secs = (unsigned)n;
		a->watch_set = 1;
		return 0;
	case O_CAPDIR:
		if (!*v)
			return cli_usage(c, "--capture-dir needs a directory");
		a->capdir = v;
		return 0;
	case O_PROBE: {
		char host[PROBE_HOST_MAX];
		unsigned port;
		int has;

		if (a->d.nprobes >= DIAG_MAX_PROBES)
			return cli_usage(c, "at most %d --probe", DIAG_MAX_PROBES);
		if (probe_target_parse(v, host, sizeof host, &port, &has) < 0)
			return cli_usage(c, "--probe '%s' is not TARGET[:PORT] with a port from 1 to 65535", v);
		a->d.probes[a->d.nprobes++] = v;
		return 0;
	}
	case O_BUNDLE:
		if (!*v)
			return cli_usage(c, "--bundle needs a file name");
		a->bundle = v;
		return 0;
	case O_UPLOAD: a->upload = v; return 0;
	case O_FIX: a->d.fix = 1; return 0;
	case O_FORCE: a->force = 1; return 0;
	case O_HEADER:
		if (a->uo.nheaders >= UPLOAD_MAX_HEADERS)
			return cli_usage(c, "at most %d -H", UPLOAD_MAX_HEADERS);
		a->uo.headers[a->uo.nheaders++] = v;
		return 0;
	case O_CAFILE: a->uo.ca_file = v; return 0;
	case O_RESOLVE: a->uo.resolve = v; return 0;
	case O_PROXY: a->uo.proxy = v; return 0;
	case O_URLFILE: a->url_file = v; return 0;
	case O_INSECURE: a->uo.insecure_http = 1; return 0;
	case O_POLICY: a->post_policy = v; return 0;
	case O_OBJECT: a->po.object = v; return 0;
	case O_NODE: a->po.node = v; return 0;
	case O_SUMMARY: a->summary_only = 1; return 0;
	}
	return EXIT_USAGE;
}

/* Where capture files go: beside the bundle (they are copied in, then removed), the directory
 * given, or a disk-backed one on the node; why is what the report says about the choice. */
static int capture_dir(struct cli *c, struct args *a, char *buf, size_t cap, int *tmp, char *why, size_t wcap)
{
	struct nr_err e;
	char *slash;

	*tmp = 0;
	if (a->capdir) {
		snprintf(buf, cap, "%s", a->capdir);
		snprintf(why, wcap, "given with --capture-dir");
		return 0;
	}
	if (a->bundle) {
		if (snprintf(buf, cap, "%s.capture.XXXXXX", a->bundle) >= (int)cap)
			return cli_usage(c, "--bundle path too long");
		slash = buf;
		if (!mkdtemp(slash)) {
			nr_fail(&e, NR_E_SYS, errno, "diagnose", "%s", buf);
			return cli_fail(c, &e);
		}
		*tmp = 1;
		snprintf(why, wcap, "a temporary directory beside the bundle, removed once the files are in it");
		return 0;
	}
	if (capture_auto_dir(c->host_root, buf, cap, &e) == 0 || capture_auto_dir("/", buf, cap, &e) == 0) {
		snprintf(why, wcap, "the first writable, disk-backed one of %s, %s: "
			 "files there outlive this shell (tmpfs ones are skipped: they vanish and use memory)",
			 CAPTURE_AUTO_DIRS, strcmp(c->host_root, "/") ? "under --host-root, then /" : "under /");
		return 0;
	}
	snprintf(buf, cap, "/var/tmp");
	snprintf(why, wcap, "none of %s is writable and disk-backed: trying /var/tmp", CAPTURE_AUTO_DIRS);
	return 0;
}

static void rm_capture_dir(const char *dir, const struct diag_report *r)
{
	int i, j;

	for (i = 0; i < r->npods; i++)
		for (j = 0; j < r->pods[i].cap.nfiles; j++)
			unlink(r->pods[i].cap.files[j]);
	rmdir(dir);
}

struct out {
	const char *bundle;
	unsigned long long bundle_bytes;
	int bundle_ok;
	char bundle_err[DIAG_TEXT];
	int uploaded;
	struct upload_result ur;
	char upload_err[DIAG_TEXT];
	char summary_object[UPLOAD_OBJECT_MAX]; /* the summary line's object (--summary-only) */
	char summary_err[DIAG_TEXT];
};

static void write_json(FILE *f, const struct diag_report *r, const struct out *o)
{
	struct jw w;

	jw_init(&w, f);
	jw_begin_doc(&w, "diagnose");
	diag_json(&w, r);
	if (o) {
		jw_key(&w, "bundle");
		if (!o->bundle) {
			jw_null(&w);
		} else {
			jw_obj(&w);
			jw_kstr(&w, "path", o->bundle);
			jw_kbool(&w, "written", o->bundle_ok);
			if (o->bundle_ok)
				jw_kuint(&w, "bytes", o->bundle_bytes);
			else
				jw_kstr(&w, "error", o->bundle_err);
			jw_obj_end(&w);
		}
		jw_key(&w, "upload");
		if (o->uploaded == 0) {
			jw_null(&w);
		} else {
			jw_obj(&w);
			jw_kbool(&w, "done", o->uploaded > 0);
			if (o->uploaded > 0)
				upload_json(&w, &o->ur);
			else
				jw_kstr(&w, "error", o->upload_err);
			jw_obj_end(&w);
		}
	}
	jw_end(&w);
}

/* The report rendered in memory (for the bundle). */
static int render(const struct diag_report *r, int json, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f)
		return -1;
	if (json)
		write_json(f, r, NULL);
	else
		diag_text(f, r);
	return fclose(f) == 0 ? 0 : -1;
}

/* What one diagnose run owns, allocated once by run(): the options, what the bundle and upload
 * did, and the bundle writer (it holds the compressor's window: not on the stack). */
struct state {
	struct args a;
	struct out o;
	struct bundle b;
};

static int write_bundle(struct args *a, const struct diag_report *r, struct out *o, struct bundle *bw)
{
	char *js = NULL, *tx = NULL;
	size_t jl = 0, tl = 0;
	struct nr_err e;
	struct stat st;

	o->bundle = a->bundle;
	if (render(r, 1, &js, &jl) < 0 || render(r, 0, &tx, &tl) < 0) {
		nr_fail(&e, NR_E_NOMEM, errno, "diagnose", "report");
		goto fail;
	}
	if (bundle_open(bw, a->bundle, a->force, r->started, &e) < 0)
		goto fail;
	if (bundle_add(bw, "report.json", js, jl, &e) < 0 || bundle_add(bw, "report.txt", tx, tl, &e) < 0 ||
	    diag_bundle_views(bw, r, &e) < 0 || bundle_close(bw, &e) < 0) {
		bundle_abort(bw);
		goto fail;
	}
	free(js);
	free(tx);
	o->bundle_ok = 1;
	if (stat(a->bundle, &st) == 0)
		o->bundle_bytes = (unsigned long long)st.st_size;
	return 0;
fail:
	free(js);
	free(tx);
	nr_err_text(&e, o->bundle_err, sizeof o->bundle_err);
	return -1;
}

/* To the signed URL, or as a form POST with the fleet's policy. */
static int send_file(struct args *a, const char *path, struct out *o, struct nr_err *e)
{
	if (a->pp) {
		if (!a->po.object)
			a->po.object = a->bundle ? "{node}/{time}.tgz" : "{node}/{time}.json";
		if (!a->po.when)
			a->po.when = time(NULL);
		return upload_post(path, a->pp, &a->po, &a->uo, &o->ur, e);
	}
	return upload_file(path, a->upload, &a->uo, &o->ur, e);
}

/* Without a bundle the report alone goes up, from a private temporary file. */
static int upload_report(struct args *a, const struct diag_report *r, struct out *o, struct nr_err *e)
{
	char path[] = "/tmp/netrescue-report.XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f;

	if (fd < 0)
		return nr_fail(e, NR_E_SYS, errno, "diagnose", "temporary report file");
	f = fdopen(fd, "w");
	if (!f) {
		int err = errno; /* close and unlink may change errno */

		close(fd);
		unlink(path);
		return nr_fail(e, NR_E_SYS, err, "diagnose", "temporary report file");
	}
	write_json(f, r, NULL);
	if (fclose(f) != 0) {
		int err = errno;

		unlink(path);
		return nr_fail(e, NR_E_SYS, err, "diagnose", "temporary report file");
	}
	rc = send_file(a, path, o, e);
	unlink(path);
	return rc;
}

/* With a fleet policy, the one-line summary also goes up beside the bundle (NAME.txt for
 * NAME.tgz), so that one listing of the bucket collects every node's line. A failure here is
 * a note, not a failed upload: the bundle is there. */
static void upload_summary(struct args *a, const struct diag_report *r, struct out *o)
{
	char path[] = "/tmp/netrescue-summary.XXXXXX", tpl[512];
	struct upload_post_opts po = a->po;
	struct upload_result ur;
	struct nr_err e;
	const char *t = a->po.object;
	size_t n = strlen(t);
	int fd = mkstemp(path);
	FILE *f;

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		snprintf(o->summary_err, sizeof o->summary_err, "temporary file: %s", strerror(errno));
		return;
	}
	diag_summary_line(f, r);
	fclose(f);
	if (n > 4 && !strcmp(t + n - 4, ".tgz"))
		snprintf(tpl, sizeof tpl, "%.*s.txt", (int)(n - 4), t);
	else
		snprintf(tpl, sizeof tpl, "%s.txt", t);
	po.object = tpl;
	if (upload_post(path, a->pp, &po, &a->uo, &ur, &e) == 0)
		snprintf(o->summary_object, sizeof o->summary_object, "%s", ur.object);
	else
		nr_err_text(&e, o->summary_err, sizeof o->summary_err);
	unlink(path);
}

static int do_upload(struct cli *c, struct args *a, const struct diag_report *r, struct out *o)
{
	struct nr_err e;
	int rc;

	if (c->stderr_tty)
		fprintf(stderr, "\rnetrescue: diagnose: uploading %-50s\n", a->bundle ? "the bundle" : "the report");
	if (a->bundle)
		rc = send_file(a, a->bundle, o, &e);
	else
		rc = upload_report(a, r, o, &e);
	if (rc < 0) {
		o->uploaded = -1;
		nr_err_text(&e, o->upload_err, sizeof o->upload_err);
		return -1;
	}
	o->uploaded = 1;
	if (a->summary_only && a->pp)
		upload_summary(a, r, o);
	return 0;
}

static void upload_warn(const char *msg, void *arg)
{
	cli_warn(arg, "%s", msg);
}

/* Checks made before any work: bad upload URL or missing signed headers are usage errors. */
static int precheck_upload(struct cli *c, struct args *a)
{
	struct upload_result ur;
	struct nr_err e;

	if (cli_upload_url(c, &a->upload, a->url_file, a->url, sizeof a->url))
		return EXIT_USAGE;
	if ((a->po.object || a->po.node) && !a->post_policy)
		return cli_usage(c, "--object and --node-name go with --post-policy");
	if (a->post_policy && a->upload)
		return cli_usage(c, "--upload and --post-policy both say where to: give one");
	if (a->post_policy) {
		a->uo.warn = upload_warn;
		a->uo.arg = c;
		return cli_post_policy(c, a->post_policy, &a->pp);
	}
	if (!a->upload)
		return 0;
	a->uo.warn = upload_warn;
	a->uo.arg = c;
	if (upload_check(a->upload, &a->uo, &ur, &e) < 0)
		return cli_fail(c, &e);
	return 0;
}

static int run_in(struct cli *c, struct state *s, int argc, char **argv)
{
	struct args *a = &s->a;
	struct out *o = &s->o;
	struct diag_report *r;
	struct cli_parse p;
	struct nr_err e;
	char capdir[PATH_MAX], capwhy[DIAG_TEXT];
	int id, rc, tmpdir = 0, failed = 0;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if ((rc = parse_opt(c, a, id, p.arg)) != 0)
			return rc;
	}
	if (p.npos)
		return cli_usage(c, "unexpected argument '%s' (pods are given with --pod-ip)", p.pos[0]);
	if (a->d.nprobes && !a->d.npods)
		return cli_usage(c, "--probe needs --pod-ip (the pods to probe from)");
	if (a->d.capture_secs && !a->d.npods)
		return cli_usage(c, "--capture needs --pod-ip (the pods whose interfaces to capture on)");
	if ((rc = precheck_upload(c, a)) != 0)
		return rc;
	if (a->bundle && !a->force && access(a->bundle, F_OK) == 0) {
		nr_fail(&e, NR_E_EXISTS, 0, "bundle", "%s", a->bundle);
		return cli_fail(c, &e);
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		nr_fail(&e, NR_E_NOMEM, errno, "diagnose", NULL);
		return cli_fail(c, &e);
	}
	if (a->d.capture_secs && (rc = capture_dir(c, a, capdir, sizeof capdir, &tmpdir, capwhy, sizeof capwhy)) != 0) {
		free(r);
		return rc;
	}
	/* The checks' own default window: a day covers "it broke overnight". */
	if (!a->d.since_secs)
		a->d.since_secs = CT_DEFAULT_SINCE;
	if (!a->watch_set && a->d.npods)
		a->d.watch_secs = WATCH_DEFAULT;
	a->d.host_root = c->host_root;
	a->d.capture_dir = capdir;
	a->d.capture_dir_why = capwhy;
	a->d.stop = &stop_flag;
	a->d.progress = on_progress;
	a->d.arg = c;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = diag_run(&a->d, r, &e);
	if (c->stderr_tty)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		if (tmpdir)
			rm_capture_dir(capdir, r);
		free(r);
		return cli_fail(c, &e);
	}
	if (r->caps_missing[0])
		cli_warn(c, "not running with %s: the report says what each check could not see", r->caps_missing);
	/* The report names capture files where they will be: inside the bundle when their
	 * temporary directory goes away after it. */
	r->capture_dir_tmp = tmpdir;
	if (a->bundle)
		snprintf(r->bundle, sizeof r->bundle, "%s", a->bundle);
	if (a->bundle && write_bundle(a, r, o, &s->b) < 0) {
		cli_warn(c, "%s", o->bundle_err);
		failed = 1;
		/* No bundle: the captures stay where they are and the report names them there. */
		r->bundle[0] = 0;
		if (tmpdir)
			cli_warn(c, "the capture files stay in %s", capdir);
		tmpdir = 0;
		r->capture_dir_tmp = 0;
	}
	if (tmpdir)
		rm_capture_dir(capdir, r);
	if ((a->upload || a->pp) && !failed && do_upload(c, a, r, o) < 0) {
		cli_warn(c, "upload failed: %s", o->upload_err);
		failed = 1;
	}
	if (a->summary_only && c->json) {
		struct jw w;

		cli_json_begin(c, &w, "diagnose");
		diag_summary_json(&w, r);
		jw_kstr(&w, "object", o->uploaded > 0 ? o->ur.object : NULL);
		jw_kstr(&w, "summary_object", o->summary_object[0] ? o->summary_object : NULL);
		cli_json_end(c, &w);
	} else if (a->summary_only) {
		diag_summary_line(stdout, r);
		if (o->summary_err[0])
			cli_warn(c, "the summary line was not uploaded: %s", o->summary_err);
	} else if (c->json) {
		c->doc = 1;
		write_json(stdout, r, o);
	} else {
		diag_text(stdout, r);
		if (a->bundle && o->bundle_ok)
			printf("\nbundle: %s (%llu bytes)\n", a->bundle, o->bundle_bytes);
		if (o->uploaded > 0)
			printf("uploaded: %llu bytes to %s (HTTP %d)\n", o->ur.bytes, o->ur.url, o->ur.http_status);
	}
	rc = failed ? EXIT_CANNOT : diag_exit(r);
	free(r);
	return fflush(stdout) == 0 ? rc : EXIT_CANNOT;
}

static int run(struct cli *c, int argc, char **argv)
{
	struct state *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "diagnose" });
	rc = run_in(c, s, argc, argv);
	free(s->a.pp);
	free(s);
	return rc;
}

const struct cli_cmd cmd_diagnose = {
	"diagnose",
	"diagnose [--pod-ip IP]... [--port N]... [--probe TARGET[:PORT]]... [--capture SECONDS] [--watch S] [--bundle FILE] [--upload URL] [--fix]",
	"walk the whole investigation and report findings with evidence and fixes",
	"Runs every check and prints one report: a verdict line, the findings about the asked pods\n"
	"and ports first, then those elsewhere on the node, worst first in each (each with the values\n"
	"seen, the commands that mend it, one per line, and advice; one fault is one finding; a\n"
	"kernel-log finding says when it was last seen), what --fix changed or was refused,\n"
	"what was not examined and why (skipped checks, unreadable views, what lies outside the\n"
	"node), then each check's data. The kernel-log section lists only records a check matched\n"
	"(with their age) and counts the rest, which the bundle keeps whole.\n"
	"Node facts (host, kernel, CNI, uplink), links, bridges and learned MACs, MTUs, conntrack,\n"
	"the neighbour table, the kernel log, stale listeners; for each --pod-ip its interface,\n"
	"netns, processes, containers, MTU and neighbours; for each --port who holds it.\n"
	"Nothing on the node changes unless --fix is given. A check that cannot run (no permission,\n"
	"namespace gone) is reported as such and the others still run.\n\n"
	"options:\n"
	"  --pod-ip IP         a pod to investigate (repeatable): locate it, its interfaces, MTU,\n"
	"                      neighbours; findings route-missing, link-down, pod-mac-not-learned\n"
	"  --port N, -p N      a port the pod should serve (repeatable): who holds it in the pod's\n"
	"                      netns (port-in-use) and stale listeners on it (stale-listener)\n"
	"  --probe T[:PORT]    from each --pod-ip (repeatable): a name T through the pod's own DNS\n"
	"                      (dns-* findings), TCP connects, TLS when PORT is 443 (the default),\n"
	"                      path-MTU search (tcp-*, tls-handshake-failed, pmtu-blackhole)\n"
	"  --capture SECONDS   capture that long on each --pod-ip's host interface, filtered by the\n"
	"                      pod IP and the --port list (1-600; needs --pod-ip); 0 packets while\n"
	"                      the node dropped packets aimed at the pod in the same window gives\n"
	"                      pod-no-traffic (fail)\n"
	"  --capture-dir DIR   where capture files go without --bundle (default: the first\n"
	"                      writable, disk-backed one of\n"
	"                      " CAPTURE_AUTO_DIRS "\n"
	"                      under --host-root, then under /; the report prints which and why).\n"
	"                      With --bundle they go into it as capture/NAME.pcap and the report\n"
	"                      names them BUNDLE:capture/NAME.pcap\n"
	"  --watch SECONDS     a window that long (0-600; default 3 with --pod-ip, else 0 = off)\n"
	"                      over which diagnose watches the kernel's packet drops (reasons,\n"
	"                      locations, the asked pods' flows and drop counters, as `netrescue\n"
	"                      drops`; findings drops-netfilter, drops-no-socket,\n"
	"                      drops-listen-overflow, drops-rp-filter, drops-neigh, drops-mtu,\n"
	"                      drops-other), compares rule counters (a DROP/REJECT rule the pod's\n"
	"                      traffic can meet whose counters rose gives policy-drop) and recounts\n"
	"                      each pod's zombies (a pod gaining 10 or more during the window is\n"
	"                      zombies-accumulating). With --capture all share one window (the\n"
	"                      longer of the two)\n"
	"  --since DURATION    kernel-log window (90s, 15m, 2h, 1d); default 1d\n"
	"  --bundle FILE       also write a gzip tar: report.json, report.txt, views/ (links,\n"
	"                      routes, neighbours, FDB, bridges, conntrack, kernel log, processes,\n"
	"                      sockets per netns) and capture/*.pcap; never overwrites without --force\n"
	"  --force             replace an existing --bundle file (symlinks are never followed)\n"
	"  --upload URL        send the bundle (or, without --bundle, report.json) to a signed URL\n"
	"                      (GCS, S3, Azure) as `netrescue upload` does; signatures are never shown\n"
	"  --url-file F        the --upload URL from file F ('-': stdin), never on the command line\n"
	"  --post-policy P     upload with a fleet's POST policy instead (see 'help upload'); the\n"
	"                      object is --object (default {node}/{time}.tgz), --node-name N for {node}\n"
	"  --summary-only      print one line: node, verdict, counts, the worst finding (fleets:\n"
	"                      kubectl logs -n kube-system -l app.kubernetes.io/name=netrescue -c diagnose | sort -k2)\n"
	"  -H 'K: V'           a header the signed URL requires (repeatable), as for upload\n"
	"  --ca-file F, --resolve HOST:PORT:ADDR, --proxy URL, --insecure-http   as for upload\n"
	"  --fix               apply every safe fix found (set a down pod bridge up, raise\n"
	"                      nf_conntrack_max) and report each change and each refusal with its\n"
	"                      reason under \"changes (--fix)\"; never kills anything\n\n"
	"exit: 0 no fail finding, 1 a fail finding, 2 usage error, 3 nothing could be checked or\n"
	"the bundle/upload asked for could not be made.\n\n"
	"examples:\n"
	"  netrescue diagnose --pod-ip 10.4.0.5 --port 8080\n"
	"  netrescue diagnose --pod-ip 10.4.0.5 --port 8080 --capture 30 --bundle /var/lib/toolbox/nr.tgz \\\n"
	"      --upload 'https://storage.googleapis.com/b/nr.tgz?X-Goog-Signature=...'\n"
	"  netrescue --json diagnose --since 1h --fix\n",
	run,
};
