/* The diagnose report model: verdict, order of findings, checks that could not run, the JSON
 * document's shape and the text's first lines; and the bundle views of a report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose/diagnose.h"
#include "diagnose/private.h"
#include "kmsg/match.h"
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
	r->kmsg[0].kind = kmsg_match(r->kmsg[0].text, strlen(r->kmsg[0].text));
	r->kmsg[0].count = 1;
	r->kmsg[0].wall_us = r->kmsg[0].first_us = (r->started - 3 * 3600) * 1000000LL;
	r->kmsg_matched = 1;
	r->kmsg_unmatched = 2;
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

/* The kernel-log section: matched lines with their check and age, the rest only counted; the
 * not-examined list and an OK verdict that points at it; one --fix section with a refusal. */
static void sections(void)
{
	struct diag_report *r = report();
	char *s;

	s = render(r, 0);
	CHECK(strstr(s, "  3h ago       conntrack   nf_conntrack: table full, dropping packet\\x01\n") != NULL);
	CHECK(strstr(s, "2 other records in the window") != NULL);
	CHECK(strstr(s, "use `netrescue kmsg`") != NULL);
	snprintf(r->bundle, sizeof r->bundle, "/tmp/b.tgz");
	s = render(r, 0);
	CHECK(strstr(s, "in the bundle's views/kmsg.txt") != NULL);
	s = render(r, 1);
	CHECK(strstr(s, "\"match\": \"conntrack-table-full\"") != NULL);
	CHECK(strstr(s, "\"age_seconds\": 10800") != NULL);
	CHECK(strstr(s, "\"unmatched\": 2") != NULL);
	r->nnotex = 1;
	snprintf(r->notex[0].what, sizeof r->notex[0].what, "netfilter rules");
	snprintf(r->notex[0].why, sizeof r->notex[0].why, "not looked at: no --pod-ip given");
	s = render(r, 0);
	CHECK(strstr(s, "verdict: OK: nothing wrong found in what was examined (1 things were not") != NULL);
	CHECK(strstr(s, "\nnot examined (no finding above speaks for these):\n  - netfilter rules: not looked at: no --pod-ip given\n") != NULL);
	s = render(r, 1);
	CHECK(strstr(s, "\"not_examined\"") != NULL);
	CHECK(strstr(s, "\"what\": \"netfilter rules\"") != NULL);
	CHECK(strstr(s, "\"why\": \"not looked at: no --pod-ip given\"") != NULL);
	r->fix = 1;
	r->nchanges = 1;
	r->fixrec[0].refused = 1;
	r->fixrec[0].finding = "conntrack-table-full";
	snprintf(r->fixrec[0].what, sizeof r->fixrec[0].what, "raise nf_conntrack_max to 771367 (conntrack --fix)");
	snprintf(r->fixrec[0].why, sizeof r->fixrec[0].why, "read-only");
	findings_add(&r->fs, "conntrack-table-full", SEV_FAIL, "conntrack", "netrescue conntrack --fix", "full");
	diag_relevance(r, NULL);
	s = render(r, 0);
	CHECK(strstr(s, "\nchanges (--fix):\n  refused  raise nf_conntrack_max to 771367 (conntrack --fix) [for conntrack-table-full]: read-only\n") != NULL);
	CHECK(strstr(s, "fix: netrescue conntrack --fix") == NULL);
	CHECK(strstr(s, "none") == NULL || strstr(s, "  none:") == NULL);
	s = render(r, 1);
	CHECK(strstr(s, "\"fix\": \"netrescue conntrack --fix\"") != NULL);
	CHECK(strstr(s, "\"result\": \"refused\"") != NULL);
	CHECK(strstr(s, "\"fix_status\": \"refused\",") != NULL);
	CHECK(strstr(s, "\"fix_reason\": \"read-only\"") != NULL);
	free(r);
}

/* Asked first, then worst first; a stale holder is one finding; an old kernel-log record that
 * nothing confirms is a warning that says why. */
