/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-renew.c - hwenroll renew: renew what is due, unattended, from each
 * alias's enrollment profile (certs/<alias>.profile).
 *
 * Due: less than a third of the certificate's lifetime left, or fewer
 * than --before DAYS days; --force: now.  Renewal is /simplereenroll over
 * mutual TLS with the current certificate and key (the enrollment job of
 * enroll.c); an expired certificate, or a server refusing it, falls back
 * to /simpleenroll with the profile's bootstrap credentials.  Network
 * errors and 5xx are retried within --retry-for.  Each alias gets one
 * result; the exit code is the worst of them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <openssl/x509.h>

#include "http.h"
#include "hwenroll.h"
#include "log.h"
#include "profile.h"
#include "rc.h"

#define LOCK_WAIT_S 30
#define BACKOFF_FIRST 2
#define BACKOFF_MAX 60

static const enum hwe_opt opts[] = {
	HWE_OPT_KEY_ALIAS, HWE_OPT_ALL, HWE_OPT_BEFORE, HWE_OPT_FORCE, HWE_OPT_REKEY, HWE_OPT_CHECK,
	HWE_OPT_RANDOM_DELAY, HWE_OPT_RETRY_FOR, HWE_OPT_DEPLOY_HOOK, HWE_OPT_HOOK_TIMEOUT, HWE_OPT_METRICS,
	HWE_OPT_SAVE, HWE_OPT_JSON, HWE_OPT_REKEY_ON_RENEW, HWE_OPT_URI, HWE_OPT_CSR_CONF, HWE_OPTS_DEVICE, HWE_OPTS_AUTH,
	HWE_OPT_AUTH_ALIAS, HWE_OPT_SERVER_URL, HWE_OPT_SERVER_DN, HWE_OPT_MAX_WAIT, HWE_OPT_TIMEOUT,
	HWE_OPT_CONNECT_TIMEOUT, HWE_OPT_TLS_GROUPS, HWE_OPTS_CSR, HWE_OPT_PROXY, HWE_OPT_PROXY_USER,
	HWE_OPT_PROXY_PASS_FILE, HWE_OPT_PROXY_CACERT, HWE_OPTS_ATTEST, HWE_OPTS_END
};
static const struct hwe_optnote notes[] = {
	{ HWE_OPT_KEY_ALIAS, "this alias (may be repeated); default (and --all): every alias" },
	{ HWE_OPT_ALL, "every alias with a certificate; one failing does not stop the others" },
	{ HWE_OPT_BEFORE, "due when fewer than DAYS days remain (default: the profile's, else when less than a third of the certificate's lifetime remains)" },
	{ HWE_OPT_FORCE, "renew now, due or not" },
	{ HWE_OPT_REKEY, "renew with a new key (the profile's --rekey-on-renew does it always)" },
	{ HWE_OPT_CHECK, "change nothing, contact nobody: exit 0 if nothing is due, 14 if an alias is due, 15 if a certificate is expired or invalid" },
	{ HWE_OPT_RANDOM_DELAY, "first sleep a random time in [0, S) (only when something is due)" },
	{ HWE_OPT_RETRY_FOR, "retry network errors and 5xx (503 Retry-After) with backoff for up to S seconds (default 300; 0: no retry)" },
	{ HWE_OPT_DEPLOY_HOOK, "run after a new certificate is committed (default: the profile's)" },
	{ HWE_OPT_SAVE, "store the options given here in the alias's profile" },
	{ HWE_OPT_JSON, "one JSON record per alias (an array)" },
	{ HWE_OPT_REKEY_ON_RENEW, "with --save: renew with a new key each time" },
	{ HWE_OPTS_END, NULL },
};
static const struct hwe_usage usage = {
	.name = "renew",
	.synopsis = "renew [--key-alias A]... [--all] [--before DAYS] [--rekey] [--force] [--check] "
		    "[--random-delay SECONDS] [--retry-for SECONDS] [--deploy-hook CMD] [--metrics FILE] [--json]",
	.summary = "Renew each alias that is due, from the profile its enrollment stored; nothing due: no network.",
	.opts = opts,
	.notes = notes,
	.footer = "The --uri, key device, auth, TLS and CSR options are as for enroll; they override the\n"
		  "profile for this run (with --save, for later runs too).\n",
	.multi_alias = 1,
};

