#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "fsutil.h"
#include "jcs.h"
#include "junit.h"

struct jcase {
	char *name, *classname, *message, *type, *system_out;
	double time;
	enum rc_junit_result result;
};

struct jsuite {
	char *name;
	struct jcase *cases;
	size_t n, cap;
};

struct rc_junit {
	char *name;
	struct jsuite *suites;
	size_t n, cap;
};

/* Copies s with XML-forbidden characters and broken UTF-8 replaced. */
static char *xml_clean(const char *s)
{
	size_t len, i = 0, o = 0;
	char *d;

	if (!s)
		return NULL;
	len = strlen(s);
	d = malloc(len + 1);
	if (!d)
		return NULL;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = 1;

		if (c >= 0x80) {
			/* Find the sequence length and validate just it. */
			n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
			if (n > len - i || !rc_utf8_valid(s + i, n)) {
				d[o++] = '?';
				i++;
				continue;
			}
			/* U+FFFE and U+FFFF are not XML characters either. */
			if (n == 3 && c == 0xef && (unsigned char)s[i + 1] == 0xbf &&
			    (unsigned char)s[i + 2] >= 0xbe) {
				d[o++] = '?';
				i += 3;
				continue;
			}
			memcpy(d + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		d[o++] = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ? '?' : (char)c;
		i++;
	}
	d[o] = '\0';
	return d;
}

struct rc_junit *rc_junit_new(const char *name)
{
	struct rc_junit *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	if (name && !(j->name = xml_clean(name))) {
		free(j);
		return NULL;
	}
	return j;
}

static void case_release(struct jcase *c)
{
	free(c->name);
	free(c->classname);
	free(c->message);
	free(c->type);
	free(c->system_out);
}

void rc_junit_free(struct rc_junit *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		for (size_t k = 0; k < j->suites[i].n; k++)
			case_release(&j->suites[i].cases[k]);
		free(j->suites[i].cases);
		free(j->suites[i].name);
	}
	free(j->suites);
	free(j->name);
	free(j);
}

static int grow(void **arr, size_t *cap, size_t n, size_t elsz, struct rc_err *err)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, ncap * elsz);
	if (!p)
		return rc_err_nomem(err);
	*arr = p;
	*cap = ncap;
	return 0;
}

int rc_junit_suite(struct rc_junit *j, const char *name, struct rc_err *err)
{
	struct jsuite *s;

	if (grow((void **)&j->suites, &j->cap, j->n, sizeof(*j->suites), err) < 0)
		return -1;
	s = &j->suites[j->n];
	memset(s, 0, sizeof(*s));
	s->name = xml_clean(name ? name : "reclaim");
	if (!s->name)
		return rc_err_nomem(err);
	j->n++;
	return 0;
}

int rc_junit_add(struct rc_junit *j, const struct rc_junit_case *c, struct rc_err *err)
{
	struct jsuite *s;
	struct jcase *jc;

	if (!c || !c->name)
		return rc_err_set(err, RC_ERR_INTERNAL, "a JUnit test case needs a name");
	if (!j->n && rc_junit_suite(j, j->name ? j->name : "reclaim", err) < 0)
		return -1;
	s = &j->suites[j->n - 1];
	if (grow((void **)&s->cases, &s->cap, s->n, sizeof(*s->cases), err) < 0)
		return -1;
	jc = &s->cases[s->n];
	memset(jc, 0, sizeof(*jc));
	jc->time = c->time >= 0 ? c->time : 0;
	jc->result = c->result;
	jc->name = xml_clean(c->name);
	jc->classname = xml_clean(c->classname ? c->classname : s->name);
	if (!jc->name || !jc->classname || (c->message && !(jc->message = xml_clean(c->message))) ||
	    (c->type && !(jc->type = xml_clean(c->type))) ||
	    (c->system_out && !(jc->system_out = xml_clean(c->system_out)))) {
		case_release(jc);
		return rc_err_nomem(err);
	}
	s->n++;
	return 0;
}

struct counts {
	size_t tests, failures, skipped, errors;
	double time;
};

