/* Waiting between attempts (exponential, with jitter, honouring Retry-After, cut short by
 * Ctrl-C), and the single PUT, where every retry sends the whole file again. */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "upload/private.h"

void up_backoff(struct up *s, int fails)
{
	unsigned base = s->o->backoff_ms ? s->o->backoff_ms : 500, ms;
	unsigned char j = 0;
	struct timespec ts;

	ms = base << (fails > 6 ? 6 : fails - 1);
	if (ms > 30000)
		ms = 30000;
	if (s->resp.state == HTTP_DONE && s->resp.retry_after && s->resp.retry_after * 1000 > ms)
		ms = s->resp.retry_after * 1000 > 60000 ? 60000 : s->resp.retry_after * 1000;
	/* Jitter up to a quarter, so many nodes retrying do not march in step. */
	if (getrandom(&j, 1, 0) == 1)
		ms += ms / 4 * j / 255;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR && !(s->o->stop && *s->o->stop))
		;
}

int up_max_attempts(const struct up *s)
{
	return s->o->max_attempts > 0 ? s->o->max_attempts : 5;
}

void up_attempt_text(const struct up *s, int rc, const struct nr_err *e, char *buf, size_t cap)
{
	char why[NR_ERR_CTX + 256];

	if (!rc) {
		snprintf(buf, cap, "server busy: HTTP %d", s->resp.status);
		return;
	}
	nr_err_text(e, why, sizeof why);
	snprintf(buf, cap, "%s", why);
}

int up_put_single(struct up *s, struct nr_err *e)
{
	return up_send_whole(s, "PUT", REQ_SIGNED, e);
}

int up_send_whole(struct up *s, const char *method, int flags, struct nr_err *e)
{
	char why[NR_ERR_CTX + 300];
	int fails, rc;

	for (fails = 1;; fails++) {
		rc = up_exchange(s, &s->u, method, 0, s->size, NULL, flags, e);
		if (rc == -2)
			return -1;
		if (!rc && s->resp.status / 100 == 2)
			return up_finish(s, e);
		if (!rc && !up_retryable(s->resp.status))
			return up_refusal(s, s->u.host, e);
		if (fails >= up_max_attempts(s))
			return rc ? -1 : up_refusal(s, s->u.host, e);
		up_attempt_text(s, rc, e, why, sizeof why);
		up_warnf(s, "attempt %d failed (%s); retrying", fails, why);
		up_backoff(s, fails);
		if (s->o->stop && *s->o->stop)
			return nr_fail(e, NR_E_HTTP_STOPPED, 0, "upload", NULL);
	}
}