enum result {
	R_NOT_DUE,
	R_DUE,          /* --check */
	R_RENEWED,
	R_HOOK_FAILED,  /* renewed, hook failed */
	R_FAILED,
	R_EXPIRED,      /* --check, or renew without a fallback */
	R_NO_PROFILE,
	R_SKIPPED,      /* --all: a key without a certificate */
};

static const char *const result_names[] = {
	[R_NOT_DUE] = "not-due", [R_DUE] = "due", [R_RENEWED] = "renewed",
	[R_HOOK_FAILED] = "renewed-hook-failed", [R_FAILED] = "failed", [R_EXPIRED] = "expired",
	[R_NO_PROFILE] = "no-profile", [R_SKIPPED] = "skipped",
};

struct rec {
	const char *alias;
	enum result result;
	int code;                    /* exit code of this alias */
	enum hwe_status status;
	char msg[1024];
	char hint[1024];
	long long not_before, not_after, due_at;
	long long new_not_after;
	const char *op;              /* what was sent: "simplereenroll", "simpleenroll", or NULL */
	int fallback;
	int rekeyed;
	int attempts;
	/* the state (req/<alias>.state) after this run */
	long long last_attempt, last_success;
	int last_result;
	int have_state;
};

static long long asn1_unix(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (long long)timegm(&tm);
}

static const char *iso(long long t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "-");
	return buf;
}

static const char *span(long long s, char *buf, size_t n)
{
	if (s < 0)
		s = -s;
	if (s >= 86400)
		snprintf(buf, n, "%lld d %lld h", s / 86400, (s % 86400) / 3600);
	else if (s >= 3600)
		snprintf(buf, n, "%lld h %lld min", s / 3600, (s % 3600) / 60);
	else
		snprintf(buf, n, "%lld s", s);
	return buf;
}

/* take over the recorded error as this alias's result */
static void take_error(struct rec *r, enum result res)
{
	const char *h = hwe_err_hint_text();

	r->result = res;
	r->code = hwe_err_pending() ? (int)hwe_err_code() : HWE_EXIT_INTERNAL;
	r->status = hwe_err_status();
	snprintf(r->msg, sizeof(r->msg), "%s", hwe_err_pending() ? hwe_err_message() : "failed");
	snprintf(r->hint, sizeof(r->hint), "%s", h ? h : "");
	hwe_err_clear();
}

/* ---- state: req/<alias>.state ------------------------------------------ */

static void state_load(const struct hwe_keystore *ks, struct rec *r)
{
	unsigned char *d = NULL;
	size_t len = 0;
	char name[128], *line, *next;

	snprintf(name, sizeof(name), "%s.state", r->alias);
	if (!hwe_keystore_exists(ks, "req", name))
		return;
	if (hwe_keystore_read(ks, "req", name, &d, &len) != HWE_OK) {
		hwe_warn("alias '%s': renewal state req/%s unreadable: %s", r->alias, name,
			 hwe_err_message());
		hwe_err_clear();
		return;
	}
	for (line = (char *)d; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "last_attempt=", 13))
			r->last_attempt = strtoll(line + 13, NULL, 10);
		else if (!strncmp(line, "last_success=", 13))
			r->last_success = strtoll(line + 13, NULL, 10);
		else if (!strncmp(line, "last_result=", 12))
			r->last_result = atoi(line + 12);
	}
	r->have_state = 1;
	OPENSSL_clear_free(d, len);
}

static void state_store(struct hwe_keystore *ks, struct rec *r)
{
	struct hwe_ks_lock *lk = NULL;
	struct hwe_ks_txn *t = NULL;
	char name[128], text[256];
	int n;

	snprintf(name, sizeof(name), "%s.state", r->alias);
	n = snprintf(text, sizeof(text), "last_attempt=%lld\nlast_success=%lld\nlast_result=%d\n",
		     r->last_attempt, r->last_success, r->last_result);
	if (hwe_keystore_lock(ks, r->alias, LOCK_WAIT_S, &lk) != HWE_OK ||
	    hwe_keystore_txn_begin(ks, r->alias, &t) != HWE_OK ||
	    hwe_keystore_txn_put(t, "req", name, text, (size_t)n, 0600) != HWE_OK ||
	    hwe_keystore_txn_commit(t) != HWE_OK) {
		hwe_warn("alias '%s': could not store the renewal state req/%s: %s", r->alias, name,
			 hwe_err_message());
		hwe_err_clear();
	}
	hwe_keystore_txn_free(t);
	hwe_keystore_unlock(lk);
	r->have_state = 1;
}