static void count_suite(const struct jsuite *s, struct counts *c)
{
	for (size_t i = 0; i < s->n; i++) {
		c->tests++;
		c->time += s->cases[i].time;
		c->failures += s->cases[i].result == RC_JUNIT_FAIL;
		c->skipped += s->cases[i].result == RC_JUNIT_SKIP;
		c->errors += s->cases[i].result == RC_JUNIT_ERROR;
	}
}

static int write_counts(xmlTextWriterPtr w, const struct counts *c)
{
	return xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%zu", c->tests) < 0 ||
		       xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%zu",
							 c->failures) < 0 ||
		       xmlTextWriterWriteFormatAttribute(w, BAD_CAST "skipped", "%zu", c->skipped) <
			   0 ||
		       xmlTextWriterWriteFormatAttribute(w, BAD_CAST "errors", "%zu", c->errors) <
			   0 ||
		       xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f", c->time) < 0
		   ? -1
		   : 0;
}

static int write_case(xmlTextWriterPtr w, const struct jcase *c)
{
	static const char *const elem[] = {NULL, "failure", "skipped", "error"};

	if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST c->name) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST c->classname) < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f", c->time) < 0)
		return -1;
	if (c->result != RC_JUNIT_PASS && (unsigned)c->result <= RC_JUNIT_ERROR) {
		if (xmlTextWriterStartElement(w, BAD_CAST elem[c->result]) < 0 ||
		    (c->message &&
		     xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST c->message) < 0) ||
		    (c->type && c->result != RC_JUNIT_SKIP &&
		     xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST c->type) < 0) ||
		    xmlTextWriterEndElement(w) < 0)
			return -1;
	}
	if (c->system_out && (xmlTextWriterStartElement(w, BAD_CAST "system-out") < 0 ||
			      xmlTextWriterWriteString(w, BAD_CAST c->system_out) < 0 ||
			      xmlTextWriterEndElement(w) < 0))
		return -1;
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

int rc_junit_render(const struct rc_junit *j, struct rc_buf *out, struct rc_err *err)
{
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = NULL;
	struct counts total = {0};
	int rc = -1;

	if (!xb)
		return rc_err_nomem(err);
	w = xmlNewTextWriterMemory(xb, 0);
	if (!w) {
		rc_err_set(err, RC_ERR_NOMEM, "cannot create an XML writer");
		goto out;
	}
	for (size_t i = 0; i < j->n; i++)
		count_suite(&j->suites[i], &total);
	if (xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0 ||
	    (j->name && xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST j->name) < 0) ||
	    write_counts(w, &total) < 0)
		goto xmlfail;
	for (size_t i = 0; i < j->n; i++) {
		const struct jsuite *s = &j->suites[i];
		struct counts c = {0};

		count_suite(s, &c);
		if (xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST s->name) < 0 ||
		    write_counts(w, &c) < 0)
			goto xmlfail;
		for (size_t k = 0; k < s->n; k++)
			if (write_case(w, &s->cases[k]) < 0)
				goto xmlfail;
		if (xmlTextWriterEndElement(w) < 0)
			goto xmlfail;
	}
	if (xmlTextWriterEndDocument(w) < 0)
		goto xmlfail;
	xmlFreeTextWriter(w); /* flushes into xb */
	w = NULL;
	rc = rc_buf_append(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb), err);
	goto out;
xmlfail:
	rc_err_set(err, RC_ERR_INTERNAL, "cannot build the JUnit XML document");
out:
	if (w)
		xmlFreeTextWriter(w);
	xmlBufferFree(xb);
	return rc;
}

int rc_junit_write(const struct rc_junit *j, const char *path, struct rc_err *err)
{
	struct rc_buf b = RC_BUF_INIT;
	int rc;

	rc_buf_init(&b, 0);
	rc = rc_junit_render(j, &b, err);
	if (rc == 0)
		rc = rc_write_file_atomic(path, b.data, b.len, 0666, err);
	if (rc < 0)
		rc_err_prefix(err, "cannot write JUnit report");
	rc_buf_release(&b);
	return rc;
}
