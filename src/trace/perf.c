/* perf_event_open on a tracepoint: one event and one mmap ring per online CPU, raw samples.
 * The ring (perf_event_mmap_page): the kernel advances data_head, we read records between our
 * data_tail and it and then publish the new data_tail; a record may wrap around the end of the
 * data area. When the ring is full the kernel counts what it could not store and later writes a
 * PERF_RECORD_LOST with that number: those are our lost samples. */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trace/trace.h"


int trace_cpu_count(const char *list, size_t len)
{
	const char *p = list, *end = list + len;
	long a, b;
	int n = 0;

	while (p < end && *p != '\n') {
		for (a = 0; p < end && *p >= '0' && *p <= '9' && a < 1000000; p++)
			a = a * 10 + (*p - '0');
		b = a;
		if (p < end && *p == '-')
			for (b = 0, p++; p < end && *p >= '0' && *p <= '9' && b < 1000000; p++)
				b = b * 10 + (*p - '0');
		if (b < a || b >= 1000000)
			return -1;
		n += (int)(b - a + 1);
		if (p < end && *p == ',')
			p++;
		else if (p < end && *p != '\n')
			return -1;
	}
	return n ? n : -1;
}

static int open_one(unsigned id, int cpu, unsigned pages)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_TRACEPOINT;
	a.size = sizeof a;
	a.config = id;
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_RAW;
	a.disabled = 1;
	/* Wake the reader when a quarter of the ring is filled, not per sample: a drop flood must
	 * not become a wakeup flood. */
	a.watermark = 1;
	a.wakeup_watermark = pages * (unsigned)sysconf(_SC_PAGESIZE) / 4;
	return (int)syscall(SYS_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

int trace_perf_open(struct trace_perf *p, unsigned id, unsigned ring_pages, struct nr_err *e)
{
	long ps = sysconf(_SC_PAGESIZE), ncpu = sysconf(_SC_NPROCESSORS_CONF);
	struct trace_ring *r;
	int cpu, fd, saved = 0, i;

	memset(p, 0, sizeof *p);
	for (cpu = 0; cpu < ncpu && cpu < TRACE_CPUS_MAX; cpu++) {
		fd = open_one(id, cpu, ring_pages);
		if (fd < 0) {
			if (errno == ENODEV)         /* an offline CPU */
				continue;
			saved = errno;
			goto fail;
		}
		r = &p->r[p->nrings++];
		r->fd = fd;
		r->cpu = cpu;
		r->data_size = (size_t)ring_pages * (size_t)ps;
		r->len = r->data_size + (size_t)ps;
		r->base = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (r->base == MAP_FAILED) {
			saved = errno;
			r->base = NULL;
			goto fail;
		}
	}
	if (!p->nrings) {
		saved = ENODEV;
		goto fail;
	}
	for (i = 0; i < p->nrings; i++)
		if (ioctl(p->r[i].fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
			saved = errno;
			goto fail;
		}
	return 0;
fail:
	trace_perf_close(p);
	return nr_fail(e, NR_E_TRACE_PERF, saved, "trace", "tracepoint %u", id);
}

void trace_perf_close(struct trace_perf *p)
{
	int i;

	for (i = 0; i < p->nrings; i++) {
		if (p->r[i].base)
			munmap(p->r[i].base, p->r[i].len);
		if (p->r[i].fd >= 0)
			close(p->r[i].fd);
	}
	p->nrings = 0;
}

/* Copies n bytes at ring offset off (mod size) into out: records may wrap. */
static void ring_copy(const unsigned char *data, size_t size, uint64_t off, void *out, size_t n)
{
	size_t at = (size_t)(off & (size - 1)), first = size - at < n ? size - at : n;

	memcpy(out, data + at, first);
	memcpy((unsigned char *)out + first, data, n - first);
}

uint64_t trace_ring_parse(const unsigned char *data, size_t size, uint64_t tail, uint64_t head,
			  struct trace_perf *p, trace_sample_cb cb, void *arg)
{
	unsigned char *rec = p->rec;
	struct perf_event_header h;
	uint32_t rawlen;
	uint64_t lost[2];

	while (head - tail >= sizeof h) {
		ring_copy(data, size, tail, &h, sizeof h);
		if (h.size < sizeof h || h.size > head - tail || h.size > size)
			return head;                /* torn or corrupt: skip what is there */
		if (h.size <= TRACE_REC_MAX) {
			ring_copy(data, size, tail, rec, h.size);
			if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof h + sizeof rawlen) {
				memcpy(&rawlen, rec + sizeof h, sizeof rawlen);
				if (rawlen <= h.size - sizeof h - sizeof rawlen) {
					p->samples++;
					if (cb(rec + sizeof h + sizeof rawlen, rawlen, arg) <= 0)
						cb = NULL;
				}
			} else if (h.type == PERF_RECORD_LOST && h.size >= sizeof h + sizeof lost) {
				memcpy(lost, rec + sizeof h, sizeof lost);
				p->lost += lost[1];
			}
		}
		tail += h.size;
		if (!cb)
			break;
	}
	return tail;
}

static int ignore(const unsigned char *raw, size_t len, void *arg)
{
	(void)raw, (void)len, (void)arg;
	return 1;
}

static void drain(struct trace_perf *p, struct trace_ring *r, trace_sample_cb cb, void *arg)
{
	struct perf_event_mmap_page *m = (struct perf_event_mmap_page *)r->base;
	uint64_t head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE), tail = m->data_tail;

	tail = trace_ring_parse(r->base + (size_t)sysconf(_SC_PAGESIZE), r->data_size, tail, head, p,
				cb ? cb : ignore, arg);
	/* A callback that stopped leaves the rest unread: consume it all the same. */
	__atomic_store_n(&m->data_tail, head > tail ? head : tail, __ATOMIC_RELEASE);
}

int trace_perf_poll(struct trace_perf *p, int timeout_ms, trace_sample_cb cb, void *arg, struct nr_err *e)
{
	struct pollfd pf[TRACE_CPUS_MAX];
	int i;

	for (i = 0; i < p->nrings; i++) {
		pf[i].fd = p->r[i].fd;
		pf[i].events = POLLIN;
		pf[i].revents = 0;
	}
	if (poll(pf, (nfds_t)p->nrings, timeout_ms) < 0 && errno != EINTR)
		return nr_fail(e, NR_E_SYS, errno, "trace", "poll");
	/* Every ring, not only the ready ones: below the watermark data waits too. */
	for (i = 0; i < p->nrings; i++)
		drain(p, &p->r[i], cb, arg);
	return 0;
}