static void relevance(void)
{
	struct diag_report *r = report();
	struct finding *f;
	char *s, *a, *b;

	r->npods = 1;
	r->pods[0].status = DIAG_OK;
	r->pods[0].ip.family = 2; /* AF_INET */
	memcpy(r->pods[0].ip.a, "\x0a\x04\x00\x05", 4);
	snprintf(r->pods[0].loc.host_if, sizeof r->pods[0].loc.host_if, "veth5");
	r->nports = 1;
	r->ports[0] = 8080;
	r->ct.count.ok = r->ct.max.ok = r->ct.drop.ok = r->ct.insert_failed.ok = 1;
	r->ct.max.v = 262144;
	f = findings_add(&r->fs, "conntrack-table-full", SEV_FAIL, "conntrack", "netrescue conntrack --fix", "kernel log: table full");
	f->last_seen_us = (r->started - 3 * 3600) * 1000000LL;
	findings_add(&r->fs, "mtu-mismatch", SEV_FAIL, "veth9", "ip link set dev veth9 mtu 1460", "other pod");
	f = findings_add(&r->fs, "stale-listener", SEV_FAIL, "port 8080", "netrescue port 8080 --kill", "pid 47 (socat) listens");
	finding_cause(f, "pid 47");
	findings_add(&r->fs, "pod-mac-not-learned", SEV_WARN, "10.4.0.5", NULL, "no FDB entry");
	findings_add(&r->fs, "pod-mac-not-learned", SEV_WARN, "10.4.0.50", NULL, "another pod");
	f = findings_add(&r->fs, "port-in-use", SEV_FAIL, "port 8080", "netrescue port 8080 --kill", "held by pid 47");
	finding_cause(f, "pid 47");
	diag_relevance(r, NULL);
	CHECK_INT(r->fs.n, 5);
	CHECK_STR(r->fs.f[0].id, "stale-listener");
	CHECK_INT(r->fs.f[0].scope, FS_ASKED);
	CHECK_INT(r->fs.f[0].nalso, 1);
	CHECK_STR(r->fs.f[0].also[0], "port-in-use");
	CHECK_STR(r->fs.f[1].id, "pod-mac-not-learned");
	CHECK_STR(r->fs.f[1].subject, "10.4.0.5");
	CHECK_STR(r->fs.f[2].id, "mtu-mismatch");
	CHECK_INT(r->fs.f[2].scope, FS_NODE);
	CHECK_STR(r->fs.f[3].id, "conntrack-table-full");
	CHECK_INT(r->fs.f[3].sev, SEV_WARN);
	CHECK(strstr(r->fs.f[3].message, "a warning, not a failure: last seen 3h ago and no conntrack drop") != NULL);
	CHECK_STR(r->fs.f[4].subject, "10.4.0.50");
	s = render(r, 0);
	a = strstr(s, "findings about what was asked (--pod-ip, --port), worst first:\nFAIL stale-listener  port 8080");
	b = strstr(s, "findings elsewhere on the node, worst first:\nFAIL mtu-mismatch  veth9");
	CHECK(a && b && a < b);
	CHECK(strstr(s, "     one fault, also reported as: port-in-use\n") != NULL);
	CHECK(strstr(s, "FAIL port-in-use") == NULL);
	CHECK(strstr(s, "     last seen 3h ago (") != NULL);
	s = render(r, 1);
	CHECK(strstr(s, "\"scope\": \"asked\"") != NULL);
	CHECK(strstr(s, "\"also\": [") != NULL && strstr(s, "\"port-in-use\"") != NULL);
	CHECK(strstr(s, "\"last_seen\": \"2023-11-14T19:13:20Z\"") != NULL);
	/* A drop counted now confirms the old record: it stays a failure. */
	findings_init(&r->fs);
	r->ct.drop.v = 3;
	f = findings_add(&r->fs, "conntrack-table-full", SEV_FAIL, "conntrack", NULL, "kernel log: table full");
	f->last_seen_us = (r->started - 3 * 3600) * 1000000LL;
	diag_relevance(r, NULL);
	CHECK_INT(r->fs.f[0].sev, SEV_FAIL);
	/* A bridge down is why its pod got no traffic and has no route: one finding. */
	findings_init(&r->fs);
	snprintf(r->pods[0].loc.bridge, sizeof r->pods[0].loc.bridge, "cbr0");
	findings_add(&r->fs, "pod-no-traffic", SEV_FAIL, "pod 10.4.0.5", NULL, "0 packets");
	findings_add(&r->fs, "pod-no-traffic", SEV_FAIL, "pod 10.4.0.50", NULL, "another pod");
	f = findings_add(&r->fs, "bridge-down", SEV_FAIL, "cbr0", "netrescue bridge cbr0 --fix", "bridge cbr0 is down");
	finding_cause(f, "link cbr0");
	findings_add(&r->fs, "tcp-timeout", SEV_FAIL, "pod 10.4.0.5 -> web:80", NULL, "no answer");
	diag_relevance(r, NULL);
	CHECK_INT(r->fs.n, 2);
	CHECK_STR(r->fs.f[0].id, "bridge-down");
	CHECK_INT(r->fs.f[0].scope, FS_ASKED);
	CHECK_INT(r->fs.f[0].nalso, 2);
	CHECK_STR(r->fs.f[0].also[0], "pod-no-traffic");
	CHECK_STR(r->fs.f[0].also[1], "tcp-timeout");
	CHECK_STR(r->fs.f[1].subject, "pod 10.4.0.50");
	r->pods[0].loc.bridge[0] = 0;
	/* The MTU advice names the CNI config file this node uses. */
	findings_init(&r->fs);
	snprintf(r->cni, sizeof r->cni, "calico");
	snprintf(r->cni_why, sizeof r->cni_why, "/etc/cni/net.d/10-calico.conflist");
	f = findings_add(&r->fs, "mtu-mismatch", SEV_FAIL, "cali1", "ip link set dev cali1 mtu 1410", "pod");
	finding_advice(f, "set \"mtu\": 1410 in the CNI config under /etc/cni/net.d");
	diag_relevance(r, NULL);
	CHECK(strstr(r->fs.f[0].advice, "set \"mtu\": 1410 in /etc/cni/net.d/10-calico.conflist (the CNI config") != NULL);
	snprintf(r->cni, sizeof r->cni, "kubenet");
	finding_advice(&r->fs.f[0], "set \"mtu\": 1410 in the CNI config under /etc/cni/net.d");
	diag_relevance(r, NULL);
	CHECK(strstr(r->fs.f[0].advice, "--network-plugin-mtu=1410") != NULL);
	/* A pod named only by UID is named namespace/name (the kubelet's pod log directory); the
	 * UID stays in pod_uid. */
	{
		static const char uid[] = "0b3f7a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
		char root[] = "/tmp/nrdiagXXXXXX", dir[256];
		struct rt rt;

		CHECK(mkdtemp(root) != NULL);
		snprintf(dir, sizeof dir, "mkdir -p %s/var/log/pods/shop_cart_%s", root, uid);
		CHECK_INT(system(dir), 0);
		rt_open(&rt, root);
		findings_init(&r->fs);
		snprintf(dir, sizeof dir, "pod %s", uid);
		findings_add(&r->fs, "oom-killed", SEV_WARN, dir, NULL, "process 9 of pod %s was killed", uid);
		diag_relevance(r, &rt);
		rt_close(&rt);
		CHECK_STR(r->fs.f[0].subject, "pod shop/cart");
		CHECK_STR(r->fs.f[0].message, "process 9 of pod shop/cart was killed");
		CHECK_STR(r->fs.f[0].pod_uid, uid);
		snprintf(dir, sizeof dir, "rm -rf %s", root);
		CHECK_INT(system(dir), 0);
	}
	/* Nothing asked: one plain list. */
	r->npods = r->nports = 0;
	s = render(r, 0);
	CHECK(strstr(s, "\nfindings, worst first:\n") != NULL);
	CHECK(!diag_has_word("pod 10.4.0.50", "10.4.0.5"));
	CHECK(diag_has_word("pod 10.4.0.5 -> x", "10.4.0.5"));
	free(r);
}

