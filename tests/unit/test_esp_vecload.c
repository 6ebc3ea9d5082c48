// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_esp_vecload.c: the known-answer vector file loader shared by
 * test_esp_vectors.c and test_ah.c (format in test_esp_vecload.h).
 */
#include "test_esp_vecload.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode f->text into f->bytes when it is hex or ascii:. */
static int decode(struct tv_field *f)
{
	const char *s = f->text;
	size_t n = 0, i;
	int hi = -1, v;

	if (!strncmp(s, "ascii:", 6)) {
		f->len = strlen(s + 6);
		f->bytes = malloc(f->len + 1);
		if (!f->bytes)
			return -ENOMEM;
		memcpy(f->bytes, s + 6, f->len);
		return 0;
	}
	for (i = 0; s[i]; i++) {
		if (isspace((unsigned char)s[i]))
			continue;
		if (hexval(s[i]) < 0)
			return 0;	/* free text */
		n++;
	}
	if (n % 2)
		return 0;
	f->bytes = malloc(n / 2 + 1);
	if (!f->bytes)
		return -ENOMEM;
	for (i = 0; s[i]; i++) {
		v = hexval(s[i]);
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			f->bytes[f->len++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return 0;
}

static int append_text(struct tv_field *f, const char *more)
{
	size_t a = strlen(f->text), b = strlen(more);
	char *t = realloc(f->text, a + b + 2);

	if (!t)
		return -ENOMEM;
	t[a] = ' ';
	memcpy(t + a + 1, more, b + 1);
	f->text = t;
	return 0;
}

int tv_load(const char *file, struct tv_file *out)
{
	const char *dir = getenv("KEYSH_VECTORS");
	char path[512], line[1024], *s, *eq;
	struct tv_case *c = NULL, *nc;
	struct tv_field *f = NULL, *nf;
	FILE *fp;
	size_t i, j;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/vectors", file);
	fp = fopen(path, "r");
	if (!fp)
		return -errno;
	while (!ret && fgets(line, sizeof(line), fp)) {
		bool cont = line[0] == ' ' || line[0] == '\t';

		s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			nc = realloc(out->c, (out->n + 1) * sizeof(*nc));
			if (!nc) {
				ret = -ENOMEM;
				break;
			}
			out->c = nc;
			c = &out->c[out->n++];
			memset(c, 0, sizeof(*c));
			s[strcspn(s, "]")] = '\0';
			c->name = strdup(s + 1);
			f = NULL;
			if (!c->name)
				ret = -ENOMEM;
			continue;
		}
		if (cont && f) {
			ret = append_text(f, s);
			continue;
		}
		eq = strchr(s, '=');
		if (!c || !eq) {
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		nf = realloc(c->f, (c->nf + 1) * sizeof(*nf));
		if (!nf) {
			ret = -ENOMEM;
			break;
		}
		c->f = nf;
		f = &c->f[c->nf++];
		memset(f, 0, sizeof(*f));
		f->key = strdup(trim(s));
		f->text = strdup(trim(eq + 1));
		if (!f->key || !f->text)
			ret = -ENOMEM;
	}
	fclose(fp);
	for (i = 0; !ret && i < out->n; i++)
		for (j = 0; !ret && j < out->c[i].nf; j++)
			ret = decode(&out->c[i].f[j]);
	if (ret)
		tv_free(out);
	return ret;
}

void tv_free(struct tv_file *tf)
{
	size_t i, j;

	for (i = 0; i < tf->n; i++) {
		for (j = 0; j < tf->c[i].nf; j++) {
			free(tf->c[i].f[j].key);
			free(tf->c[i].f[j].text);
			free(tf->c[i].f[j].bytes);
		}
		free(tf->c[i].f);
		free(tf->c[i].name);
	}
	free(tf->c);
	memset(tf, 0, sizeof(*tf));
}

const struct tv_case *tv_case(const struct tv_file *tf, const char *name)
{
	size_t i;

	for (i = 0; i < tf->n; i++)
		if (!strcmp(tf->c[i].name, name))
			return &tf->c[i];
	return NULL;
}

static const struct tv_field *field(const struct tv_case *c, const char *key)
{
	size_t i;

	for (i = 0; c && i < c->nf; i++)
		if (!strcmp(c->f[i].key, key))
			return &c->f[i];
	return NULL;
}

const uint8_t *tv_bytes(const struct tv_case *c, const char *key, size_t *len)
{
	const struct tv_field *f = field(c, key);
	static const uint8_t empty[1];

	if (!f)
		return NULL;
	*len = f->len;
	if (!f->bytes && !f->text[0])
		return empty;	/* "aad = " : present and empty */
	return f->bytes;
}

const char *tv_text(const struct tv_case *c, const char *key)
{
	const struct tv_field *f = field(c, key);

	return f ? f->text : NULL;
}
