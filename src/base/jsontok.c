#include <string.h>

#include "base/jsontok.h"
#include "base/parse.h"

/* What may come next. */
enum expect { E_VALUE, E_VALUE_OR_CLOSE, E_KEY, E_KEY_OR_CLOSE, E_COLON, E_COMMA_OR_CLOSE, E_END };

struct jp {
	const char *js;
	size_t len, pos;
	struct jt_tok *tok;
	int cap, n;
	int stack[JT_DEPTH_MAX];
	int depth;
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int add(struct jp *p, enum jt_type t, size_t start, size_t end)
{
	struct jt_tok *k;

	if (p->n >= p->cap)
		return -2;
	k = &p->tok[p->n];
	k->type = t;
	k->start = start;
	k->end = end;
	k->size = 0;
	k->parent = p->depth ? p->stack[p->depth - 1] : -1;
	if (k->parent >= 0)
		p->tok[k->parent].size++;
	return p->n++;
}

/* A string starting at the quote at p->pos; checks escapes, refuses raw control bytes. */
static int string(struct jp *p)
{
	size_t i = p->pos + 1;
	int k;

	for (; i < p->len; i++) {
		unsigned char c = (unsigned char)p->js[i];

		if (c == '"')
			break;
		if (c < 0x20)
			return -1;
		if (c != '\\')
			continue;
		if (++i >= p->len)
			return -1;
		if (p->js[i] == 'u') {
			if (i + 4 >= p->len || hex_digit(p->js[i + 1]) < 0 || hex_digit(p->js[i + 2]) < 0 ||
			    hex_digit(p->js[i + 3]) < 0 || hex_digit(p->js[i + 4]) < 0)
				return -1;
			i += 4;
		} else if (!strchr("\"\\/bfnrt", p->js[i]) || !p->js[i]) {
			return -1;
		}
	}
	if (i >= p->len)
		return -1;
	k = add(p, JT_STRING, p->pos + 1, i);
	p->pos = i + 1;
	return k;
}

static int literal(struct jp *p, const char *w)
{
	size_t n = strlen(w);

	return p->len - p->pos >= n && !memcmp(p->js + p->pos, w, n) ? (int)n : -1;
}

/* A number (RFC 8259 grammar) or true/false/null. */
static int primitive(struct jp *p)
{
	size_t i = p->pos, d;
	int n;

	if ((n = literal(p, "true")) > 0 || (n = literal(p, "false")) > 0 || (n = literal(p, "null")) > 0) {
		i += (size_t)n;
	} else {
		if (i < p->len && p->js[i] == '-')
			i++;
		for (d = i; i < p->len && p->js[i] >= '0' && p->js[i] <= '9'; i++)
			;
		if (i == d || (p->js[d] == '0' && i - d > 1))
			return -1;
		if (i < p->len && p->js[i] == '.') {
			for (d = ++i; i < p->len && p->js[i] >= '0' && p->js[i] <= '9'; i++)
				;
			if (i == d)
				return -1;
		}
		if (i < p->len && (p->js[i] == 'e' || p->js[i] == 'E')) {
			if (++i < p->len && (p->js[i] == '+' || p->js[i] == '-'))
				i++;
			for (d = i; i < p->len && p->js[i] >= '0' && p->js[i] <= '9'; i++)
				;
			if (i == d)
				return -1;
		}
	}
	if (i < p->len && !is_ws(p->js[i]) && !strchr(",]}", p->js[i]))
		return -1;
	n = add(p, JT_PRIMITIVE, p->pos, i);
	p->pos = i;
	return n;
}

/* After a value: what the enclosing container wants next. */
static enum expect after_value(const struct jp *p)
{
	return p->depth ? E_COMMA_OR_CLOSE : E_END;
}

static int open_container(struct jp *p, enum jt_type t)
{
	int k;

	if (p->depth >= JT_DEPTH_MAX)
		return -3;
	k = add(p, t, p->pos, p->pos);
	if (k < 0)
		return k;
	p->stack[p->depth++] = k;
	p->pos++;
	return k;
}

static int close_container(struct jp *p, char c)
{
	struct jt_tok *t;

	if (!p->depth)
		return -1;
	t = &p->tok[p->stack[p->depth - 1]];
	if ((c == '}') != (t->type == JT_OBJECT))
		return -1;
	t->end = ++p->pos;
	/* Keys and values both counted as children: an object's size is its number of members. */
	if (t->type == JT_OBJECT)
		t->size /= 2;
	p->depth--;
	return 0;
}

int jt_parse(const char *js, size_t len, struct jt_tok *tok, int cap)
{
	struct jp p = { .js = js, .len = len, .tok = tok, .cap = cap };
	enum expect ex = E_VALUE;
	int k;

	for (;;) {
		while (p.pos < len && is_ws(js[p.pos]))
			p.pos++;
		if (p.pos >= len)
			return ex == E_END ? p.n : -1;
		char c = js[p.pos];

		switch (ex) {
		case E_END:
			return -1;
		case E_COLON:
			if (c != ':')
				return -1;
			p.pos++;
			ex = E_VALUE;
			continue;
		case E_COMMA_OR_CLOSE:
			if (c == ',') {
				p.pos++;
				ex = p.tok[p.stack[p.depth - 1]].type == JT_OBJECT ? E_KEY : E_VALUE;
				continue;
			}
			if (close_container(&p, c))
				return -1;
			ex = after_value(&p);
			continue;
		case E_KEY_OR_CLOSE:
		case E_VALUE_OR_CLOSE:
			if (c == '}' || c == ']') {
				if (close_container(&p, c))
					return -1;
				ex = after_value(&p);
				continue;
			}
			/* fall through */
		case E_KEY:
		case E_VALUE:
			break;
		}
		if (ex == E_KEY || ex == E_KEY_OR_CLOSE) {
			if (c != '"')
				return -1;
			if ((k = string(&p)) < 0)
				return k;
			ex = E_COLON;
			continue;
		}
		if (c == '{' || c == '[') {
			if ((k = open_container(&p, c == '{' ? JT_OBJECT : JT_ARRAY)) < 0)
				return k;
			ex = c == '{' ? E_KEY_OR_CLOSE : E_VALUE_OR_CLOSE;
			continue;
		}
		k = c == '"' ? string(&p) : primitive(&p);
		if (k < 0)
			return k;
		ex = after_value(&p);
	}
}

int jt_skip(const struct jt_tok *tok, int n, int i)
{
	size_t end = tok[i].end;

	/* Children lie inside the parent's bytes: skip every token that starts before it ends. */
	for (i++; i < n && tok[i].start < end; i++)
		;
	return i;
}

int jt_get(const char *js, const struct jt_tok *tok, int n, int obj, const char *key)
{
	int i, m;

	if (obj < 0 || obj >= n || tok[obj].type != JT_OBJECT)
		return -1;
	for (i = obj + 1, m = 0; m < tok[obj].size && i + 1 < n; m++) {
		if (jt_eq(js, tok, i, key))
			return i + 1;
		i = jt_skip(tok, n, i + 1);
	}
	return -1;
}

/* Appends code point cp as UTF-8; -1 when it does not fit. */
static int put_utf8(char *out, size_t cap, size_t *o, unsigned long cp)
{
	unsigned char b[4];
	size_t n, i;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*o + n >= cap)
		return -1;
	for (i = 0; i < n; i++)
		out[(*o)++] = (char)b[i];
	return 0;
}

