/* SPDX-License-Identifier: BSD-3-Clause */
/* est.c - EST (RFC 7030) URLs and operations: cacerts, csrattrs, (re)enroll. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "est.h"
#include "http.h"
#include "log.h"
#include "pkcs7.h"
#include "rc.h"

#define EST_PREFIX "/.well-known/est"
#define MAX_URL_LEN 2048
#define MAX_202_ROUNDS 10
#define BODY_EXCERPT 200

static const char *const op_names[] = {
	[HWE_EST_CACERTS] = "cacerts",
	[HWE_EST_CSRATTRS] = "csrattrs",
	[HWE_EST_SIMPLEENROLL] = "simpleenroll",
	[HWE_EST_SIMPLEREENROLL] = "simplereenroll",
};

#define N_OPS ((int)(sizeof(op_names) / sizeof(op_names[0])))

const char *hwe_est_op_name(enum hwe_est_op op)
{
	return (int)op >= 0 && (int)op < N_OPS ? op_names[op] : NULL;
}

enum hwe_est_op hwe_est_op_from_name(const char *seg)
{
	int i;

	for (i = 0; seg && i < N_OPS; i++)
		if (strcmp(seg, op_names[i]) == 0)
			return (enum hwe_est_op)i;
	return HWE_EST_NONE;
}

/* ---------------------------------------------------------------------- */
/* URL                                                                      */

/* The URL for a message: a user:password@ in what looks like the
 * authority is never echoed (reporting only; libcurl parses the URL). */
static int url_shown(const char *url, char *out, size_t outlen)
{
	const char *auth = strstr(url, "://"), *end, *at;
	char rest[256];

	auth = auth ? auth + 3 : url;
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth))) {
		for (at = end; at[-1] != '@'; at--)
			;
		hwe_sanitize(at, strlen(at), rest, sizeof(rest));
		snprintf(out, outlen, "https://[redacted]@%s", rest);
		return 1;
	}
	hwe_sanitize(url, strlen(url), out, outlen);
	return 0;
}

static int bad_url(const char *url, const char *why)
{
	char shown[300];

	url_shown(url, shown, sizeof(shown));
	return hwe_err(HWE_EXIT_USAGE, HWE_ERR_BAD_URI, "invalid EST URL '%s': %s", shown, why);
}

/* pchar minus what we refuse: unreserved / pct-encoded / sub-delims / ":" / "@" */
static int path_char(int c)
{
	return isalnum(c) || (c && strchr("-._~%!$&'()*+,;=:@", c));
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* EST path rule (RFC 7030 3.2.2): segment [s, s+n) of the path after
 * /.well-known/est.  Checks percent-encoding and refuses dot segments,
 * written plainly or percent-encoded, and encoded slashes. */
static const char *check_segment(const char *s, size_t n)
{
	char dec[4];
	size_t i, d = 0;

	if (n == 0)
		return "empty path segment ('//')";
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (!path_char(c))
			return "invalid character in the path";
		if (c == '%') {
			if (i + 2 >= n)
				return "bad percent-encoding in the path";
			if (hexval((unsigned char)s[i + 1]) < 0 || hexval((unsigned char)s[i + 2]) < 0)
				return "bad percent-encoding in the path";
			c = hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]);
			if (c == '/' || c == 0)
				return "encoded '/' or NUL in the path";
			i += 2;
		}
		if (d < sizeof(dec))
			dec[d] = (char)c;
		d++;
	}
	if ((d == 1 && dec[0] == '.') || (d == 2 && dec[0] == '.' && dec[1] == '.'))
		return "'.' or '..' path segment";
	return NULL;
}

/* libcurl's reason for refusing a URL, in the words of this program */
static const char *curl_reason(CURLUcode rc)
{
	switch (rc) {
	case CURLUE_BAD_SCHEME:
		return "no scheme (expected https://)";
	case CURLUE_NO_HOST:
		return "no host";
	case CURLUE_BAD_PORT_NUMBER:
		return "bad port (expected 1-65535)";
	case CURLUE_BAD_IPV6:
		return "bad IPv6 address";
	case CURLUE_BAD_HOSTNAME:
		return "invalid character in the host name";
	case CURLUE_BAD_LOGIN:
	case CURLUE_BAD_USER:
	case CURLUE_BAD_PASSWORD:
		return "credentials in the URL (user:pass@host) are not allowed";
	default:
		return curl_url_strerror(rc);
	}
}