/* ---- one renewal attempt, with retries ------------------------------ */

/* a network error, or a 5xx answer to the POST: worth another try in this
 * run; *wait_s is the server's Retry-After, if it gave one */
static int retryable(int ret, const struct hwe_est_answer *a, long *wait_s)
{
	*wait_s = -1;
	if (ret == HWE_EXIT_NETWORK)
		return 1;
	if (ret != HWE_EXIT_REFUSED || a->status < 500 || a->status > 599)
		return 0;
	*wait_s = a->retry_after;
	return 1;
}

static long jitter(long s)
{
	unsigned int r = 0;

	if (s <= 0)
		return 0;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)getpid();
	return (long)(r % (unsigned long)s);
}

static int attempt(struct hwe_ctx *ctx, const struct hwe_args *a, int op, long retry_for,
		   struct hwe_enroll_res *res, struct rec *r)
{
	long long deadline = (long long)time(NULL) + retry_for;
	long backoff = BACKOFF_FIRST, wait, ra;
	int ret;

	for (;;) {
		r->attempts++;
		ret = hwe_enroll_job(ctx, a, op, res);
		if (ret == HWE_OK || res->committed || !retryable(ret, &res->answer, &ra))
			return ret;
		wait = ra >= 0 ? (ra < 1 ? 1 : ra) : backoff + jitter(backoff / 2 + 1);
		if ((long long)time(NULL) + wait > deadline) {
			if (retry_for > 0)
				hwe_warn("alias '%s': giving up after %d attempt(s): --retry-for %ld s is used up",
					 r->alias, r->attempts, retry_for);
			return ret;
		}
		hwe_warn("alias '%s': %s; trying again in %ld s (attempt %d, --retry-for %ld s)",
			 r->alias, hwe_err_message(), wait, r->attempts + 1, retry_for);
		hwe_err_clear();
		sleep((unsigned int)wait);
		if (backoff < BACKOFF_MAX)
			backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
	}
}

/* bootstrap credentials for /simpleenroll: a password source or a bootstrap alias */
static int has_bootstrap(const struct hwe_args *a)
{
	return (a->net.pass_file || a->net.pass || a->enroll.auth_alias) && a->enroll.csr_conf;
}

/* the server would not take the current certificate as a TLS client
 * certificate (handshake refused, or 401/403 on /simplereenroll) */
static int refused_client_cert(int ret)
{
	const char *m = hwe_err_message();

	if (ret == HWE_EXIT_TLS || ret == HWE_EXIT_AUTH)
		return 1;
	return ret == HWE_EXIT_REFUSED && m && (strstr(m, "HTTP 401") || strstr(m, "HTTP 403"));
}

struct run {
	struct hwe_ctx *ctx;
	const struct hwe_opts *o;
	struct hwe_keystore *ks;
	int check, force, json, all;
	long retry_for;
	long random_delay;
	int slept;
};

