/* SPDX-License-Identifier: BSD-3-Clause */
/* log.c - leveled messages and the stack of recorded errors. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>

#include "log.h"
#include "rc.h"
#include "redact.h"

#define TAG "[HWENROLL-EST]"

static enum hwe_log_level level = HWE_LOG_ERROR;

/* The recorded errors, innermost (first recorded) at f[0], the top at
 * f[n - 1].  A layer that adds what it was doing records on top of the
 * cause; main() prints the top and lists the causes at INFO. */
#define ERR_DEPTH 8

struct err_frame {
	enum hwe_exit ex;
	enum hwe_status st;
	char msg[1024];
	char hint[512];
};

static struct {
	size_t n;
	struct err_frame f[ERR_DEPTH];
} stk;

static struct err_frame *top(void)
{
	return stk.n ? &stk.f[stk.n - 1] : NULL;
}

static const struct {
	const char *name;
	int num;
} statuses[] = {
#define HWE_STATUS_ROW(n, v) { #n, v },
	HWE_STATUS_LIST(HWE_STATUS_ROW)
#undef HWE_STATUS_ROW
};

int hwe_log_parse_level(const char *s)
{
	static const struct {
		const char *name;
		enum hwe_log_level lvl;
	} names[] = {
		{ "ERROR", HWE_LOG_ERROR }, { "WARN", HWE_LOG_WARN },
		{ "WARNING", HWE_LOG_WARN }, { "INFO", HWE_LOG_INFO },
		{ "DEBUG", HWE_LOG_DEBUG },
	};
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return (int)names[i].lvl;
	return -1;
}

void hwe_log_set_level(enum hwe_log_level lvl)
{
	level = lvl;
}

int hwe_log_enabled(enum hwe_log_level lvl)
{
	return lvl <= level;
}

/* Print TAG, the level name and msg with any pin-value redacted: the
 * backstop behind the call sites, which show pkcs11: URIs through
 * hwe_redact_uri() already (redact.h). */
static void emit(const char *lvlname, const char *msg)
{
	char small[1024], *out = small;
	size_t need = 2 * strlen(msg) + 16;   /* "pin-value=REDACTED" may outgrow the PIN */

	if (need > sizeof(small) && !(out = malloc(need))) {
		fprintf(stderr, TAG " %s: (message not shown: out of memory)\n", lvlname);
		return;
	}
	hwe_redact_text(msg, out, out == small ? sizeof(small) : need);
	fprintf(stderr, TAG " %s: %s\n", lvlname, out);
	if (out != small)
		free(out);
}

void hwe_log(enum hwe_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "ERROR", "WARN", "INFO", "DEBUG" };
	char small[1024], *msg = small;
	va_list ap;
	int n;

	if (!hwe_log_enabled(lvl))
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(small) && (msg = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	} else if (!msg) {
		msg = small;   /* out of memory: the cut message */
	}
	emit(names[lvl], msg);
	if (msg != small)
		free(msg);
}

const char *hwe_sanitize(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t i, o = 0;

	if (buflen == 0)
		return buf;
	if (buflen < 4) {
		buf[0] = '\0';
		return buf;
	}
	for (i = 0; s && i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 1 >= buflen) {
			memcpy(buf + buflen - 4, "...", 4);
			return buf;
		}
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		else if (c < 0x20 || c >= 0x7f)
			c = '.';
		/* collapse runs of blanks so multi-line bodies stay on one line */
		if (c == ' ' && o > 0 && buf[o - 1] == ' ')
			continue;
		buf[o++] = (char)c;
	}
	while (o > 0 && buf[o - 1] == ' ')
		o--;
	buf[o] = '\0';
	return buf;
}

int hwe_err(enum hwe_exit ex, enum hwe_status st, const char *fmt, ...)
{
	char tmp[sizeof(stk.f[0].msg)];
	struct err_frame *f;
	va_list ap;

	if (stk.n == ERR_DEPTH) { /* keep the innermost cause, drop the next one */
		memmove(&stk.f[1], &stk.f[2], (ERR_DEPTH - 2) * sizeof(stk.f[0]));
		stk.n--;
	}
	f = &stk.f[stk.n++];
	f->ex = ex;
	f->st = st;
	f->hint[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	hwe_redact_text(tmp, f->msg, sizeof(f->msg));
	hwe_debug("error recorded: %s (%s)%s", f->msg, hwe_status_name(st),
		  stk.n > 1 ? " on top of its cause" : "");
	return ex;
}

int hwe_err_oom(void)
{
	return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
}

int hwe_err_context(const char *fmt, ...)
{
	const struct err_frame *cause = top();
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!cause)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "%s", what);
	/* the cause's exit class and status: the context does not change what failed */
	return hwe_err(cause->ex, cause->st, "%s: %s", what, cause->msg);
}

