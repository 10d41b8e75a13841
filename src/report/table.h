/* Human output: aligned columns in the style of `ip -br`, one line per object.
 * Cells are escaped (control bytes, invalid UTF-8 as \xNN) and padded by display width. */
#ifndef NR_REPORT_TABLE_H
#define NR_REPORT_TABLE_H
#include <stdio.h>
#include <stddef.h>

/* TBL_MAX_COLS: the widest view (ps) has 9 columns. */
#define TBL_MAX_COLS 12

struct tbl {
	int ncols;
	int header;                 /* print the header row */
	size_t width[TBL_MAX_COLS]; /* display width per column */
	char *buf;                  /* escaped cells, NUL-separated (the one allocation) */
	size_t len, cap;
	size_t nrows;
	int oom;
};

/* Starts a table of ncols columns; the header cells are the first row. */
void tbl_init(struct tbl *t, int ncols, const char *const *header);
/* Adds a row of ncols cells (NULL cell prints "-"). printf-style helper: tbl_rowf is not
 * offered on purpose: format into stack buffers, then add. */
void tbl_add(struct tbl *t, const char *const *cells);
/* Prints the table (last column not padded) and frees it. Returns -1 when memory ran out. */
int tbl_print(struct tbl *t, FILE *f);
void tbl_free(struct tbl *t);

#endif