static void kmsg_kinds(void)
{
	char b[32];

	CHECK(kmsg_match("nf_conntrack: table full, dropping packet", 41) != NULL);
	CHECK_STR(kmsg_match("neighbour: arp_cache: neighbor table overflow!", 46)->check, "neighbours");
	CHECK_STR(kmsg_match("containerd[812]: segfault at 0 ip 0000 sp 0000 error 4", 55)->kind, "runtime-crash");
	CHECK(kmsg_match("myapp[812]: segfault at 0 ip 0000 sp 0000 error 4", 50) == NULL);
	CHECK(kmsg_match("RIP: 0010:some_register_dump+0x12/0x40", 38) == NULL);
	CHECK(kmsg_match("usb 1-1: new high-speed USB device", 34) == NULL);
	CHECK_STR(kmsg_match("Memory cgroup out of memory: Killed process 9 (java)", 52)->kind, "oom-kill");
	CHECK_STR(kmsg_span_str(86400, b, sizeof b), "1d");
	CHECK_STR(kmsg_span_str(90, b, sizeof b), "1m30s");
	CHECK_STR(kmsg_span_str(7200, b, sizeof b), "2h");
	CHECK_STR(kmsg_age_str(0, 3 * 3600 * 1000000LL + 5, b, sizeof b), "3h ago");
	CHECK_STR(kmsg_age_str(10, 10, b, sizeof b), "just now");
	CHECK_STR(kmsg_age_str(5000000, 0, b, sizeof b), "in the future");
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
	RUN(sections);
	RUN(kmsg_kinds);
	RUN(failing_report);
	RUN(names);
	RUN(relevance);
	return T_EXIT();
}