static void renew_one(struct run *run, const char *alias, struct rec *r)
{
	struct hwe_opts o2;
	struct hwe_profile *prof = NULL;
	struct hwe_enroll_res res = { 0 };
	X509 *cert = NULL;
	STACK_OF(X509) *chain = NULL;
	long long now = (long long)time(NULL);
	long before;
	int ret, op = HWE_EST_SIMPLEREENROLL, expired;

	memset(r, 0, sizeof(*r));
	r->alias = alias;
	state_load(run->ks, r);
	if (hwe_keystore_alias_valid(alias)) {
		take_error(r, R_FAILED);
		return;
	}
	if (hwe_cmd_load_cert(run->ks, alias, &cert, &chain) != HWE_OK) {
		if (run->all && hwe_err_status() == HWE_ERR_KEYSTORE_NO_ALIAS) {
			hwe_err_clear();
			r->result = R_SKIPPED;
			snprintf(r->msg, sizeof(r->msg), "no certificate (a key only): nothing to renew");
			goto out;
		}
		take_error(r, run->check ? R_EXPIRED : R_FAILED);
		if (run->check)
			r->code = HWE_EXIT_EXPIRED;
		goto out;
	}
	r->not_before = asn1_unix(X509_get0_notBefore(cert));
	r->not_after = asn1_unix(X509_get0_notAfter(cert));
	if (hwe_profile_load(run->ks, alias, &prof) != HWE_OK) {
		if (hwe_err_status() != HWE_ERR_KEYSTORE_NO_ALIAS) {
			take_error(r, R_FAILED);
			goto out;
		}
		hwe_err_clear();
	}
	/* the profile, overridden by this command line, read once: for the
	 * renewal window and the renewal (a value it cannot use is this
	 * alias's failure, due or not) */
	o2 = *run->o;
	o2.val[HWE_OPT_KEY_ALIAS] = o2.a.alias = alias;
	if (prof && hwe_profile_apply(prof, alias, &o2) != HWE_OK) {
		hwe_err_hint("fix that line of certs/%s%s, or pass the option here with --save", alias,
			     HWE_PROFILE_SUFFIX);
		take_error(r, R_FAILED);
		goto out;
	}
	before = o2.a.enroll.before_days;
	if (before >= 0)
		r->due_at = r->not_after - (long long)before * 86400;
	else
		r->due_at = r->not_after - (r->not_after - r->not_before) / 3;
	expired = now >= r->not_after || now < r->not_before;

	if (run->check) {
		char a[32], b[32];

		if (expired) {
			r->result = R_EXPIRED;
			r->code = HWE_EXIT_EXPIRED;
			r->status = HWE_ERR_RENEW_EXPIRED;
			snprintf(r->msg, sizeof(r->msg), "the certificate of alias '%s' is %s (valid %s to %s)",
				 alias, now < r->not_before ? "not yet valid" : "expired",
				 iso(r->not_before, a, sizeof(a)), iso(r->not_after, b, sizeof(b)));
			snprintf(r->hint, sizeof(r->hint), "run: hwenroll renew --key-alias %s", alias);
		} else if (run->force || now >= r->due_at) {
			r->result = R_DUE;
			r->code = HWE_EXIT_DUE;
			r->status = HWE_ERR_RENEW_DUE;
			snprintf(r->msg, sizeof(r->msg), "alias '%s' is due for renewal since %s", alias,
				 iso(r->due_at, a, sizeof(a)));
			snprintf(r->hint, sizeof(r->hint), "run: hwenroll renew --key-alias %s", alias);
		} else {
			r->result = R_NOT_DUE;
		}
		goto out;
	}
	if (!run->force && now < r->due_at) {
		r->result = R_NOT_DUE;
		/* no network; but a device key an interrupted rekey left is removed now */
		if (prof && hwe_enroll_sweep(run->ks, &o2.a.dev, alias) != HWE_OK) {
			hwe_warn("alias '%s': %s", alias, hwe_err_message());
			hwe_err_clear();
		}
		goto out;
	}
	if (!prof && !run->o->a.net.uri) {
		r->result = R_NO_PROFILE;
		r->code = HWE_EXIT_PROFILE;
		r->status = HWE_ERR_KEYSTORE_NO_PROFILE;
		snprintf(r->msg, sizeof(r->msg),
			 "alias '%s' is due but has no enrollment profile (certs/%s%s): it was enrolled before renew existed",
			 alias, alias, HWE_PROFILE_SUFFIX);
		snprintf(r->hint, sizeof(r->hint),
			 "pass what the renewal needs once and store it: hwenroll renew --key-alias %s --uri URL [--tcti STR | --pkcs11-module PATH --pin-file FILE] [--csr-conf NAME --estc-user U --estc-pass-file F] --save",
			 alias);
		goto out;
	}

	if (!o2.a.enroll.rekey && o2.a.enroll.rekey_on_renew &&
	    hwe_opts_set(&o2, HWE_OPT_REKEY, "1", HWE_SRC_PROFILE, "the profile's rekey-on-renew") != HWE_OK) {
		take_error(r, R_FAILED);
		goto out;
	}
	/* evidence certifies a new key: a renewal with the same key keeps the
	 * attestation record it has and sends none */
	if (o2.a.attest.on && !o2.a.enroll.rekey) {
		hwe_debug("alias '%s': same key, so no new attestation (the record stays)", alias);
		hwe_opts_unset(&o2, HWE_OPT_ATTEST);
	}
	res.profile = run->o->a.renew.save ? &o2 : NULL;
	res.quiet = 1;

	if (run->random_delay > 0 && !run->slept) {
		long d = jitter(run->random_delay);

		hwe_info("sleeping %ld s first (--random-delay %ld)", d, run->random_delay);
		sleep((unsigned int)d);
		run->slept = 1;
	}
	r->last_attempt = (long long)time(NULL);
	if (expired) {
		char a[32];

		if (!has_bootstrap(&o2.a)) {
			r->result = R_EXPIRED;
			r->code = HWE_EXIT_EXPIRED;
			r->status = HWE_ERR_RENEW_EXPIRED;
			snprintf(r->msg, sizeof(r->msg),
				 "the certificate of alias '%s' %s %s: the server will not take it for /simplereenroll, and the profile has no bootstrap credentials",
				 alias, now < r->not_before ? "is not valid before" : "expired",
				 iso(now < r->not_before ? r->not_before : r->not_after, a, sizeof(a)));
			snprintf(r->hint, sizeof(r->hint),
				 "enroll it again: hwenroll enroll --key-alias %s --uri URL --csr-conf NAME --estc-user U --estc-pass-file F (or store a bootstrap credential: hwenroll renew --key-alias %s --csr-conf NAME --estc-pass-file F --save)",
				 alias, alias);
			goto attempted;
		}
		hwe_warn("alias '%s': the certificate expired %s: falling back to /simpleenroll with the profile's bootstrap credentials",
			 alias, iso(r->not_after, a, sizeof(a)));
		op = HWE_EST_SIMPLEENROLL;
		r->fallback = 1;
	}
	r->op = op == HWE_EST_SIMPLEENROLL ? "simpleenroll" : "simplereenroll";
	ret = attempt(run->ctx, &o2.a, op, run->retry_for, &res, r);
	if (ret && !res.committed && op == HWE_EST_SIMPLEREENROLL && refused_client_cert(ret) &&
	    has_bootstrap(&o2.a)) {
		hwe_warn("alias '%s': the server refused the client certificate (%s): falling back to /simpleenroll with the profile's bootstrap credentials",
			 alias, hwe_err_message());
		hwe_err_clear();
		op = HWE_EST_SIMPLEENROLL;
		r->fallback = 1;
		r->op = "simpleenroll";
		ret = attempt(run->ctx, &o2.a, op, run->retry_for, &res, r);
	}
	if (res.committed) {
		r->new_not_after = res.not_after;
		r->rekeyed = res.rekeyed;
		r->last_success = (long long)time(NULL);
	}
	if (ret == HWE_OK) {
		r->result = R_RENEWED;
	} else if (res.committed) {
		take_error(r, R_HOOK_FAILED);
	} else if (ret == HWE_EXIT_PENDING) { /* an outcome: nothing was recorded */
		r->result = R_FAILED;
		r->code = HWE_EXIT_PENDING;
		r->status = HWE_ERR_EST_PENDING;
		hwe_est_pending_text(&res.pending, r->msg, sizeof(r->msg), r->hint, sizeof(r->hint));
	} else {
		if (ret == HWE_EXIT_TLS && op == HWE_EST_SIMPLEREENROLL && !has_bootstrap(&o2.a))
			hwe_err_hint("if the server no longer accepts this certificate, enroll again: hwenroll enroll --key-alias %s --uri URL --csr-conf NAME --estc-user U --estc-pass-file F",
				     alias);
		take_error(r, R_FAILED);
	}
attempted:
	r->last_result = r->code;
	state_store(run->ks, r);
out:
	hwe_profile_free(prof);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
}