static unsigned long hex4(const char *s)
{
	return (unsigned long)(hex_digit(s[0]) << 12 | hex_digit(s[1]) << 8 | hex_digit(s[2]) << 4 | hex_digit(s[3]));
}

long jt_str(const char *js, const struct jt_tok *tok, int i, char *out, size_t cap)
{
	size_t p, o = 0, end;
	unsigned long cp, lo;
	const char *esc = "\"\"\\\\//b\bf\fn\nr\rt\t";

	if (tok[i].type != JT_STRING || !cap)
		return -1;
	end = tok[i].end;
	for (p = tok[i].start; p < end; p++) {
		if (js[p] != '\\') {
			if (o + 1 >= cap)
				return -1;
			out[o++] = js[p];
			continue;
		}
		p++;
		if (js[p] != 'u') {
			const char *e = strchr(esc, js[p]);

			if (!js[p] || !e || ((e - esc) & 1) || o + 1 >= cap)
				return -1;
			out[o++] = e[1];
			continue;
		}
		/* The tokenizer checked the four hex digits. */
		cp = hex4(js + p + 1);
		p += 4;
		if (cp >= 0xd800 && cp < 0xdc00 && p + 6 < end && js[p + 1] == '\\' && js[p + 2] == 'u') {
			lo = hex4(js + p + 3);
			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
		}
		if (!cp || (cp >= 0xd800 && cp < 0xe000) || put_utf8(out, cap, &o, cp))
			return -1;
	}
	out[o] = 0;
	return (long)o;
}

int jt_eq(const char *js, const struct jt_tok *tok, int i, const char *s)
{
	char buf[256];
	long n = jt_str(js, tok, i, buf, sizeof buf);

	return n >= 0 && !strcmp(buf, s);
}
