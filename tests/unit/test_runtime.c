/* The runtime's documents and its Docker client: names looked up where they belong (not the
 * first "key" in the text), \u escapes decoded, State.Running read from State, and the Engine
 * API over a unix socket framed by http/ (Content-Length, chunked, until close), from recorded
 * answers served by a child process on a socket under a private --host-root. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "http/http.h"
#include "runtime/private.h"
#include "runtime/runtime.h"

#define CID "8f2c0a1b3d4e5f60718293a4b5c6d7e8f9011223344556677889900aabbccdd"

/* A Docker Engine answer to GET /containers/ID/json (cut to the parts that matter, in the
 * order dockerd writes them): an Env value and a log-driver option hold the label's key text
 * before the real Config.Labels, and a label value uses \u escapes. */
static const char inspect[] =
	"{\"Id\":\"" CID "\",\"Created\":\"2026-12-01T10:00:00Z\",\"Path\":\"/pause\",\"Args\":[],"
	"\"State\":{\"Status\":\"running\",\"Running\":true,\"Paused\":false,\"Pid\":4242},"
	"\"HostConfig\":{\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"io.kubernetes.pod.name\":\"decoy\"}}},"
	"\"Config\":{\"Hostname\":\"web\",\"Env\":[\"NOTE=\\\"io.kubernetes.pod.uid\\\": \\\"evil\\\"\"],"
	"\"Labels\":{\"io.kubernetes.container.name\":\"web\",\"io.kubernetes.pod.name\":\"caf\\u00e9-7d4b9\","
	"\"io.kubernetes.pod.namespace\":\"shop\",\"io.kubernetes.pod.uid\":\"0b7d6e2a-1111-2222-3333-444455556666\"}}}";

static void names_where_they_belong(void)
{
	struct rt_container c;

	memset(&c, 0, sizeof c);
	strcpy(c.id, "keep");
	CHECK_INT(rt_names_from_json(inspect, strlen(inspect), &c), 0);
	CHECK_STR(c.id, "keep");
	CHECK_STR(c.pod_name, "caf\xc3\xa9-7d4b9");
	CHECK_STR(c.pod_uid, "0b7d6e2a-1111-2222-3333-444455556666");
	CHECK_STR(c.pod_namespace, "shop");
	CHECK_STR(c.name, "web");
	CHECK_STR(c.type, "container");
}

static void oci_annotations(void)
{
	static const char oci[] =
		"{\"ociVersion\":\"1.1.0\",\"process\":{\"env\":[\"io.kubernetes.cri.sandbox-name=x\"]},"
		"\"linux\":{\"seccomp\":{\"syscalls\":[{\"names\":[\"accept\",\"bind\"],\"action\":\"SCMP_ACT_ALLOW\"}]}},"
		"\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\","
		"\"io.kubernetes.cri.sandbox-name\":\"coredns-5d78c\",\"io.kubernetes.cri.sandbox-namespace\":\"kube-system\","
		"\"io.kubernetes.cri.sandbox-uid\":\"\\u0061bc\"}}";
	struct rt_container c;

	memset(&c, 0, sizeof c);
	CHECK_INT(rt_names_from_json(oci, strlen(oci), &c), 0);
	CHECK_STR(c.type, "sandbox");
	CHECK_STR(c.pod_name, "coredns-5d78c");
	CHECK_STR(c.pod_namespace, "kube-system");
	CHECK_STR(c.pod_uid, "abc");
	CHECK_STR(c.name, "");
	/* Keys anywhere but annotations/Config.Labels are not names; not JSON is nothing. */
	CHECK_INT(rt_names_from_json("{\"x\":{\"io.kubernetes.pod.name\":\"n\"}}", 34, &c), -1);
	CHECK_STR(c.pod_name, "");
	CHECK_INT(rt_names_from_json("io.kubernetes.pod.name", 22, &c), -1);
	CHECK_INT(rt_names_from_json(inspect, 200, &c), -1); /* cut: not a document */
}

static void running_from_state(void)
{
	static const char stopped[] = "{\"Config\":{\"Labels\":{\"Running\":\"true\"}},\"Running\":true,"
				      "\"State\":{\"Status\":\"exited\",\"Running\":false}}";
	struct jt_tok tok[64];

	CHECK_INT(rt_doc_running(stopped, strlen(stopped), tok, 64), 0);
	CHECK_INT(rt_doc_running("{\"State\":{\"Running\":true}}", 26, tok, 64), 1);
	CHECK_INT(rt_doc_running("{\"State\":{\"Running\":\"true\"}}", 28, tok, 64), 0);
	CHECK_INT(rt_doc_running("{\"State\":{\"Running\":tru", 23, tok, 64), 0);
}

