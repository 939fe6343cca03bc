#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static const char *prog_name = "reclaim";
static enum rc_log_level cur_level = RC_LOG_NORMAL;
static int progress_shown;

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

void rc_progress(const char *what, size_t done, size_t total)
{
	if (cur_level < RC_LOG_NORMAL || !isatty(STDERR_FILENO))
		return;
	if (total)
		fprintf(stderr, "\r\033[K%s: %zu/%zu", what, done, total);
	else
		fprintf(stderr, "\r\033[K%s: %zu", what, done);
	fflush(stderr);
	progress_shown = 1;
}

void rc_progress_done(void)
{
	if (!progress_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress_shown = 0;
}
