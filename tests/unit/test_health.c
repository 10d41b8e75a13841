/* The health check's parsers: kernel-log OOM records (recorded from this kernel, v1 and v2
 * memcg paths, cgroupfs and systemd naming, older and cut records), runtime crash lines
 * (segfault recorded from this kernel, general protection, OOM kill of the runtime), shim
 * command lines, /proc/PID/stat, and the age wording. */
#include <string.h>

#include "checks/health.h"
#include "t.h"

/* Recorded from this 6.18 kernel's log during tests/integration/health.sh (v1 memcg). */
static const char rec_v1[] = "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
	"oom_memcg=/kubepods/burstable/poddb5532c2-170b-4196-9d1a-9e688a6d639f/"
	"3aacd2579620e8c36b4b46cf156869e71330740462e73dcc147e255f2991307b,"
	"task_memcg=/kubepods/burstable/poddb5532c2-170b-4196-9d1a-9e688a6d639f/"
	"3aacd2579620e8c36b4b46cf156869e71330740462e73dcc147e255f2991307b,task=python3,pid=568,uid=0";
/* The systemd-driver form of the same record (GKE's naming), written by hand. */
static const char rec_systemd[] = "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-abc.scope,"
	"mems_allowed=0,oom_memcg=/kubepods.slice/kubepods-burstable.slice/"
	"kubepods-burstable-pod0b6c7a51_8f1e_4d51_9a53_0c1e4f2d9a10.slice,task_memcg=/kubepods.slice/"
	"kubepods-burstable.slice/kubepods-burstable-pod0b6c7a51_8f1e_4d51_9a53_0c1e4f2d9a10.slice/"
	"cri-containerd-4f0a3c2b1d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a.scope,task=java,pid=4242,uid=1000";

static void oom_v1(void)
{
	struct health_oom o;

	CHECK_INT(health_parse_oom(rec_v1, strlen(rec_v1), &o), 1);
	CHECK_STR(o.pod_uid, "db5532c2-170b-4196-9d1a-9e688a6d639f");
	CHECK_STR(o.container_id, "3aacd2579620e8c36b4b46cf156869e71330740462e73dcc147e255f2991307b");
	CHECK_STR(o.comm, "python3");
	CHECK_INT(o.pid, 568);
}

static void oom_systemd(void)
{
	struct health_oom o;

	CHECK_INT(health_parse_oom(rec_systemd, strlen(rec_systemd), &o), 1);
	CHECK_STR(o.pod_uid, "0b6c7a51-8f1e-4d51-9a53-0c1e4f2d9a10");
	CHECK_STR(o.comm, "java");
	CHECK_INT(o.pid, 4242);
}

static void oom_not_a_pod_or_not_oom(void)
{
	static const char host[] = "oom-kill:constraint=CONSTRAINT_NONE,task_memcg=/system.slice/foo.service,task=foo,pid=9,uid=0";
	static const char other[] = "Out of memory: Killed process 9 (foo) total-vm:1kB";
	struct health_oom o;
	size_t n;

	CHECK_INT(health_parse_oom(host, strlen(host), &o), 1);
	CHECK_STR(o.pod_uid, "");
	CHECK_INT(health_parse_oom(other, strlen(other), &o), 0);
	/* Every cut of a record: no crash, pod only when the path is whole. */
	for (n = 0; n <= strlen(rec_v1); n++)
		(void)health_parse_oom(rec_v1, n, &o);
}

static void stat_start(void)
{
	static const char st[] = "1234 (a) b) c) Z 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10\n";
	unsigned long long start = 0;
	char state = 0;

	CHECK_INT(health_parse_stat(st, strlen(st), &start, &state), 0);
	CHECK_INT(state, 'Z');
	CHECK_INT(start, 987654);
	CHECK_INT(health_parse_stat("1 (x) S 0", 9, &start, &state), -1);
	CHECK_INT(health_parse_stat("no paren", 8, &start, &state), -1);
}

/* Recorded from this 6.18 kernel: a python3 renamed "containerd" reading address 0. */
static const char segv[] = "containerd[2445]: segfault at 0 ip 00007fcfdb185ad8 sp 00007ffd3d8c9298 error 4 "
	"in libc.so.6[167ad8,7fcfdb044000+156000] likely on CPU 1 (core 1, socket 0)";

