/* The health check's parsers: kernel-log OOM records (recorded from this kernel, v1 and v2
 * memcg paths, cgroupfs and systemd naming, older and cut records) and /proc/PID/stat. */
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

int main(void)
{
	RUN(oom_v1);
	RUN(oom_systemd);
	RUN(oom_not_a_pod_or_not_oom);
	RUN(stat_start);
	return T_EXIT();
}
