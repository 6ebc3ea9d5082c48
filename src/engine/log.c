// SPDX-License-Identifier: BSD-2-Clause
/*
 * log.c: keyd's log output, to stderr ("keyd: ...") or to syslog (daemon
 * facility). The core's os_log() is routed here too, so one switch decides
 * where everything goes. With syslog, errors and warnings are copied to
 * stderr until keyd serves (keyd_log_started), so a daemon that cannot
 * start says why (and one that starts prints nothing).
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "keyd.h"

static bool to_syslog;
static bool debug;
static bool starting;

static const int prio[] = {
	[KEYD_LOG_ERR] = LOG_ERR,
	[KEYD_LOG_WARN] = LOG_WARNING,
	[KEYD_LOG_INFO] = LOG_INFO,
	[KEYD_LOG_DEBUG] = LOG_DEBUG,
};

static void emit(enum keyd_log_level lvl, const char *msg)
{
	if (lvl > KEYD_LOG_DEBUG)
		lvl = KEYD_LOG_DEBUG;
	if (lvl == KEYD_LOG_DEBUG && !debug)
		return;
	if (to_syslog)
		syslog(prio[lvl], "%s", msg);
	if (!to_syslog || (starting && lvl <= KEYD_LOG_WARN))
		fprintf(stderr, "keyd: %s\n", msg);
}

/* os_log levels are numbered like ours (ERR, WARN, INFO, DEBUG). */
static void core_sink(int lvl, const char *msg)
{
	emit(lvl < 0 ? KEYD_LOG_ERR : (enum keyd_log_level)lvl, msg);
}

void keyd_log_open(bool use_syslog, bool verbose)
{
	to_syslog = use_syslog;
	starting = use_syslog;
	debug = verbose;
	if (use_syslog)
		openlog("keyd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	os_user_log_set(core_sink);
}

void keyd_log_started(void)
{
	starting = false;
}

void keyd_log(enum keyd_log_level lvl, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit(lvl, buf);
}