/* The URL is parsed by libcurl (curl_url, CURLU_PATH_AS_IS: dot segments
 * reach the EST rules below instead of being resolved); what is ours is
 * what RFC 7030 and this program ask on top: https only, no credentials,
 * query or fragment, a port of 1-65535, the /.well-known/est prefix and
 * the label segments. */
int hwe_est_url_parse(const char *url, struct hwe_est_url *out)
{
	int ret = HWE_EXIT_USAGE;
	CURLU *cu = NULL;
	CURLUcode rc;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *part = NULL;
	const char *p, *err, *seg, *end, *last;
	char why[80], op[16];
	size_t n, plen, i, len;

	memset(out, 0, sizeof(*out));
	out->op = HWE_EST_NONE;
	if (!url || !*url)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_BAD_URI, "empty EST URL");
	if (strlen(url) > MAX_URL_LEN)
		return bad_url(url, "too long");
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return bad_url(url, "control character, space or non-ASCII character");
	if (!(cu = curl_url())) {
		ret = hwe_err_oom();
		goto out;
	}
	if ((rc = curl_url_set(cu, CURLUPART_URL, url, CURLU_PATH_AS_IS | CURLU_NON_SUPPORT_SCHEME))) {
		if (rc == CURLUE_OUT_OF_MEMORY) {
			ret = hwe_err_oom();
			goto out;
		}
		/* "a:p@ss@h" is a bad host name to libcurl */
		bad_url(url, url_shown(url, why, sizeof(why)) ?
			"credentials in the URL (user:pass@host) are not allowed" : curl_reason(rc));
		goto out;
	}
	if (curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0) || strcmp(scheme, "https") != 0) {
		bad_url(url, "not https");
		goto out;
	}
	if (!curl_url_get(cu, CURLUPART_USER, &part, 0) || !curl_url_get(cu, CURLUPART_PASSWORD, &part, 0) ||
	    !curl_url_get(cu, CURLUPART_OPTIONS, &part, 0)) {
		bad_url(url, "credentials in the URL (user:pass@host) are not allowed");
		goto out;
	}
	if (curl_url_get(cu, CURLUPART_HOST, &host, 0) || !*host || host[0] == '.') {
		bad_url(url, "no host");
		goto out;
	}
	/* libcurl decodes a percent-encoded host ("%e9"): what it decodes to
	 * must be a host name or address, ASCII without controls or spaces */
	for (i = 0; host[i]; i++) {
		if ((unsigned char)host[i] <= 0x20 || (unsigned char)host[i] >= 0x7f || host[i] == '%') {
			bad_url(url, "bad host name (percent-encoded or non-ASCII)");
			goto out;
		}
	}
	if (!curl_url_get(cu, CURLUPART_ZONEID, &part, 0)) {
		bad_url(url, "bad IPv6 address (a zone ID is not supported)");
		goto out;
	}
	if (!curl_url_get(cu, CURLUPART_PORT, &port, 0) && strtol(port, NULL, 10) < 1) {
		snprintf(why, sizeof(why), "bad port '%s'", port);
		bad_url(url, why);
		goto out;
	}
	if (!curl_url_get(cu, CURLUPART_QUERY, &part, 0)) {
		bad_url(url, "a query ('?') is not allowed");
		goto out;
	}
	if (!curl_url_get(cu, CURLUPART_FRAGMENT, &part, 0)) {
		bad_url(url, "a fragment ('#') is not allowed");
		goto out;
	}
	if (curl_url_get(cu, CURLUPART_PATH, &path, 0)) {
		ret = hwe_err_oom();
		goto out;
	}
	if (strncmp(path, EST_PREFIX, strlen(EST_PREFIX)) != 0 ||
	    (path[strlen(EST_PREFIX)] != '\0' && path[strlen(EST_PREFIX)] != '/')) {
		bad_url(url, "no /.well-known/est path: an EST operation needs a base URL");
		goto out;
	}
	end = path + strlen(path);
	if (end > path + strlen(EST_PREFIX) && end[-1] == '/')
		end--;          /* one trailing '/' is tolerated */
	/* label segments (any depth) and an optional trailing op */
	last = NULL;
	for (seg = path + strlen(EST_PREFIX); seg < end;) {
		const char *s = seg + 1, *e = memchr(s, '/', (size_t)(end - s));

		if (!e)
			e = end;
		if ((err = check_segment(s, (size_t)(e - s)))) {
			bad_url(url, err);
			goto out;
		}
		last = s;
		seg = e;
	}
	plen = (size_t)(end - path);
	if (last && (n = (size_t)(end - last)) < sizeof(op)) {
		memcpy(op, last, n);
		op[n] = '\0';
		if ((out->op = hwe_est_op_from_name(op)) != HWE_EST_NONE)
			plen = (size_t)(last - 1 - path);
	}
	/* the base: libcurl's rendering of the URL with the op cut off, from
	 * the parts libcurl parsed.  With no user, password, options, zone ID,
	 * query or fragment and no '%' in the host (all refused above),
	 * curl_url_get(CURLUPART_URL) renders scheme "://" host [":" port]
	 * path, and a path set with curl_url_set(CURLUPART_PATH) has its
	 * percent-encodings in lower case: the same string, without a second
	 * curl_url_set() and the URL rendering (about 8 k instructions) */
	n = strlen(host);
	len = sizeof("https://") - 1 + n + (port ? 1 + strlen(port) : 0) + plen + 1;
	if (!(out->base = malloc(len))) {
		ret = hwe_err_oom();
		goto out;
	}
	i = (size_t)snprintf(out->base, len, "https://%s%s%s", host, port ? ":" : "", port ? port : "");
	for (p = path; p < path + plen; p++) {
		out->base[i++] = *p;
		if (*p == '%' && p + 2 < path + plen && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])) {
			out->base[i++] = (char)tolower((unsigned char)p[1]);
			out->base[i++] = (char)tolower((unsigned char)p[2]);
			p += 2;
		}
	}
	out->base[i] = '\0';
	out->host = host[0] == '[' ? strndup(host + 1, n - 2) : strdup(host);
	if (!out->host) {
		ret = hwe_err_oom();
		goto out;
	}
	ret = HWE_OK;
