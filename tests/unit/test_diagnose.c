/* The diagnose report model: verdict, order of findings, checks that could not run, the JSON
 * document's shape and the text's first lines; and the bundle views of a report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose/diagnose.h"
#include "t.h"

static struct diag_report *report(void)
{
	struct diag_report *r = calloc(1, sizeof *r);
	int i;

	if (!r)
		abort();
	snprintf(r->hostname, sizeof r->hostname, "gke-node-1");
	snprintf(r->kernel, sizeof r->kernel, "6.1.0");
	snprintf(r->cni, sizeof r->cni, "kubenet");
	snprintf(r->uplink, sizeof r->uplink, "eth0");
	r->uplink_mtu = 1460;
	r->started = 1700000000;
	findings_init(&r->fs);
	for (i = 0; i < DC_N; i++)
		r->checks[i].status = DIAG_SKIPPED;
	r->checks[DC_NODE].status = DIAG_OK;
	r->checks[DC_CONNTRACK].status = DIAG_ERROR;
	snprintf(r->checks[DC_CONNTRACK].detail, sizeof r->checks[DC_CONNTRACK].detail, "conntrack: permission denied");
	r->checks[DC_KMSG].status = DIAG_OK;
	r->kmsg_records = 3;
	r->kmsg_conntrack_full = 1;
	r->nkmsg = 1;
	snprintf(r->kmsg[0].text, sizeof r->kmsg[0].text, "nf_conntrack: table full, dropping packet\x01");
	return r;
}

static char *render(const struct diag_report *r, int json)
{
	static char out[1 << 16];
	FILE *f = fmemopen(out, sizeof out, "w");
	struct jw w;

	if (json) {
		jw_init(&w, f);
		jw_begin_doc(&w, "diagnose");
		diag_json(&w, r);
		CHECK_INT(jw_end(&w), 0);
	} else {
		diag_text(f, r);
	}
	fclose(f);
	return out;
}

static void healthy_report(void)
{
	struct diag_report *r = report();
	char *s;

	s = render(r, 1);
	CHECK(strstr(s, "\"verdict\": \"ok\"") != NULL);
	CHECK(strstr(s, "\"hostname\": \"gke-node-1\"") != NULL);
	CHECK(strstr(s, "\"uplink\": \"eth0\"") != NULL);
	CHECK(strstr(s, "\"findings\": []") != NULL);
	CHECK(strstr(s, "\"conntrack\": {\"status\": \"error\", \"detail\": \"conntrack: permission denied\"") != NULL ||
	      strstr(s, "\"detail\": \"conntrack: permission denied\"") != NULL);
	/* a control byte from the kernel log is escaped, never raw */
	CHECK(strchr(s, '\x01') == NULL);
	CHECK_INT(diag_exit(r), 0);
	s = render(r, 0);
	CHECK(!strncmp(s, "node gke-node-1, kernel 6.1.0, CNI kubenet, uplink eth0 (MTU 1460), 2023-11-14T22:13:20Z\n"
		       "verdict: OK: nothing wrong found", 120));
	CHECK(strstr(s, "conntrack: permission denied") != NULL);
	free(r);
}

static void failing_report(void)
{
	struct diag_report *r = report();
	char *s, *a, *b;

	findings_add(&r->fs, "pod-mac-not-learned", SEV_WARN, "10.4.0.3", NULL, "no FDB entry");
	findings_add(&r->fs, "conntrack-table-full", SEV_FAIL, "conntrack", "netrescue conntrack --fix",
		     "the kernel log says 'table full' 1 time");
	findings_sort(&r->fs);
	s = render(r, 1);
	CHECK(strstr(s, "\"verdict\": \"fail\"") != NULL);
	a = strstr(s, "conntrack-table-full");
	b = strstr(s, "pod-mac-not-learned");
	CHECK(a && b && a < b);
	CHECK(strstr(s, "\"fix\": \"netrescue conntrack --fix\"") != NULL);
	CHECK(strstr(s, "\"fix\": null") != NULL);
	CHECK_INT(diag_exit(r), 1);
	s = render(r, 0);
	CHECK(strstr(s, "verdict: FAIL: 1 problem and 1 warning") != NULL);
	CHECK(strstr(s, "     fix: netrescue conntrack --fix") != NULL);
	free(r);
}

static void names(void)
{
	CHECK_STR(diag_check_name(DC_LINKS), "links");
	CHECK_STR(diag_check_name(DC_CAPTURE), "capture");
	CHECK_STR(diag_status_name(DIAG_PARTIAL), "partial");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	RUN(healthy_report);
	RUN(failing_report);
	RUN(names);
	return T_EXIT();
}