static void crash_lines(void)
{
	static const char gp[] = "traps: dockerd[811] general protection fault ip:55d0c0 sp:7ffc0 error:0 in dockerd[400000+2000000]";
	static const char trap[] = "traps: crio[77] trap invalid opcode ip:4a1b2c sp:c000 error:0 in crio[400000+1000]";
	static const char shim[] = "containerd-shim[4242]: segfault at 8 ip 0000000000467e2a sp 000000c0000a1e88 error 4 in containerd-shim-runc-v2[400000+5a5000]";
	static const char oom[] = "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
		"task_memcg=/system.slice/containerd.service,task=containerd,pid=900,uid=0";
	static const char other[] = "python3[12]: segfault at 0 ip 00007f sp 00007f error 4 in libc.so.6";
	static const char spaced[] = "my containerd[12]: segfault at 0 ip 0 sp 0 error 4";
	static const char nopid[] = "containerd[x1]: segfault at 0 ip 0 sp 0 error 4";
	struct health_crash c;
	size_t n;

	CHECK_INT(health_parse_crash(segv, strlen(segv), &c), 1);
	CHECK_STR(c.comm, "containerd");
	CHECK_INT(c.pid, 2445);
	CHECK_STR(c.what, "segfault");
	CHECK_INT(health_parse_crash(gp, strlen(gp), &c), 1);
	CHECK_STR(c.comm, "dockerd");
	CHECK_INT(c.pid, 811);
	CHECK_STR(c.what, "general protection");
	CHECK_INT(health_parse_crash(trap, strlen(trap), &c), 1);
	CHECK_STR(c.what, "trap");
	CHECK_INT(health_parse_crash(shim, strlen(shim), &c), 1);
	CHECK_STR(c.comm, "containerd-shim");
	CHECK_INT(health_parse_crash(oom, strlen(oom), &c), 1);
	CHECK_STR(c.comm, "containerd");
	CHECK_INT(c.pid, 900);
	CHECK_STR(c.what, "oom-kill");
	/* Another program's crash, a comm that only contains a runtime's name, no pid: not one. */
	CHECK_INT(health_parse_crash(other, strlen(other), &c), 0);
	CHECK_INT(health_parse_crash(spaced, strlen(spaced), &c), 0);
	CHECK_INT(health_parse_crash(nopid, strlen(nopid), &c), 0);
	CHECK_INT(health_parse_crash(rec_v1, strlen(rec_v1), &c), 0);
	for (n = 0; n <= strlen(segv); n++)
		(void)health_parse_crash(segv, n, &c);
}

static void shim_cmdlines(void)
{
	static const char v2[] = "/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id "
		"9c1f3e8a2b7d4c6e5f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60 -address /run/containerd/containerd.sock";
	static const char conmon[] = "/usr/bin/conmon -b /run/containers/x -c 4f0a3c2b1d9e -n k8s_app_web -r /usr/bin/runc";
	char id[SHIM_ID_MAX], ns[SHIM_NS_MAX];

	shim_parse_args(v2, strlen(v2), id, sizeof id, ns, sizeof ns);
	CHECK_STR(id, "9c1f3e8a2b7d4c6e5f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60");
	CHECK_STR(ns, "k8s.io");
	shim_parse_args(conmon, strlen(conmon), id, sizeof id, ns, sizeof ns);
	CHECK_STR(id, "4f0a3c2b1d9e");
	CHECK_STR(ns, "");
	shim_parse_args("-id", 3, id, sizeof id, ns, sizeof ns);
	CHECK_STR(id, "");
	/* comm is cut at 15 bytes: the shim and Docker's old daemon share "docker-containe". */
	CHECK_INT(shim_is("containerd-shim", NULL), 1);
	CHECK_INT(shim_is("conmon", NULL), 1);
	CHECK_INT(shim_is("containerd", NULL), 0);
	CHECK_INT(shim_is("docker-containe", "docker-containerd-shim 1a2b /var/run/docker"), 1);
	CHECK_INT(shim_is("docker-containe", "docker-containerd --config /var/run/docker"), 0);
	CHECK_INT(shim_is("docker-containe", NULL), 0);
}

int main(void)
{
	RUN(oom_v1);
	RUN(oom_systemd);
	RUN(oom_not_a_pod_or_not_oom);
	RUN(stat_start);
	RUN(crash_lines);
	RUN(shim_cmdlines);
	return T_EXIT();
}