/* The body of a chunked answer, fed 1 byte at a time into a separate sink, and in place. */
static void sink(void)
{
	static const char ans[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				  "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n3\r\n12}\r\n0\r\n\r\n";
	static struct http_resp r;
	char out[16], buf[sizeof ans];
	struct nr_err e;
	size_t i;

	http_resp_init(&r, 0);
	http_resp_sink(&r, out, sizeof out);
	for (i = 0; i + 1 < sizeof ans; i++)
		CHECK_INT(http_resp_feed(&r, ans + i, 1, &e), 1);
	CHECK_INT(r.state, HTTP_DONE);
	CHECK_INT(r.sink_len, 8);
	CHECK(!memcmp(out, "{\"a\":12}", 8));
	memcpy(buf, ans, sizeof ans);
	http_resp_init(&r, 0);
	http_resp_sink(&r, buf, 4);
	CHECK(http_resp_feed(&r, buf, sizeof ans - 1, &e) > 0);
	CHECK(r.sink_over);
	CHECK(!memcmp(buf, "{\"a\"", 4));
}

/* --- a recorded dockerd on a unix socket ------------------------------------------------------ */
static char root[64];

static void mkdirs(const char *rel)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "mkdir -p '%s%s'", root, rel);
	CHECK(system(cmd) == 0);
}

/* One answer per connection by the request's path; HTTP/1.0 close ends each. */
static void serve(int ls, int n)
{
	char req[1024], ans[8192];
	int i, fd, len;
	ssize_t got;

	for (i = 0; i < n; i++) {
		if ((fd = accept(ls, NULL, NULL)) < 0)
			_exit(1);
		got = read(fd, req, sizeof req - 1);
		req[got > 0 ? got : 0] = 0;
		if (strstr(req, "GET /_ping "))
			len = snprintf(ans, sizeof ans, "HTTP/1.1 200 OK\r\nApi-Version: 1.43\r\nContent-Length: 2\r\n\r\nOK");
		else if (strstr(req, "GET /containers/" CID "/json "))
			/* chunked, split inside the document */
			len = snprintf(ans, sizeof ans, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				       "Transfer-Encoding: chunked\r\n\r\n%zx\r\n%.*s\r\n%zx\r\n%s\r\n0\r\n\r\n",
				       (size_t)100, 100, inspect, strlen(inspect) - 100, inspect + 100);
		else
			/* dockerd's 404, until close (HTTP/1.0 asked) */
			len = snprintf(ans, sizeof ans, "HTTP/1.0 404 Not Found\r\nContent-Type: application/json\r\n\r\n"
				       "{\"message\":\"No such container: x\"}\n");
		if (write(fd, ans, (size_t)len) != len)
			_exit(1);
		close(fd);
	}
	_exit(0);
}

static void docker_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rt_container c;
	char src[128], cmd[128];
	struct rt rt;
	pid_t pid;
	int ls, st;

	snprintf(root, sizeof root, "/tmp/nrunit-rt.%d", getpid());
	mkdirs("/var/run");
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/var/run/docker.sock", root);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(ls, 8) == 0);
	pid = fork();
	if (pid == 0)
		serve(ls, 4);
	close(ls);
	rt_open(&rt, root);                                       /* 1: /_ping */
	CHECK_STR(rt_sources(&rt, src, sizeof src), "docker-api");
	CHECK_INT(rt_container_running(&rt, CID), 1);             /* 2 */
	memset(&c, 0, sizeof c);
	CHECK_INT(rt_container_info(&rt, CID, &c), 0);            /* 3 */
	CHECK_STR(c.pod_name, "caf\xc3\xa9-7d4b9");
	CHECK_STR(c.pod_uid, "0b7d6e2a-1111-2222-3333-444455556666");
	CHECK_INT(rt_container_running(&rt, "00ff"), 0);          /* 4: 404 */
	rt_close(&rt);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(names_where_they_belong);
	RUN(oci_annotations);
	RUN(running_from_state);
	RUN(sink);
	RUN(docker_socket);
	return T_EXIT();
}
