/* SPDX-License-Identifier: BSD-3-Clause */
/* est.h - EST (RFC 7030) operations on top of http.h. */
#ifndef HWE_EST_H
#define HWE_EST_H

#include <openssl/x509.h>

#include "http.h"

enum hwe_est_op {
	HWE_EST_NONE = -1,
	HWE_EST_CACERTS = 0,
	HWE_EST_CSRATTRS,
	HWE_EST_SIMPLEENROLL,
	HWE_EST_SIMPLEREENROLL,
};

const char *hwe_est_op_name(enum hwe_est_op op);
enum hwe_est_op hwe_est_op_from_name(const char *seg);

/* Parsed EST URL: https://host[:port]/.well-known/est[/label...][/op] */
struct hwe_est_url {
	char *base;            /* "https://host:port/.well-known/est/label..." (no trailing '/', no op) */
	char *host;            /* host as written (IPv6 without brackets) */
	enum hwe_est_op op;    /* the op segment the URL ended with, or HWE_EST_NONE */
};

/* Validate and split a URL.  Usage errors (HWE_EXIT_USAGE, ERR_BAD_URI)
 * naming what is wrong: no scheme, not https, no host, bad port, no
 * /.well-known/est path, query or fragment, empty segments. */
int hwe_est_url_parse(const char *url, struct hwe_est_url *out);
void hwe_est_url_clear(struct hwe_est_url *u);
/* base + "/" + op, malloc'd */
char *hwe_est_url_for(const struct hwe_est_url *u, enum hwe_est_op op);

struct hwe_est_enroll_opts {
	long max_wait_s;       /* total time to wait on 202 answers before giving up (HWE_EXIT_PENDING) */
	/* test hook: sleep function (NULL = real sleep) */
	void (*sleep_fn)(long seconds);
	const char *req_dir;   /* "<ks>/req/" for the pending hint; may be NULL */
	/* proof-of-possession: called before a POST whenever the connection's
	 * channel binding is not the one *req carries (the first POST, and a
	 * connection replaced after a 202 wait or a close); it binds and signs
	 * *req again.  NULL: the request is sent as it is. */
	int (*bind)(void *arg, const struct hwe_http_binding *b, X509_REQ *req);
	void *bind_arg;
	const struct hwe_http_binding *bound;   /* the binding req already carries, or NULL */
	/* out: why the request is still pending when hwe_est_enroll returns
	 * HWE_EXIT_PENDING (an outcome, not an error: nothing is recorded) */
	struct hwe_est_pending *pending;
	/* out: the last answer's HTTP status and Retry-After (seconds, -1
	 * none or unreadable), for a caller that retries (renew) */
	struct hwe_est_answer *answer;
};

struct hwe_est_answer {
	long status;            /* 0: no answer */
	long retry_after;
};

/* A request the server has accepted but not yet answered (202). */
struct hwe_est_pending {
	char why[160];          /* "HTTP 202 without Retry-After", "Retry-After: 60 s exceeds ..." */
	long delay;             /* seconds until it is worth asking again, -1 unknown */
	char req_dir[512];      /* where the saved request waits */
};
/* Report a pending request on stderr in the error format, tagged PENDING,
 * with the status ERR_EST_PENDING and when to run again. */
void hwe_est_pending_print(const struct hwe_est_pending *p);
/* The same as a message and a hint (renew's per-alias record). */
void hwe_est_pending_text(const struct hwe_est_pending *p, char *msg, size_t msglen, char *hint,
			  size_t hintlen);

/* GET /cacerts -> certificates (at least one) */
int hwe_est_cacerts(struct hwe_http *h, const struct hwe_est_url *u, STACK_OF(X509) **out);
/* GET /csrattrs -> DER (may be empty: 204 or empty body) */
int hwe_est_csrattrs(struct hwe_http *h, const struct hwe_est_url *u,
		     unsigned char **der, size_t *len);
/* POST /simpleenroll or /simplereenroll; handles 202 + Retry-After within
 * opts->max_wait_s.  Returns the certificates of the response (issued first
 * if identifiable; see hwe_certcheck). */
int hwe_est_enroll(struct hwe_http *h, const struct hwe_est_url *u, enum hwe_est_op op,
		   X509_REQ *req, const struct hwe_est_enroll_opts *opts,
		   STACK_OF(X509) **out);

/* Classify a non-2xx response into the recorded error (auth, refused, ...),
 * including a sanitized, truncated excerpt of the server's error body.
 * what names the operation ("simpleenroll"), may be NULL.  A 401 is told
 * apart with resp->creds_given / resp->creds_sent (set by http.c). */
int hwe_est_http_error(const char *what, const struct hwe_http_resp *resp);

#endif