void hwe_err_hint(const char *fmt, ...)
{
	struct err_frame *f = top();
	char tmp[sizeof(stk.f[0].hint)];
	va_list ap;

	if (!f || f->hint[0])
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	hwe_redact_text(tmp, f->hint, sizeof(f->hint));
}

static int print_ossl_error(const char *str, size_t len, void *u)
{
	(void)u;
	(void)len;
	/* one line per error, ending in '\n' */
	hwe_log(HWE_LOG_DEBUG, "openssl: %.*s", (int)strcspn(str, "\n"), str);
	return 1;
}

int hwe_err_ossl(enum hwe_exit ex, enum hwe_status st, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char reason[256];

	if (e) {
		ERR_error_string_n(e, reason, sizeof(reason));
		hwe_err(ex, st, "%s: %s", what, reason);
	} else {
		hwe_err(ex, st, "%s", what);
	}
	if (hwe_log_enabled(HWE_LOG_DEBUG))
		ERR_print_errors_cb(print_ossl_error, NULL);
	ERR_clear_error();
	return ex;
}

int hwe_err_pending(void)
{
	return stk.n != 0;
}

enum hwe_exit hwe_err_code(void)
{
	return stk.n ? top()->ex : HWE_OK;
}

enum hwe_status hwe_err_status(void)
{
	return stk.n ? top()->st : HWE_ERR_GENERAL;
}

const char *hwe_err_message(void)
{
	return stk.n ? top()->msg : "";
}

/* the top's fix, else the nearest cause's: the fix of what really failed */
const char *hwe_err_hint_text(void)
{
	size_t i;

	for (i = stk.n; i > 0; i--)
		if (stk.f[i - 1].hint[0])
			return stk.f[i - 1].hint;
	return NULL;
}

size_t hwe_err_depth(void)
{
	return stk.n;
}

const char *hwe_err_cause(size_t i, enum hwe_status *st)
{
	if (i >= stk.n)
		return NULL;
	if (st)
		*st = stk.f[i].st;
	return stk.f[i].msg;
}

void hwe_err_clear(void)
{
	stk.n = 0;
}

const char *hwe_status_name(enum hwe_status st)
{
	return (unsigned)st < HWE_STATUS_COUNT ? statuses[st].name : "ERR_GENERAL";
}

int hwe_status_number(enum hwe_status st)
{
	return (unsigned)st < HWE_STATUS_COUNT ? statuses[st].num : -1000;
}

const char *hwe_exit_name(enum hwe_exit ex)
{
	static const char *const names[] = {
		"ok", "internal", "usage", "input file", "network", "TLS trust",
		"authentication", "server refusal", "pending", "invalid response",
		"issued certificate rejected", "key backend", "keystore",
		"deploy hook", "due", "expired or invalid", "no profile",
	};

	return (unsigned)ex < sizeof(names) / sizeof(names[0]) ? names[ex] : "unknown";
}

void hwe_report(const char *tag, enum hwe_status st, const char *msg, const char *hint)
{
	char m[1024], h[1024];

	hwe_redact_text(msg, m, sizeof(m));
	fprintf(stderr, TAG " %s: %s. Status: %d (%s)\n", tag, m, hwe_status_number(st), hwe_status_name(st));
	if (hint && *hint) {
		hwe_redact_text(hint, h, sizeof(h));
		fprintf(stderr, TAG " HINT: %s\n", h);
	}
}

void hwe_err_print(void)
{
	const struct err_frame *f = top();
	const char *hint = hwe_err_hint_text();
	size_t i;

	if (!f)
		return;
	fprintf(stderr, TAG " ERROR: %s. Status: %d (%s)\n", f->msg, hwe_status_number(f->st),
		hwe_status_name(f->st));
	if (hint)
		fprintf(stderr, TAG " HINT: %s\n", hint);
	for (i = stk.n - 1; i > 0; i--)
		hwe_info("caused by: %s. Status: %d (%s)", stk.f[i - 1].msg,
			 hwe_status_number(stk.f[i - 1].st), hwe_status_name(stk.f[i - 1].st));
}