/* ---- output ------------------------------------------------------------- */

static void print_rec(const struct rec *r, int json, int first)
{
	char a[32], b[32], c[32], d[32];
	long long now = (long long)time(NULL);

	if (json) {
		printf("%s{\"alias\":", first ? "" : ",");
		hwe_json_str(r->alias);
		printf(",\"result\":\"%s\",\"exit_code\":%d", result_names[r->result], r->code);
		if (r->not_after)
			printf(",\"not_after\":\"%s\",\"due_at\":\"%s\",\"due\":%s",
			       iso(r->not_after, a, sizeof(a)), iso(r->due_at, b, sizeof(b)),
			       now >= r->due_at ? "true" : "false");
		printf(",\"operation\":");
		if (r->op)
			hwe_json_str(r->op);
		else
			printf("null");
		printf(",\"fallback\":%s,\"rekeyed\":%s,\"attempts\":%d", r->fallback ? "true" : "false",
		       r->rekeyed ? "true" : "false", r->attempts);
		if (r->new_not_after)
			printf(",\"new_not_after\":\"%s\"", iso(r->new_not_after, c, sizeof(c)));
		if (r->msg[0]) {
			printf(",\"message\":");
			hwe_json_str(r->msg);
		}
		if (r->hint[0]) {
			printf(",\"hint\":");
			hwe_json_str(r->hint);
		}
		printf("}");
		return;
	}
	switch (r->result) {
	case R_NOT_DUE:
		printf("%s: not due; valid until %s, due at %s (in %s)\n", r->alias,
		       iso(r->not_after, a, sizeof(a)), iso(r->due_at, b, sizeof(b)),
		       span(r->due_at - now, c, sizeof(c)));
		break;
	case R_DUE:
		printf("%s: due since %s; valid until %s\n", r->alias, iso(r->due_at, a, sizeof(a)),
		       iso(r->not_after, b, sizeof(b)));
		break;
	case R_RENEWED:
	case R_HOOK_FAILED:
		printf("%s: renewed (%s%s, %s); valid until %s%s%s\n", r->alias, r->op,
		       r->fallback ? ", fallback" : "", r->rekeyed ? "new key" : "same key",
		       iso(r->new_not_after, d, sizeof(d)),
		       r->result == R_HOOK_FAILED ? "; deploy hook failed: " : "",
		       r->result == R_HOOK_FAILED ? r->msg : "");
		break;
	case R_SKIPPED:
		printf("%s: skipped: %s\n", r->alias, r->msg);
		break;
	default:
		printf("%s: %s (%s): %s\n", r->alias, r->result == R_FAILED ? "FAILED" : result_names[r->result],
		       hwe_exit_name((enum hwe_exit)r->code), r->msg);
		break;
	}
}

