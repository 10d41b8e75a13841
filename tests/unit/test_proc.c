/* proc, runtime, sockets: cgroup parsing and /proc/net parsing on recorded texts, the walker on
 * ourselves, runtime knowledge from a fake node tree, the owner index. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/proc.h"
#include "proc/psview.h"
#include "runtime/runtime.h"
#include "sockets/sockets.h"
#include "t.h"

#define UID "3f6c1e2a-0d4b-4c1e-9a52-6d0c1f2e3a4b"
#define UIDU "3f6c1e2a_0d4b_4c1e_9a52_6d0c1f2e3a4b"
#define CID "4aa07bfacee53a596efc6f7f63499ecf57cf4fc1b9c84fa46c7cd7f4d09407f9"

struct cg_case {
	const char *text;
	int ret;
	const char *uid, *cid;
};

static const struct cg_case cg_cases[] = {
	/* cgroup v2, cgroupfs driver (GKE COS with containerd) */
	{ "0::/kubepods/burstable/pod" UID "/" CID "\n", 1, UID, CID },
	/* guaranteed QoS has no QoS level */
	{ "0::/kubepods/pod" UID "/" CID "\n", 1, UID, CID },
	/* v1 hybrid: controllers first, unified line last */
	{ "12:memory:/kubepods/besteffort/pod" UID "/" CID "\n11:cpu,cpuacct:/kubepods/besteffort/pod" UID "/" CID
	  "\n1:name=systemd:/\n0::/\n", 1, UID, CID },
	/* systemd driver, containerd */
	{ "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU ".slice/cri-containerd-" CID ".scope\n",
	  1, UID, CID },
	/* systemd driver, guaranteed */
	{ "0::/kubepods.slice/kubepods-pod" UIDU ".slice/cri-containerd-" CID ".scope\n", 1, UID, CID },
	/* systemd driver, Docker (dockershim) and CRI-O */
	{ "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UIDU ".slice/docker-" CID ".scope\n",
	  1, UID, CID },
	{ "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UIDU ".slice/crio-" CID ".scope\n",
	  1, UID, CID },
	/* CRI-O's conmon is not the container */
	{ "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UIDU ".slice/crio-conmon-" CID ".scope\n",
	  1, UID, "" },
	/* static pod: 32-hex config hash as UID */
	{ "0::/kubepods/burstable/pod0123456789abcdef0123456789abcdef/" CID "\n", 1,
	  "0123456789abcdef0123456789abcdef", CID },
	/* a process in the pod cgroup itself (no container) */
	{ "0::/kubepods/burstable/pod" UID "\n", 1, UID, "" },
	/* plain Docker, cgroupfs and systemd */
	{ "0::/docker/" CID "\n", 1, "", CID },
	{ "0::/system.slice/docker-" CID ".scope\n", 1, "", CID },
	/* host processes */
	{ "0::/system.slice/kubelet.service\n", 0, "", "" },
	{ "0::/\n", 0, "", "" },
	/* no trailing newline */
	{ "0::/kubepods/pod" UID "/" CID, 1, UID, CID },
	/* malformed */
	{ "", -1, "", "" },
	{ "garbage without colons\n", -1, "", "" },
	{ "0:/no/second/colon\n", -1, "", "" },
	/* near misses: short UID, non-hex container */
	{ "0::/kubepods/pod1234/" CID "x\n", 0, "", "" },
};

static void cgroup_cases(void)
{
	struct proc_cgroup cg;
	size_t i;

	for (i = 0; i < sizeof cg_cases / sizeof cg_cases[0]; i++) {
		const struct cg_case *c = &cg_cases[i];
		int r = proc_parse_cgroup(c->text, strlen(c->text), &cg);

		if (r != c->ret || strcmp(cg.pod_uid, c->uid) || strcmp(cg.container_id, c->cid))
			printf("# case %zu: ret %d uid '%s' cid '%s'\n", i, r, cg.pod_uid, cg.container_id);
		CHECK_INT(r, c->ret);
		CHECK_STR(cg.pod_uid, c->uid);
		CHECK_STR(cg.container_id, c->cid);
	}
}