out:
	if (ret)
		hwe_est_url_clear(out);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(part);
	curl_url_cleanup(cu);
	return ret;
}

void hwe_est_url_clear(struct hwe_est_url *u)
{
	if (!u)
		return;
	free(u->base);
	free(u->host);
	u->base = NULL;
	u->host = NULL;
	u->op = HWE_EST_NONE;
}

char *hwe_est_url_for(const struct hwe_est_url *u, enum hwe_est_op op)
{
	const char *name = hwe_est_op_name(op);
	size_t n;
	char *s;

	if (!u || !u->base || !name)
		return NULL;
	n = strlen(u->base) + strlen(name) + 2;
	if ((s = malloc(n)))
		snprintf(s, n, "%s/%s", u->base, name);
	return s;
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                   */

int hwe_est_http_error(const char *what, const struct hwe_http_resp *resp)
{
	char body[BODY_EXCERPT + 4], val[160], pre[64] = "";
	unsigned schemes = resp->auth_schemes;
	int ret;
	long delay;

	if (what)
		snprintf(pre, sizeof(pre), "%s: ", what);
	body[0] = '\0';
	if (resp->body && resp->len)
		hwe_sanitize((const char *)resp->body, resp->len, body, sizeof(body));
	if (resp->status == 401) {
		if (resp->token_sent) {
			/* RFC 6750 3.1: error="invalid_token" (wrong, expired, revoked) */
			hwe_http_bearer_error(resp->www_authenticate, val, sizeof(val));
			ret = hwe_err(HWE_EXIT_AUTH, HWE_ERR_HTTP_UNAUTHORIZED,
				      "%saccess token rejected by the server%s%s%s", pre,
				      val[0] ? " (error=\"" : "", val, val[0] ? "\")" : "");
			hwe_err_hint("check the Bearer token in --estc-token-file or EST_TOKEN: it may be wrong or expired");
			return ret;
		}
		if (resp->creds_sent) {
			ret = hwe_err(HWE_EXIT_AUTH, HWE_ERR_HTTP_UNAUTHORIZED,
				      "%scredentials rejected by the server", pre);
			hwe_err_hint("check EST_USERNAME and the password (EST_PASS or --estc-pass-file)");
			return ret;
		}
		if (resp->www_authenticate && !(schemes & (HWE_AUTH_BASIC | HWE_AUTH_DIGEST)) &&
		    !((schemes & HWE_AUTH_BEARER) && resp->token_given)) {
			hwe_sanitize(resp->www_authenticate, strlen(resp->www_authenticate), val,
				     sizeof(val));
			ret = hwe_err(HWE_EXIT_AUTH, HWE_ERR_HTTP_AUTH_SCHEME,
				      "%sserver asks for unsupported authentication scheme(s) '%s'",
				      pre, val);
			hwe_err_hint(schemes & HWE_AUTH_BEARER ?
				     "hwenroll answers Basic and Digest challenges, and Bearer with an access token: pass it with --estc-token-file FILE or EST_TOKEN" :
				     "hwenroll answers Basic and Digest challenges, or authenticates with a client certificate");
			return ret;
		}
		ret = hwe_err(HWE_EXIT_AUTH, HWE_ERR_HTTP_UNAUTHORIZED,
			      "%sserver requires authentication", pre);
		hwe_err_hint("set EST_PASS (and EST_USERNAME) or --estc-pass-file, or use a client certificate");
		return ret;
	}
	if (resp->status >= 300 && resp->status < 600) {
		if (resp->status == 503 && resp->retry_after) {
			hwe_sanitize(resp->retry_after, strlen(resp->retry_after), val, sizeof(val));
			ret = hwe_err(HWE_EXIT_REFUSED, HWE_ERR_HTTP_STATUS,
				      "%sserver refused the request: HTTP 503 (busy, Retry-After: %s)%s%s",
				      pre, val, body[0] ? ": " : "", body);
			if (hwe_http_parse_retry_after(resp->retry_after, time(NULL), &delay) == HWE_OK)
				hwe_err_hint("the server is busy: run the command again in %ld s", delay);
			return ret;
		}
		return hwe_err(HWE_EXIT_REFUSED, HWE_ERR_HTTP_STATUS,
			       "%sserver refused the request: HTTP %ld%s%s", pre, resp->status,
			       body[0] ? ": " : "", body);
	}
	return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE,
		       "%sunexpected HTTP %ld response from the server", pre, resp->status);
}