/* worse results win the exit code: hook < pending < due < no profile <
 * failure < expired */
static int rank(int code)
{
	switch (code) {
	case HWE_OK:
		return 0;
	case HWE_EXIT_HOOK:
		return 1;
	case HWE_EXIT_PENDING:
		return 2;
	case HWE_EXIT_DUE:
		return 3;
	case HWE_EXIT_PROFILE:
		return 4;
	case HWE_EXIT_EXPIRED:
		return 6;
	default:
		return 5;
	}
}

static void metrics_line(FILE *f, const char *name, const char *alias, long long v)
{
	fprintf(f, "%s{alias=\"%s\"} %lld\n", name, alias, v);
}

/* the Prometheus text file: temp file + fsync + rename in its directory */
static int write_metrics(const char *path, const struct rec *recs, int n)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd = -1, i, ret = HWE_EXIT_INPUT;
	size_t len = strlen(path) + 32;
	static const struct {
		const char *name, *help;
	} m[] = {
		{ "hwenroll_certificate_not_after_seconds", "notAfter of the alias's certificate (Unix time)" },
		{ "hwenroll_renew_due_seconds", "when the alias is due for renewal (Unix time)" },
		{ "hwenroll_renew_last_attempt_seconds", "last renewal attempt (Unix time, 0: never)" },
		{ "hwenroll_renew_last_success_seconds", "last successful renewal (Unix time, 0: never)" },
		{ "hwenroll_renew_last_result", "exit code of the last renewal attempt (0: success)" },
	};
	size_t k;

	if (!(tmp = malloc(len)))
		return hwe_err_oom();
	snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED, "cannot write metrics file '%s': %s",
			tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", m[k].name, m[k].help, m[k].name);
		for (i = 0; i < n; i++) {
			const struct rec *r = &recs[i];
			long long v;

			if (r->result == R_SKIPPED || (!r->not_after && k < 2))
				continue;
			if (k >= 2 && !r->have_state)
				continue;
			v = k == 0 ? (r->new_not_after ? r->new_not_after : r->not_after) :
			    k == 1 ? r->due_at : k == 2 ? r->last_attempt : k == 3 ? r->last_success :
			    r->last_result;
			metrics_line(f, m[k].name, r->alias, v);
		}
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED, "cannot write metrics file '%s': %s",
			tmp, strerror(errno));
		goto out;
	}
	fclose(f);
	f = NULL;
	if (rename(tmp, path) != 0) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED, "cannot rename '%s' to '%s': %s", tmp,
			path, strerror(errno));
		goto out;
	}
	ret = HWE_OK;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (ret != HWE_OK)
		unlink(tmp);
	free(tmp);
	return ret;
}

