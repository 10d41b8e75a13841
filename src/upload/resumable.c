/* Cloud Storage's resumable protocol (cloud.google.com/storage/docs/performing-resumable-uploads):
 * a signed POST starts a session, chunks of 256 KiB multiples go to the session URI, and after
 * a failure "bytes * /TOTAL" asks what the server has. The session URI is kept in a state
 * file, so a run that was interrupted (Ctrl-C, a lost node) continues where the server is. */
#include <stdio.h>
#include <string.h>

#include "upload/private.h"

static int session_from(struct up *s, const char *uri, struct nr_err *e)
{
	if (url_parse(uri, strlen(uri), &s->session, e))
		return -1;
	/* The session URI carries the right to write: never in clear text when the URL was not. */
	if (s->u.https && !s->session.https)
		return nr_fail(e, NR_E_HTTP_PARSE, 0, "upload", "%s: the session URI is plain http://", s->u.host);
	return 0;
}

static int start_session(struct up *s, struct nr_err *e)
{
	char why[NR_ERR_CTX + 300];
	int fails, rc;

	for (fails = 1;; fails++) {
		rc = up_exchange(s, &s->u, "POST", 0, 0, NULL, REQ_SIGNED | REQ_START, e);
		if (rc == -2)
			return -1;
		if (!rc && s->resp.status / 100 == 2) {
			if (!s->resp.location[0])
				return nr_fail(e, NR_E_HTTP_PARSE, 0, "upload", "%s: no Location for the resumable session", s->u.host);
			if (session_from(s, s->resp.location, e))
				return -1;
			up_state_save(s, s->resp.location);
			return 0;
		}
		if (!rc && !up_retryable(s->resp.status))
			return up_refusal(s, s->u.host, e);
		if (fails >= up_max_attempts(s))
			return rc ? -1 : up_refusal(s, s->u.host, e);
		up_attempt_text(s, rc, e, why, sizeof why);
		up_warnf(s, "starting the session failed (%s); retrying", why);
		up_backoff(s, fails);
	}
}

/* One chunk from off, or (query) a status request "bytes * /TOTAL" after a failure. */
static int chunk(struct up *s, unsigned long long off, int query, struct nr_err *e)
{
	unsigned long long cs = s->o->chunk_size ? s->o->chunk_size : UPLOAD_CHUNK_DEFAULT;
	unsigned long long len = s->size - off < cs ? s->size - off : cs;
	char range[80];

	if (query || !s->size)
		snprintf(range, sizeof range, "bytes */%llu", s->size);
	else if (off + len == s->size)
		snprintf(range, sizeof range, "bytes %llu-%llu/%llu", off, off + len - 1, s->size);
	else
		snprintf(range, sizeof range, "bytes %llu-%llu/*", off, off + len - 1);
	return up_exchange(s, &s->session, "PUT", off, query ? 0 : len, range, 0, e);
}

/* A session kept by an earlier run: 1 when it is in s->session (ask it what it has first). */
static int saved_session(struct up *s)
{
	char uri[HTTP_LOCATION_MAX];

	if (up_state_load(s, uri, sizeof uri) <= 0)
		return 0;
	if (session_from(s, uri, NULL)) {
		up_state_drop(s);
		return 0;
	}
	return 1;
}

/* The server's answer to a chunk or a query, as the next offset: 1 go on from *next, 0 no
 * progress (a failure), -1 refused. */
static int after_308(struct up *s, unsigned long long *next, struct nr_err *e)
{
	/* 308 without Range: the server kept nothing yet (start from 0). */
	*next = s->resp.has_range ? s->resp.range_end + 1 : 0;
	if (*next > s->size)
		return nr_fail(e, NR_E_HTTP_PARSE, 0, "upload", "%s: server claims %llu bytes of %llu",
			       s->session.host, *next, s->size);
	return 1;
}

int up_put_resumable(struct up *s, struct nr_err *e)
{
	unsigned long long off = 0, next;
	char why[NR_ERR_CTX + 300];
	int fails = 0, query = 0, rc, from_state = saved_session(s);

	if (from_state) {
		query = 1; /* what does the server have of it? */
	} else if (start_session(s, e)) {
		return -1;
	}
	for (;;) {
		rc = chunk(s, off, query, e);
		if (rc == -2)
			return -1;
		if (!rc && s->resp.status / 100 == 2) {
			if (from_state)
				s->r->resumed = 1;
			return up_finish(s, e);
		}
		if (!rc && from_state && query && (s->resp.status == 404 || s->resp.status == 410)) {
			/* The server forgot the session (they live a week): begin again. */
			up_warnf(s, "the saved session is gone (HTTP %d); starting a new one", s->resp.status);
			up_state_drop(s);
			from_state = query = 0;
			if (start_session(s, e))
				return -1;
			continue;
		}
		if (!rc && s->resp.status == 308) {
			if (after_308(s, &next, e) < 0)
				return -1;
			if (query && (s->r->attempts > 1 || from_state))
				s->r->resumed = 1;
			if (query && from_state && fails == 0)
				up_warnf(s, "resuming the saved session at byte %llu of %llu", next, s->size);
			from_state = 0;
			if (next > off || query) {
				fails = next > off ? 0 : fails;
				off = next;
				query = 0;
				s->r->bytes = off;
				up_progress(s, off, 0);
				continue;
			}
			off = next; /* no progress: count it as a failure below */
		} else if (!rc && !up_retryable(s->resp.status)) {
			return up_refusal(s, s->session.host, e);
		}
		if (++fails >= up_max_attempts(s))
			return rc ? -1 : (s->resp.status == 308
					  ? nr_fail(e, NR_E_UPLOAD_RETRIES, 0, "upload", "%s: no progress", s->session.host)
					  : up_refusal(s, s->session.host, e));
		up_attempt_text(s, rc, e, why, sizeof why);
		up_warnf(s, "chunk at byte %llu failed (%s); asking the server what it has", off, why);
		up_backoff(s, fails);
		if (s->o->stop && *s->o->stop)
			return nr_fail(e, NR_E_HTTP_STOPPED, 0, "upload", NULL);
		query = 1;
	}
}
