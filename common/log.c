#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

static const char *prog_name = "reclaim";
static enum rc_log_level cur_level = RC_LOG_NORMAL;
static int progress_shown;
static int64_t progress_drawn_ns; /* CLOCK_MONOTONIC of the last line drawn */

void rc_log_init(const char *prog, enum rc_log_level level)
{
	prog_name = prog;
	cur_level = level;
}

enum rc_log_level rc_log_level(void)
{
	return cur_level;
}

const char *rc_log_prog(void)
{
	return prog_name;
}

static void vlog(const char *tag, const char *fmt, va_list ap)
{
	rc_progress_done();
	fprintf(stderr, "%s: %s", prog_name, tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void rc_log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
}

void rc_log_warn(const char *fmt, ...)
{
	va_list ap;
	if (cur_level < RC_LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void rc_log_verbose(const char *fmt, ...)
{
	va_list ap;
	if (cur_level < RC_LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void rc_log_debug(const char *fmt, ...)
{
	va_list ap;
	if (cur_level < RC_LOG_DEBUG)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* 1 when a progress line is to be drawn now: on a TTY, not quiet, and the
 * last one is old enough or this one is final. */
static int progress_due(int final)
{
	int64_t now;

	if (cur_level < RC_LOG_NORMAL || !isatty(STDERR_FILENO))
		return 0;
	now = mono_ns();
	if (!final && progress_shown && now - progress_drawn_ns < 1000000000LL / RC_PROGRESS_PER_S)
		return 0;
	progress_drawn_ns = now;
	return 1;
}

static void progress_draw(const char *line)
{
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	progress_shown = 1;
}

void rc_progress(const char *what, size_t done, size_t total)
{
	char line[256], w[128];

	if (!progress_due(total && done >= total))
		return;
	rc_sanitize(w, sizeof(w), what);
	if (total)
		snprintf(line, sizeof(line), "%s: %zu/%zu", w, done, total);
	else
		snprintf(line, sizeof(line), "%s: %zu", w, done);
	progress_draw(line);
}

char *rc_progress_scan_format(const struct rc_scan_progress *p, char *out, size_t outsz)
{
	char w[49];
	int64_t el = p->elapsed_ns > 1000000 ? p->elapsed_ns : 1000000;
	uint64_t rps = (uint64_t)p->requests * 1000000000ULL / (uint64_t)el;

	rc_sanitize(w, sizeof(w), p->what ? p->what : "");
	snprintf(out, outsz, "%s: %zu/%zu repositories, %zu tag%s, %llu req/s", w, p->repos_done,
		 p->repos_total, p->tags, p->tags == 1 ? "" : "s", (unsigned long long)rps);
	return out;
}

void rc_progress_scan(const struct rc_scan_progress *p)
{
	char line[256];

	if (!progress_due(p->repos_done >= p->repos_total))
		return;
	progress_draw(rc_progress_scan_format(p, line, sizeof(line)));
}

void rc_progress_done(void)
{
	if (!progress_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress_shown = 0;
}