static void cgroup_path_fallback(void)
{
	struct proc_cgroup cg;
	const char *t = "4:memory:/process_api/25b5\n1:cpu:/\n0::/system.slice/ssh.service\n";

	CHECK_INT(proc_parse_cgroup(t, strlen(t), &cg), 0);
	CHECK_STR(cg.path, "/system.slice/ssh.service");
	CHECK_INT(proc_parse_cgroup_path("/kubepods/pod" UID, strlen("/kubepods/pod" UID), &cg), 1);
	CHECK_STR(cg.pod_uid, UID);
}

/* Every prefix of every case, in an exactly-sized heap copy: ASan catches any overread. */
static void cgroup_truncated(void)
{
	struct proc_cgroup cg;
	size_t i, n;

	for (i = 0; i < sizeof cg_cases / sizeof cg_cases[0]; i++)
		for (n = 0; n <= strlen(cg_cases[i].text); n++) {
			char *b = malloc(n ? n : 1);
			memcpy(b, cg_cases[i].text, n);
			CHECK(proc_parse_cgroup(b, n, &cg) >= -1);
			free(b);
		}
}

/* --- /proc/net ------------------------------------------------------------------------------ */
static const char tcp4[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n"
	"   1: 0100007F:D2F0 0100007F:1F90 01 00000000:00000000 02:000A7D5A 00000000  1000        0 23456 2 0000000000000000 20 4 30 10 -1\n"
	"   2: 0200040A:0050 0500040A:C350 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n"
	"   3: garbage line\n";
static const char tcp6[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 34567 1 0000000000000000 100 0 0 10 0\n"
	"   1: 00000000000000000000000001000000:1F91 00000000000000000000000001000000:A000 01 00000000:00000000 00:00000000 00000000     0        0 34568 1 0000000000000000 20 4 30 10 -1\n";
static const char udp4[] =
	"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	"  123: 00000000:1B58 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 45678 2 0000000000000000 0\n";

struct got {
	int n;
	struct sock_entry e[8];
};

static int keep(const struct sock_entry *s, void *arg)
{
	struct got *g = arg;

	if (g->n < 8)
		g->e[g->n++] = *s;
	return 1;
}

static void procnet_tcp4(void)
{
	struct got g = { 0 };
	char a[64];

	CHECK_INT(sock_parse_proc_net(tcp4, strlen(tcp4), AF_INET, IPPROTO_TCP, keep, &g), 3);
	CHECK_STR(addr_port_str(&g.e[0].local, g.e[0].lport, a, sizeof a), "0.0.0.0:8080");
	CHECK_STR(sock_state_name(&g.e[0]), "LISTEN");
	CHECK(sock_is_listener(&g.e[0]));
	CHECK_INT(g.e[0].inode, 12345);
	CHECK_STR(addr_port_str(&g.e[1].local, g.e[1].lport, a, sizeof a), "127.0.0.1:54000");
	CHECK_STR(addr_port_str(&g.e[1].remote, g.e[1].rport, a, sizeof a), "127.0.0.1:8080");
	CHECK_STR(sock_state_name(&g.e[1]), "ESTAB");
	CHECK_INT(g.e[1].uid, 1000);
	CHECK(!sock_is_listener(&g.e[1]));
	CHECK_STR(addr_port_str(&g.e[2].local, g.e[2].lport, a, sizeof a), "10.4.0.2:80");
	CHECK_STR(sock_state_name(&g.e[2]), "TIME-WAIT");
	CHECK_INT(g.e[2].inode, 0);
}

static void procnet_tcp6_udp(void)
{
	struct got g = { 0 };
	char a[64];

	CHECK_INT(sock_parse_proc_net(tcp6, strlen(tcp6), AF_INET6, IPPROTO_TCP, keep, &g), 2);
	CHECK_STR(addr_port_str(&g.e[0].local, g.e[0].lport, a, sizeof a), "[::]:8081");
	CHECK_STR(addr_port_str(&g.e[1].local, g.e[1].lport, a, sizeof a), "[::1]:8081");
	CHECK_STR(sock_proto_name(&g.e[1], 1), "tcp6");
	g.n = 0;
	CHECK_INT(sock_parse_proc_net(udp4, strlen(udp4), AF_INET, IPPROTO_UDP, keep, &g), 1);
	CHECK_STR(addr_port_str(&g.e[0].local, g.e[0].lport, a, sizeof a), "0.0.0.0:7000");
	CHECK_STR(sock_state_name(&g.e[0]), "UNCONN");
	CHECK(sock_is_listener(&g.e[0]));
}

static void procnet_truncated(void)
{
	struct got g;
	size_t n;
	int r;

	for (n = 0; n <= strlen(tcp6); n++) {
		char *b = malloc(n ? n : 1);
		memcpy(b, tcp6, n);
		g.n = 0;
		r = sock_parse_proc_net(b, n, AF_INET6, IPPROTO_TCP, keep, &g);
		CHECK(r >= 0 && r <= 2);
		free(b);
	}
}

/* --- the walker on ourselves --------------------------------------------------------------- */
struct find {
	int pid, seen;
	struct proc_info p;
};

static int find_me(const struct proc_info *p, void *arg)
{
	struct find *f = arg;

	if (p->pid != f->pid)
		return 1;
	f->p = *p;
	f->seen = 1;
	return 0;
}

static void walk_self_odd_name(void)
{
	struct find f;
	struct nr_err e;
	struct proc_info p;

	memset(&f, 0, sizeof f);
	f.pid = getpid();

	/* A comm with ')' and spaces and a control byte: stat's "(comm)" must be split right. */
	prctl(PR_SET_NAME, "a) b (\x01x", 0, 0, 0);
	CHECK_INT(proc_walk(find_me, &f, &e), 0);
	CHECK(f.seen);
	CHECK_STR(f.p.comm, "a) b (\x01x");
	CHECK_INT(f.p.ppid, getppid());
	CHECK(f.p.state == 'R');
	CHECK(f.p.netns != 0);
	CHECK(strstr(f.p.args, "test_proc") != NULL);
	CHECK_INT(proc_read(getpid(), PROC_F_NETNS, &p, &e), 0);
	CHECK(p.netns == f.p.netns && p.netns == proc_netns_of(getpid()));
	CHECK_INT(proc_read(0x3ffffe, 0, &p, &e), -1);
	CHECK_INT(e.code, NR_E_PROC_NOPID);
}

/* --- owners ---------------------------------------------------------------------------------- */
static void owners_index(void)
{
	struct sock_owner buf[4];
	struct sock_owners o;
	int pids[4], fd = socket(AF_INET, SOCK_STREAM, 0);
	struct stat st;
	struct sock_owner big[256];

	sock_owners_init(&o, buf, 4);
	buf[0] = (struct sock_owner){ 9, 30 };
	buf[1] = (struct sock_owner){ 5, 20 };
	buf[2] = (struct sock_owner){ 9, 10 };
	buf[3] = (struct sock_owner){ 9, 10 };
	o.n = 4;
	sock_owners_sort(&o);
	CHECK_INT(sock_owners_find(&o, 9, pids, 4), 2);
	CHECK_INT(pids[0], 10);
	CHECK_INT(pids[1], 30);
	CHECK_INT(sock_owners_find(&o, 5, pids, 4), 1);
	CHECK_INT(sock_owners_find(&o, 7, pids, 4), 0);
	CHECK_INT(sock_owners_find(&o, 0, pids, 4), 0);
	/* our own socket is found through /proc/self/fd */
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	sock_owners_init(&o, big, 256);
	sock_owners_add_pid(&o, getpid());
	sock_owners_sort(&o);
	CHECK_INT(sock_owners_find(&o, (unsigned long long)st.st_ino, pids, 4), 1);
	CHECK_INT(pids[0], getpid());
	close(fd);
}

/* --- runtime knowledge from a fake node ------------------------------------------------------ */
static char root[64];

static void put(const char *rel, const char *text)
{
	char p[512], cmd[600];
	FILE *f;

	snprintf(p, sizeof p, "%s%s", root, rel);
	snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", p);
	CHECK(system(cmd) == 0);
	if (!text)
		return;
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void runtime_fake_node(void)
{
	struct rt rt;
	struct rt_container c;
	struct rt_pod pod;
	char why[192], src[128], cmd[128];

	snprintf(root, sizeof root, "/tmp/nrunit.%d", getpid());
	/* nothing at all: unknown, never stale */
	put("/x", NULL);
	rt_open(&rt, root);
	CHECK(!rt_have_runtime(&rt));
	CHECK_STR(rt_sources(&rt, src, sizeof src), "none");
	CHECK_INT(rt_stale(&rt, UID, CID, why, sizeof why), -1);
	CHECK_INT(rt_container_running(&rt, CID), -1);

	put("/run/containerd/io.containerd.runtime.v2.task/k8s.io/" CID "/config.json",
	    "{\"ociVersion\":\"1.1.0\",\"annotations\": {\"io.kubernetes.cri.container-type\":\"container\","
	    "\"io.kubernetes.cri.container-name\":\"web\",\"io.kubernetes.cri.sandbox-name\":\"web-7d4b9\","
	    "\"io.kubernetes.cri.sandbox-namespace\":\"shop\",\"io.kubernetes.cri.sandbox-uid\":\"" UID "\"}}");
	put("/var/lib/kubelet/pods/" UID "/volumes/", NULL);
	put("/var/log/pods/shop_web-7d4b9_" UID "/web/", NULL);
	rt_close(&rt);
	rt_open(&rt, root);
	CHECK(rt_have_runtime(&rt));
	CHECK_STR(rt_sources(&rt, src, sizeof src), "containerd,kubelet,pod-logs");
	CHECK_INT(rt_container_running(&rt, CID), 1);
	CHECK_INT(rt_container_running(&rt, "0000"), 0);
	CHECK_INT(rt_container_running(&rt, "../../etc"), 0);
	CHECK_INT(rt_pod_known(&rt, UID), 1);
	CHECK_INT(rt_stale(&rt, UID, CID, why, sizeof why), 0);
	CHECK_INT(rt_stale(&rt, UID, "1111111111111111111111111111111111111111111111111111111111111111", why, sizeof why), 1);
	CHECK(strstr(why, "not a running container") != NULL);
	CHECK_INT(rt_stale(&rt, "00000000-0000-0000-0000-000000000000", "", why, sizeof why), 1);
	CHECK(strstr(why, "unknown to the kubelet") != NULL);
	CHECK_INT(rt_stale(&rt, "", "", why, sizeof why), 0);
	CHECK_INT(rt_container_info(&rt, CID, &c), 0);
	CHECK_STR(c.name, "web");
	CHECK_STR(c.pod_name, "web-7d4b9");
	CHECK_STR(c.pod_namespace, "shop");
	CHECK_STR(c.pod_uid, UID);
	CHECK_STR(c.type, "container");
	CHECK_INT(rt_pod_by_uid(&rt, UID, &pod), 0);
	CHECK_STR(pod.name, "web-7d4b9");
	CHECK_STR(pod.namespace_, "shop");
	rt_close(&rt);
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	CHECK(system(cmd) == 0);
}

/* Docker without its socket (var/lib/docker/containers) and CRI-O (overlay-containers). */
static void runtime_docker_dir_crio(void)
{
	struct rt rt;
	struct rt_container c;
	char why[192], src[128], cmd[128];
	const char *other = "1111111111111111111111111111111111111111111111111111111111111111";

	snprintf(root, sizeof root, "/tmp/nrunit.%d", getpid());
	put("/var/lib/docker/containers/" CID "/config.v2.json",
	    "{\"State\":{\"Running\":true,\"Paused\":false},\"Config\":{\"Labels\":{\"io.kubernetes.pod.name\":\"d\"}}}");
	put("/var/lib/docker/containers/2222222222222222222222222222222222222222222222222222222222222222/config.v2.json",
	    "{\"State\":{\"Running\":false}}");
	rt_open(&rt, root);
	CHECK_STR(rt_sources(&rt, src, sizeof src), "docker-dir");
	CHECK_INT(rt_container_running(&rt, CID), 1);
	CHECK_INT(rt_container_running(&rt, "2222222222222222222222222222222222222222222222222222222222222222"), 0);
	CHECK_INT(rt_container_running(&rt, other), 0);
	CHECK_INT(rt_container_info(&rt, CID, &c), 0);
	CHECK_STR(c.pod_name, "d");
	/* no kubelet dir: the pod cannot be judged, the container can */
	CHECK_INT(rt_stale(&rt, UID, CID, why, sizeof why), 0);
	CHECK_INT(rt_stale(&rt, UID, other, why, sizeof why), 1);
	put("/run/containers/storage/overlay-containers/" "3333333333333333333333333333333333333333333333333333333333333333/userdata/config.json", "{}");
	rt_close(&rt);
	rt_open(&rt, root);
	CHECK_STR(rt_sources(&rt, src, sizeof src), "docker-dir,cri-o");
	CHECK_INT(rt_container_running(&rt, "3333333333333333333333333333333333333333333333333333333333333333"), 1);
	rt_close(&rt);
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	CHECK(system(cmd) == 0);
}

static void runtime_json_names(void)
{
	static const char docker[] = "{\"Id\":\"ab\",\"State\":{\"Running\":true},\"Config\":{\"Labels\":{"
		"\"io.kubernetes.pod.name\": \"dk\", \"io.kubernetes.pod.namespace\":\"ns1\","
		"\"io.kubernetes.container.name\":\"POD\"}}}";
	struct rt_container c;

	memset(&c, 0, sizeof c);
	strcpy(c.id, "ab");
	CHECK_INT(rt_names_from_json(docker, strlen(docker), &c), 0);
	CHECK_STR(c.id, "ab");
	CHECK_STR(c.pod_name, "dk");
	CHECK_STR(c.pod_namespace, "ns1");
	CHECK_STR(c.type, "sandbox"); /* dockershim names the sandbox container POD */
	/* cut in the middle of a value: what is there is taken, nothing read beyond len */
	CHECK_INT(rt_names_from_json(docker, 40, &c), -1);
	CHECK_INT(rt_names_from_json("{\"io.kubernetes.pod.name\":", 26, &c), -1);
}

static void resolve_pod(void)
{
	char uid[PROC_UID_MAX], cmd[128];
	struct nr_err e;

	snprintf(root, sizeof root, "/tmp/nrunit.%d", getpid());
	put("/var/log/pods/shop_web-7d4b9_" UID "/web/", NULL);
	put("/var/log/pods/shop_cart-5c6f_00000000-0000-0000-0000-0000000000aa/cart/", NULL);
	put("/var/lib/kubelet/pods/" UID "/", NULL);
	CHECK_INT(ps_resolve_pod(root, "shop/web-7d4b9", uid, sizeof uid, &e), 0);
	CHECK_STR(uid, UID);
	CHECK_INT(ps_resolve_pod(root, "web-7d4b9", uid, sizeof uid, &e), 0);
	CHECK_INT(ps_resolve_pod(root, UID, uid, sizeof uid, &e), 0);
	CHECK_INT(ps_resolve_pod(root, "shop/web-7d4b8", uid, sizeof uid, &e), -1);
	CHECK_INT(e.code, NR_E_PROC_NOPOD);
	CHECK(strstr(e.ctx, "closest: shop/web-7d4b9") != NULL);
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	CHECK(system(cmd) == 0);
}

static void tree_order(void)
{
	static const int pp[][2] = { { 7, 5 }, { 1, 0 }, { 5, 1 }, { 9, 42 }, { 3, 1 }, { 8, 3 } };
	static const int want[][2] = { { 1, 0 }, { 3, 1 }, { 8, 2 }, { 5, 1 }, { 7, 2 }, { 9, 0 } };
	struct ps_list l;
	size_t i;

	memset(&l, 0, sizeof l);
	l.n = l.cap = 6;
	l.v = calloc(6, sizeof *l.v);
	for (i = 0; i < 6; i++) {
		l.v[i].p.pid = pp[i][0];
		l.v[i].p.ppid = pp[i][1];
		l.v[i].meta = -1;
	}
	ps_tree(&l);
	CHECK(l.tree);
	for (i = 0; i < 6; i++) {
		CHECK_INT(l.v[i].p.pid, want[i][0]);
		CHECK_INT(l.v[i].depth, want[i][1]);
	}
	ps_free(&l);
}

int main(void)
{
	RUN(cgroup_cases);
	RUN(cgroup_path_fallback);
	RUN(cgroup_truncated);
	RUN(procnet_tcp4);
	RUN(procnet_tcp6_udp);
	RUN(procnet_truncated);
	RUN(walk_self_odd_name);
	RUN(owners_index);
	RUN(runtime_fake_node);
	RUN(runtime_docker_dir_crio);
	RUN(runtime_json_names);
	RUN(resolve_pod);
	RUN(tree_order);
	return T_EXIT();
}
