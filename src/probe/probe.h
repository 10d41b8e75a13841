/* Probes from inside a pod: TCP connects (time, refused or unanswered), a TLS handshake
 * (version, suite, the server's certificate, where it stopped), an HTTP request (status line,
 * time to first byte, whether the whole reply arrived) and a path-MTU search with DF probes
 * that tells "the path says fragmentation needed at N" from "packets above N vanish" (the
 * black hole). Every socket is made inside the pod's network namespace (netns_socket), so
 * the pod's routes, policies and conntrack apply; the calling thread stays in the node's.
 * Findings: tcp-refused, tcp-timeout, tls-handshake-failed, http-incomplete, pmtu-blackhole. */
#ifndef NR_PROBE_PROBE_H
#define NR_PROBE_PROBE_H
#include <stdio.h>

#include "base/err.h"
#include "base/parse.h"
#include "report/findings.h"
#include "report/json.h"
#include "tls/tls.h"

/* PROBE_COUNT_MAX: TCP attempts per probe; a probe is a look, never a flood. */
#define PROBE_COUNT_MAX 20
/* PROBE_HOST_MAX: a DNS name (253) with room. */
#define PROBE_HOST_MAX 256
/* PROBE_HTTP_MAX: reply bytes read at most; enough to see a large response arrive. */
#define PROBE_HTTP_MAX (4u << 20)

struct probe_opts {
	struct nr_addr addr;           /* where to connect */
	char host[PROBE_HOST_MAX];     /* the target as given (name or IP) */
	unsigned port;
	int count;                     /* TCP attempts (1..PROBE_COUNT_MAX) */
	unsigned timeout_ms;           /* per step */
	int tls;
	const char *sni;               /* NULL: the host when it is a name, none for an IP */
	int insecure;
	const struct tls_anchors *anchors;
	const char *http_path;         /* NULL: no HTTP request */
	int mtu;
	const char *pod_if;            /* the pod's interface (its MTU), may be "" */
	const char *subject;           /* "pod 10.4.0.5" */
};

struct probe_tcp {
	int ok;
	double ms;
	int err;                       /* errno: ECONNREFUSED, ETIMEDOUT, ... */
};

struct probe_tls {
	int tried, ok;
	double ms;
	char version[16], cipher[48];
	int cert_seen;
	struct tls_cert_info cert;
	unsigned long long rx_bytes;   /* bytes the server sent during the handshake */
	char stage[96];                /* where it stopped */
	char error[256];
	int code;                      /* NR_E_TLS_* of the failure, 0 when ok */
};

struct probe_http {
	int tried, status, complete;
	double ttfb_ms, ms;
	unsigned long long bytes;
	char status_line[160];
	char error[256];
};

struct probe_pmtu {
	int tried, done;
	char method[16];               /* "icmp" */
	int mtu;                       /* the path MTU found, 0 unknown */
	int largest_ok, smallest_lost; /* IP packet sizes; 0 when none */
	int icmp_seen, icmp_mtu;       /* frag-needed came back, with its next-hop MTU */
	int pod_mtu, node_mtu;         /* configured: pod interface, node route to target */
	int nprobes;
	char error[160];
};

struct probe_report {
	char from[64];
	unsigned long long netns;
	char target[PROBE_HOST_MAX + 8];
	char addr[64];
	unsigned port;
	int ntcp;
	struct probe_tcp tcp[PROBE_COUNT_MAX];
	struct probe_tls tls;
	struct probe_http http;
	struct probe_pmtu pmtu;
};

/* TARGET[:PORT] as users write it ("10.0.0.1:443", "[fd00::1]:443", "fd00::1", "name:8080",
 * "name") -> host and port (*has_port 0 when none was given). 0, or -1 when malformed or the
 * port is 0 or > 65535. */
int probe_target_parse(const char *s, char *host, size_t cap, unsigned *port, int *has_port);

/* One TCP connect from a socket made in netns_fd, bounded by timeout_ms. */
void probe_tcp_connect(int netns_fd, const struct nr_addr *a, unsigned port, unsigned timeout_ms,
		       struct probe_tcp *t, int *fd_out);
/* The path-MTU search (pmtu.c). 0, or -1 only when no socket could be made. */
int probe_pmtu_run(int netns_fd, const struct nr_addr *a, const char *pod_if, unsigned timeout_ms,
		   struct probe_pmtu *m, struct nr_err *e);
/* Exposed for tests and fuzzing: what a raw ICMP socket read means for a probe with ident id
 * and sequence seq: 1 echo reply, 2 frag-needed (*mtu set), 3 other unreachable, 0 not ours. */
int probe_icmp_classify(const unsigned char *pkt, size_t n, unsigned id, unsigned seq, int *mtu);

/* Opens the network namespace of the located pod r (through the first of its processes that
 * still lives there). *pid gets the process whose files stand for the pod: one whose
 * /etc/resolv.conf is not the node's (an app container) when there is one, else the first.
 * NR_E_PROBE_NOPOD when r found no pod, NR_E_PROBE_NONETNS when it is gone. Returns the fd. */
struct locate_report;
int probe_pod_open(const struct locate_report *r, int *pid, struct nr_err *e);
/* Resolves name the pod's way: its resolv.conf (pid), its nameservers, from its netns. The
 * first A (else AAAA) answer goes to out; NR_E_PROBE_RESOLVE when none. 0 or -1. */
int probe_resolve(int netns_fd, int pid, const char *from, const char *name,
		  struct nr_addr *out, struct nr_err *e);

/* Runs everything asked; findings to fs. -1 only when nothing could be sent (no socket). */
int probe_run(int netns_fd, const struct probe_opts *o, struct probe_report *r,
	      struct findings *fs, struct nr_err *e);
/* "tcp", "attempts", "tls", "http", "path_mtu" keys of the current object. */
void probe_json(struct jw *w, const struct probe_report *r);
void probe_text(FILE *f, const struct probe_report *r);

#endif