/* ---------------------------------------------------------------------- */
/* Operations                                                               */

static int get(struct hwe_http *h, const struct hwe_est_url *u, enum hwe_est_op op,
	       struct hwe_http_resp *resp)
{
	char *url = hwe_est_url_for(u, op);
	int ret;

	if (!url)
		return hwe_err_oom();
	ret = hwe_http_request(h, "GET", url, NULL, NULL, 0, resp);
	free(url);
	return ret;
}

int hwe_est_cacerts(struct hwe_http *h, const struct hwe_est_url *u, STACK_OF(X509) **out)
{
	struct hwe_http_resp resp;
	int ret;

	*out = NULL;
	if ((ret = get(h, u, HWE_EST_CACERTS, &resp)))
		return ret;
	if (resp.status != 200)
		ret = hwe_est_http_error("cacerts", &resp);
	else
		ret = hwe_pkcs7_decode_certs(resp.content_type, resp.body, resp.len, out);
	hwe_http_resp_clear(&resp);
	return ret;
}

static int blank(const unsigned char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isspace(b[i]))
			return 0;
	return 1;
}

int hwe_est_csrattrs(struct hwe_http *h, const struct hwe_est_url *u,
		     unsigned char **der, size_t *len)
{
	struct hwe_http_resp resp;
	int ret;

	*der = NULL;
	*len = 0;
	if ((ret = get(h, u, HWE_EST_CSRATTRS, &resp)))
		return ret;
	/* RFC 7030 4.5.2: 204 or 404 = no CSR attributes for this client */
	if (resp.status == 204 || resp.status == 404 ||
	    (resp.status == 200 && blank(resp.body, resp.len))) {
		hwe_info("server has no CSR attributes (HTTP %ld)", resp.status);
		ret = HWE_OK;
	} else if (resp.status != 200) {
		ret = hwe_est_http_error("csrattrs", &resp);
	} else {
		if (resp.content_type && strncasecmp(resp.content_type, "application/csrattrs", 20) != 0)
			hwe_warn("csrattrs: unexpected Content-Type '%s'", resp.content_type);
		ret = hwe_base64_decode((const char *)resp.body, resp.len, der, len);
	}
	hwe_http_resp_clear(&resp);
	return ret;
}