int cmd_renew(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	struct run run = { 0 };
	char **aliases = NULL;
	const char *const *list;
	struct rec *recs = NULL;
	int ret, i, n, worst = -1;

	ret = hwe_cmd_parse(argc, argv, ctx, &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	run.ctx = ctx;
	run.o = &o;
	run.check = o.a.renew.check;
	run.force = o.a.force;
	run.json = o.a.json;
	if (o.a.renew.naliases && o.a.renew.all)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "--key-alias and --all both given; use one");
	if (run.check && o.a.renew.save)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "--check changes nothing: --save does not apply");
	if (o.a.renew.save && !o.a.renew.naliases)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "--save needs --key-alias A (the profile to store)");
	run.retry_for = o.a.renew.retry_for_s;
	run.random_delay = o.a.renew.random_delay_s;
	if (run.check)
		run.random_delay = 0;
	if ((ret = hwe_cmd_keystore(ctx, 0, &run.ks)))
		goto out;
	if (o.a.renew.naliases) {
		list = o.a.renew.aliases;
		n = o.a.renew.naliases;
	} else {
		run.all = 1;
		if ((ret = hwe_keystore_aliases(run.ks, &aliases)))
			goto out;
		list = (const char *const *)aliases;
		for (n = 0; aliases[n]; n++)
			;
	}
	if (!(recs = calloc((size_t)(n ? n : 1), sizeof(*recs)))) {
		ret = hwe_err_oom();
		goto out;
	}
	if (run.json)
		printf("[");
	for (i = 0; i < n; i++) {
		renew_one(&run, list[i], &recs[i]);
		print_rec(&recs[i], run.json, i == 0);
		fflush(stdout);
		if (recs[i].code && recs[i].result != R_DUE && (n > 1 || run.check))
			hwe_log(run.check ? HWE_LOG_INFO : HWE_LOG_WARN, "alias '%s': %s", recs[i].alias,
				recs[i].msg);
		if (worst < 0 || rank(recs[i].code) > rank(recs[worst].code))
			worst = i;
	}
	if (run.json)
		printf("]\n");
	else if (!n)
		fprintf(stderr, "keystore '%s' holds no aliases\n", hwe_keystore_dir(run.ks));
	fflush(stdout);
	ret = HWE_OK;
	if (o.a.renew.metrics && (ret = write_metrics(o.a.renew.metrics, recs, n)))
		goto out;
	if (worst >= 0 && recs[worst].code) {
		const struct rec *w = &recs[worst];

		char msg[sizeof(w->msg) + 96];

		ret = w->code;
		if (n > 1)
			snprintf(msg, sizeof(msg), "%s (alias '%s'; worst of %d)", w->msg, w->alias, n);
		else
			snprintf(msg, sizeof(msg), "%s", w->msg);
		if (w->code == HWE_EXIT_PENDING) { /* an outcome, reported as one */
			hwe_report("PENDING", w->status, msg, w->hint);
		} else {
			hwe_err((enum hwe_exit)w->code, w->status, "%s", msg);
			if (w->hint[0])
				hwe_err_hint("%s", w->hint);
		}
	}
out:
	free(recs);
	hwe_keystore_aliases_free(aliases);
	hwe_keystore_close(run.ks);
	return ret;
}
