#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/table.h"

/* TBL_CELL_MAX: a cell longer than this (after escaping) is cut; args lines are the longest. */
#define TBL_CELL_MAX 4096

static size_t display_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void push(struct tbl *t, const char *s)
{
	char cell[TBL_CELL_MAX];
	size_t n, need;
	char *nb;

	esc_text(cell, sizeof cell, s ? s : "-", s ? strlen(s) : 1);
	n = strlen(cell);
	need = t->len + n + 1;
	if (need > t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 4096;
		while (nc < need)
			nc *= 2;
		nb = realloc(t->buf, nc);
		if (!nb) {
			t->oom = 1;
			return;
		}
		t->buf = nb;
		t->cap = nc;
	}
	memcpy(t->buf + t->len, cell, n + 1);
	t->len += n + 1;
}

void tbl_init(struct tbl *t, int ncols, const char *const *header)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols > TBL_MAX_COLS ? TBL_MAX_COLS : ncols;
	t->header = header != NULL;
	if (header)
		tbl_add(t, header);
}

void tbl_add(struct tbl *t, const char *const *cells)
{
	int i;
	size_t before, w;

	for (i = 0; i < t->ncols && !t->oom; i++) {
		before = t->len;
		push(t, cells[i]);
		if (t->oom)
			return;
		w = display_width(t->buf + before);
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
}

int tbl_print(struct tbl *t, FILE *f)
{
	const char *p = t->buf;
	size_t r;
	int i;

	if (t->oom) {
		tbl_free(t);
		return -1;
	}
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			size_t w = display_width(p);
			fputs(p, f);
			if (i + 1 < t->ncols)
				fprintf(f, "%*s", (int)(t->width[i] - w + 2), "");
			p += strlen(p) + 1;
		}
		fputc('\n', f);
	}
	tbl_free(t);
	return 0;
}

void tbl_free(struct tbl *t)
{
	free(t->buf);
	t->buf = NULL;
	t->len = t->cap = t->nrows = 0;
}