static void real_sleep(long s)
{
	struct timespec ts = { .tv_sec = s, .tv_nsec = 0 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* the server keeps the request: an outcome for the caller, not an error */
static int pending(const struct hwe_est_enroll_opts *opts, long delay, const char *why)
{
	struct hwe_est_pending *p = opts ? opts->pending : NULL;

	hwe_debug("request pending at the server (%s)", why);
	if (p) {
		snprintf(p->why, sizeof(p->why), "%s", why);
		p->delay = delay;
		snprintf(p->req_dir, sizeof(p->req_dir), "%s",
			 opts->req_dir ? opts->req_dir : "<keystore>/req/");
	}
	return HWE_EXIT_PENDING;
}

void hwe_est_pending_text(const struct hwe_est_pending *p, char *msg, size_t msglen, char *hint,
			  size_t hintlen)
{
	snprintf(msg, msglen, "request pending at the server (%s)", p->why);
	if (p->delay >= 0)
		snprintf(hint, hintlen, "run the same command again after %ld seconds; the saved request in %s is reused",
			 p->delay, p->req_dir);
	else
		snprintf(hint, hintlen, "run the same command again later; the saved request in %s is reused",
			 p->req_dir);
}

void hwe_est_pending_print(const struct hwe_est_pending *p)
{
	char msg[256], hint[768];

	hwe_est_pending_text(p, msg, sizeof(msg), hint, sizeof(hint));
	hwe_report("PENDING", HWE_ERR_EST_PENDING, msg, hint);
}

/* The request as the POST body: base64 of its DER. */
static int encode_req(X509_REQ *req, char **b64, size_t *b64len)
{
	unsigned char *der = NULL, *p;
	int derlen, ret;

	if ((derlen = i2d_X509_REQ(req, NULL)) <= 0 || !(der = OPENSSL_malloc((size_t)derlen)))
		return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot encode the CSR");
	p = der;
	i2d_X509_REQ(req, &p);
	ret = hwe_base64_encode(der, (size_t)derlen, b64, b64len);
	OPENSSL_free(der);
	return ret;
}

static int binding_changed(const struct hwe_http *h, const struct hwe_http_binding *used)
{
	struct hwe_http_binding now;

	return hwe_http_channel_binding(h, &now) == HWE_OK &&
	       (now.len != used->len || memcmp(now.data, used->data, now.len) != 0);
}

/* Bind req to the connection the next POST will use, unless it already is. */
static int bind_req(struct hwe_http *h, const struct hwe_est_enroll_opts *opts, X509_REQ *req,
		    struct hwe_http_binding *used, char **b64, size_t *b64len)
{
	struct hwe_http_binding now;
	int ret;

	if (hwe_http_channel_binding(h, &now) != HWE_OK)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "proof-of-possession: no TLS connection to bind the CSR to");
	if (*b64 && now.len == used->len && memcmp(now.data, used->data, now.len) == 0)
		return HWE_OK;
	if ((ret = opts->bind(opts->bind_arg, &now, req)))
		return ret;
	*used = now;
	free(*b64);
	*b64 = NULL;
	return encode_req(req, b64, b64len);
}

int hwe_est_enroll(struct hwe_http *h, const struct hwe_est_url *u, enum hwe_est_op op,
		   X509_REQ *req, const struct hwe_est_enroll_opts *opts,
		   STACK_OF(X509) **out)
{
	int ret = HWE_EXIT_INTERNAL, round, rebound = 0;
	struct hwe_http_resp resp = { 0 };
	struct hwe_http_binding used = { 0 };
	char *b64 = NULL, *url = NULL, why[160], ra[64];
	size_t b64len = 0;
	long max_wait = opts ? opts->max_wait_s : 0, waited = 0, delay;
	void (*sleep_fn)(long) = opts && opts->sleep_fn ? opts->sleep_fn : real_sleep;

	*out = NULL;
	if (op != HWE_EST_SIMPLEENROLL && op != HWE_EST_SIMPLEREENROLL)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "not an enrollment operation");
	if (!(url = hwe_est_url_for(u, op))) {
		ret = hwe_err_oom();
		goto out;
	}
	if (opts && opts->bind && opts->bound && (ret = encode_req(req, &b64, &b64len)))
		goto out;
	if (opts && opts->bind && opts->bound)
		used = *opts->bound;
	for (round = 1;; round++) {
		hwe_http_resp_clear(&resp);
		if (opts && opts->bind && (ret = bind_req(h, opts, req, &used, &b64, &b64len)))
			goto out;
		if (!b64 && (ret = encode_req(req, &b64, &b64len)))
			goto out;
		if ((ret = hwe_http_request(h, "POST", url, "application/pkcs10", b64, b64len,
					    &resp)))
			goto out;
		if (opts && opts->answer) {
			opts->answer->status = resp.status;
			if (!resp.retry_after ||
			    hwe_http_parse_retry_after(resp.retry_after, time(NULL), &opts->answer->retry_after))
				opts->answer->retry_after = -1;
		}
		if (opts && opts->bind && resp.status != 200 && resp.status != 202 && !rebound &&
		    binding_changed(h, &used)) {
			/* the request went out on a new connection (the kept one
			 * was closed): its binding is stale; bind it to this one */
			hwe_info("the connection was replaced during the request: binding the CSR to the new one and sending it again");
			rebound = 1;
			continue;
		}
		if (resp.status == 200) {
			ret = hwe_pkcs7_decode_certs(resp.content_type, resp.body, resp.len, out);
			goto out;
		}
		if (resp.status != 202) {
			ret = hwe_est_http_error(hwe_est_op_name(op), &resp);
			goto out;
		}
		if (!resp.retry_after) {
			ret = pending(opts, -1, "HTTP 202 without Retry-After");
			goto out;
		}
		if (hwe_http_parse_retry_after(resp.retry_after, time(NULL), &delay)) {
			hwe_sanitize(resp.retry_after, strlen(resp.retry_after), ra, sizeof(ra));
			snprintf(why, sizeof(why), "HTTP 202 with unreadable Retry-After '%s'", ra);
			ret = pending(opts, -1, why);
			goto out;
		}
		if (delay < 1)
			delay = 1;      /* never spin on "Retry-After: 0" */
		if (delay > max_wait - waited) {
			if (waited > 0)
				snprintf(why, sizeof(why),
					 "still pending after waiting %ld s; Retry-After: %ld s would exceed --max-wait %ld s",
					 waited, delay, max_wait);
			else
				snprintf(why, sizeof(why), "Retry-After: %ld s exceeds --max-wait %ld s",
					 delay, max_wait);
			/* an absurd Retry-After (over a year) gives no useful hint */
			ret = pending(opts, delay > 366L * 86400 ? -1 : delay, why);
			goto out;
		}
		if (round >= MAX_202_ROUNDS) {
			snprintf(why, sizeof(why), "still HTTP 202 after %d attempts", round);
			ret = pending(opts, delay, why);
			goto out;
		}
		hwe_info("server answered 202: retrying in %ld s", delay);
		sleep_fn(delay);
		waited += delay;
	}
out:
	hwe_http_resp_clear(&resp);
	free(b64);
	free(url);
	return ret;
}
