// SPDX-License-Identifier: BSD-3-Clause
/* est.c - EST (RFC 7030) endpoints, HTTP authentication and response faults. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "estserver.h"

#define PREFIX "/.well-known/est/"

enum est_op { OP_CACERTS, OP_CSRATTRS, OP_ENROLL, OP_REENROLL };

static const struct {
	const char *name;
	const char *method;
} ops[] = {
	[OP_CACERTS] = { "cacerts", "GET" },
	[OP_CSRATTRS] = { "csrattrs", "GET" },
	[OP_ENROLL] = { "simpleenroll", "POST" },
	[OP_REENROLL] = { "simplereenroll", "POST" },
};

/* Find the operation of /.well-known/est[/label...]/OP; -1 if none. */
static int route(const char *path)
{
	const char *rest, *last;
	size_t i;

	if (strncmp(path, PREFIX, strlen(PREFIX)) != 0)
		return -1;
	rest = path + strlen(PREFIX);
	if (rest[0] == '\0' || rest[0] == '/' || strstr(rest, "//") || rest[strlen(rest) - 1] == '/')
		return -1;
	last = strrchr(rest, '/');
	last = last ? last + 1 : rest;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(last, ops[i].name) == 0)
			return (int)i;
	return -1;
}

static void resp_b64(struct est_server *srv, struct http_resp *rs, const char *ctype,
		     const unsigned char *der, size_t len)
{
	size_t blen;
	char *b64 = b64_encode(der, len, srv->b64_oneline, &blen);

	if (!b64) {
		resp_text(rs, 500, "out of memory");
		return;
	}
	free(rs->body);
	rs->status = 200;
	rs->body = (unsigned char *)b64;
	rs->body_len = blen;
	snprintf(rs->content_type, sizeof(rs->content_type), "%s", ctype);
	if (!strstr(rs->headers, "Content-Transfer-Encoding:"))
		resp_header(rs, "Content-Transfer-Encoding: base64");
}

static void resp_certs(struct est_server *srv, struct http_resp *rs, X509 **certs, int n)
{
	unsigned char *der = NULL;
	size_t len;

	if (!pki_certs_only(certs, n, &der, &len)) {
		resp_text(rs, 500, "cannot encode PKCS#7");
		return;
	}
	resp_b64(srv, rs, "application/pkcs7-mime; smime-type=certs-only", der, len);
	OPENSSL_free(der);
}

/* ---- authentication ---- */

static void hexdigest(const EVP_MD *md, const char *in, char *out)
{
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_Digest(in, strlen(in), raw, &n, md, NULL);
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	out[2 * n] = '\0';
}

/* Find key=value or key="value" in a Digest parameter list. */
static int digest_param(const char *list, const char *key, char *out, size_t cap)
{
	const char *p = list;
	size_t kl = strlen(key), n = 0;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, key, kl) == 0 && p[kl] == '=') {
			p += kl + 1;
			if (*p == '"') {
				p++;
				while (*p && *p != '"' && n + 1 < cap) {
					if (*p == '\\' && p[1])
						p++;
					out[n++] = *p++;
				}
			} else {
				while (*p && *p != ',' && *p != ' ' && n + 1 < cap)
					out[n++] = *p++;
			}
			out[n] = '\0';
			return 1;
		}
		/* skip this parameter, honoring quotes */
		while (*p && *p != ',') {
			if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && p[1])
						p++;
					p++;
				}
				if (*p)
					p++;
			} else {
				p++;
			}
		}
	}
	return 0;
}

static int check_digest(struct est_server *srv, struct http_req *rq, const char *params)
{
	char user[128], realm[64], nonce[64], uri[2048], response[160], alg[32] = "MD5";
	char qop[32] = "", nc[32] = "", cnonce[160] = "";
	char ha1[2 * EVP_MAX_MD_SIZE + 1], ha2[2 * EVP_MAX_MD_SIZE + 1];
	char want[2 * EVP_MAX_MD_SIZE + 1], *buf;
	const EVP_MD *md;
	size_t cap;
	int ok;

	if (!digest_param(params, "username", user, sizeof(user)) ||
	    !digest_param(params, "realm", realm, sizeof(realm)) ||
	    !digest_param(params, "nonce", nonce, sizeof(nonce)) ||
	    !digest_param(params, "uri", uri, sizeof(uri)) ||
	    !digest_param(params, "response", response, sizeof(response)))
		return 0;
	snprintf(rq->user, sizeof(rq->user), "%s", user);
	digest_param(params, "algorithm", alg, sizeof(alg));
	digest_param(params, "qop", qop, sizeof(qop));
	digest_param(params, "nc", nc, sizeof(nc));
	digest_param(params, "cnonce", cnonce, sizeof(cnonce));
	if (strcasecmp(alg, "MD5") == 0)
		md = EVP_md5();
	else if (strcasecmp(alg, "SHA-256") == 0)
		md = EVP_sha256();
	else
		return 0;
	if (strcmp(realm, EST_REALM) != 0 || strcmp(nonce, srv->digest_nonce) != 0 ||
	    strcmp(user, srv->user) != 0)
		return 0;
	if (qop[0] && strcmp(qop, "auth") != 0)
		return 0;
	cap = strlen(user) + strlen(srv->pass) + strlen(uri) + 512;
	buf = malloc(cap);
	if (!buf)
		return 0;
	snprintf(buf, cap, "%s:%s:%s", user, EST_REALM, srv->pass);
	hexdigest(md, buf, ha1);
	snprintf(buf, cap, "%s:%s", rq->method, uri);
	hexdigest(md, buf, ha2);
	if (qop[0])
		snprintf(buf, cap, "%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2);
	else
		snprintf(buf, cap, "%s:%s:%s", ha1, nonce, ha2);
	hexdigest(md, buf, want);
	OPENSSL_cleanse(buf, cap);
	free(buf);
	OPENSSL_cleanse(ha1, sizeof(ha1));
	ok = strlen(want) == strlen(response) && strcasecmp(want, response) == 0;
	return ok;
}

static int check_basic(struct est_server *srv, struct http_req *rq, const char *token)
{
	size_t len;
	unsigned char *raw = b64_decode((const unsigned char *)token, strlen(token), &len);
	char *colon;
	int ok = 0;

	if (!raw)
		return 0;
	raw[len] = '\0';
	colon = memchr(raw, ':', len);
	if (colon) {
		*colon = '\0';
		snprintf(rq->user, sizeof(rq->user), "%s", (char *)raw);
		ok = strcmp((char *)raw, srv->user) == 0 && strcmp(colon + 1, srv->pass) == 0;
	}
	OPENSSL_cleanse(raw, len);
	free(raw);
	return ok;
}

/* 1 if the request carries valid credentials; otherwise sets a 401. */
static int authenticate(struct est_server *srv, struct http_req *rq, struct http_resp *rs)
{
	const char *a = rq->authorization;
	int ok = 0;

	if (srv->auth == EST_AUTH_BASIC && strncasecmp(a, "Basic ", 6) == 0)
		ok = check_basic(srv, rq, a + 6);
	else if (srv->auth == EST_AUTH_DIGEST && strncasecmp(a, "Digest ", 7) == 0)
		ok = check_digest(srv, rq, a + 7);
	if (ok)
		return 1;
	resp_text(rs, 401, a[0] ? "authentication failed" : "authentication required");
	if (srv->auth == EST_AUTH_BASIC) {
		resp_header(rs, "WWW-Authenticate: Basic realm=\"%s\"", EST_REALM);
	} else {
		resp_header(rs, "WWW-Authenticate: Digest realm=\"%s\", qop=\"auth\", "
			    "algorithm=SHA-256, nonce=\"%s\", opaque=\"%s\"",
			    EST_REALM, srv->digest_nonce, srv->digest_opaque);
		resp_header(rs, "WWW-Authenticate: Digest realm=\"%s\", qop=\"auth\", "
			    "algorithm=MD5, nonce=\"%s\", opaque=\"%s\"",
			    EST_REALM, srv->digest_nonce, srv->digest_opaque);
	}
	return 0;
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
int est_b64token(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789-._~+/");

	return n > 0 && s[n + strspn(s + n, "=")] == '\0';
}

/* --bearer (RFC 6750 section 3): 1 if the request carries the token;
 * otherwise sets a 401 (absent: no error code; wrong: invalid_token) or a
 * 400 (malformed: invalid_request). */
static int bearer_ok(struct est_server *srv, struct http_req *rq, struct http_resp *rs)
{
	const char *a = rq->authorization, *tok;
	unsigned char want[32], got[32];

	if (strncasecmp(a, "Bearer", 6) != 0 || (a[6] != ' ' && a[6] != '\0')) {
		/* none, or another scheme: "lacks any authentication information" */
		resp_text(rs, 401, "authentication required: Authorization: Bearer TOKEN");
		resp_header(rs, "WWW-Authenticate: Bearer realm=\"%s\"", EST_REALM);
		return 0;
	}
	for (tok = a + 6; *tok == ' '; tok++)
		;
	if (!est_b64token(tok)) {
		resp_text(rs, 400, "malformed bearer token (RFC 6750 b64token)");
		resp_header(rs, "WWW-Authenticate: Bearer realm=\"%s\", error=\"invalid_request\"",
			    EST_REALM);
		return 0;
	}
	/* compare digests: constant time whatever the lengths */
	if (!EVP_Digest(tok, strlen(tok), got, NULL, EVP_sha256(), NULL) ||
	    !EVP_Digest(srv->bearer, strlen(srv->bearer), want, NULL, EVP_sha256(), NULL) ||
	    CRYPTO_memcmp(got, want, sizeof(want)) != 0) {
		resp_text(rs, 401, "invalid bearer token");
		resp_header(rs, "WWW-Authenticate: Bearer realm=\"%s\", error=\"invalid_token\"",
			    EST_REALM);
		return 0;
	}
	return 1;
}

static int client_cert_ok(struct est_conn *c, struct http_resp *rs)
{
	if (!c->client_cert) {
		resp_text(rs, 403, "client certificate required");
		return 0;
	}
	if (!c->client_verified) {
		resp_text(rs, 403, "client certificate not issued by this CA");
		return 0;
	}
	return 1;
}

/* ---- operations ---- */

/* 1 if this request must still be answered 202 (--pending). */
static int still_pending(struct est_server *srv, X509_REQ *req)
{
	unsigned char hash[32];
	struct pending_entry *e;
	int pend = 0;

	if (srv->pending <= 0 || !pki_key_hash(req, hash))
		return 0;
	pthread_mutex_lock(&srv->lock);
	for (e = srv->pending_list; e; e = e->next)
		if (memcmp(e->key_hash, hash, sizeof(hash)) == 0)
			break;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (e) {
			memcpy(e->key_hash, hash, sizeof(hash));
			e->next = srv->pending_list;
			srv->pending_list = e;
		}
	}
	if (e && e->count < srv->pending) {
		e->count++;
		pend = 1;
	}
	pthread_mutex_unlock(&srv->lock);
	return pend;
}

static int media_type_is(const char *ctype, const char *want)
{
	size_t n = strcspn(ctype, ";");

	while (n > 0 && (ctype[n - 1] == ' ' || ctype[n - 1] == '\t'))
		n--;
	return n == strlen(want) && strncasecmp(ctype, want, n) == 0;
}

/* --require-pop and --enforce-csrattrs; 1 if the CSR passes (or neither
 * is on), else a 400 whose body names every failure. */
static int strict_checks(struct est_conn *c, struct http_req *rq, struct http_resp *rs,
			 X509_REQ *req)
{
	struct est_server *srv = c->srv;
	char pop[512] = "", *missing = NULL;
	int pop_ok = 1, nmissing = 0;

	if (srv->require_pop) {
		pop_ok = pop_check(c, req, pop, sizeof(pop));
		rq->pop = pop_ok == 1 ? "ok" : "bad";
	}
	if (srv->enforce_csrattrs) {
		/* a 204 to /csrattrs asks for nothing */
		nmissing = csrattrs_enforce(srv->csrattrs_empty ? NULL : srv->csrattrs, req, &missing);
		rq->attrs = nmissing == 0 ? "ok" : nmissing > 0 ? "missing" : NULL;
	}
	if (missing && *missing)
		missing[strlen(missing) - 1] = '\0';	/* resp_text ends the body */
	if (pop_ok < 0 || nmissing < 0) {
		resp_text(rs, 500, "%s", pop_ok < 0 ? pop : "cannot check the CSR attributes");
		pop_ok = 0;
	} else if (pop_ok == 0 || nmissing > 0) {
		resp_text(rs, 400, "%s%s%s%s", pop, pop[0] && missing ? "\n" : "",
			  missing ? "CSR lacks what /csrattrs asks for (RFC 7030 section 4.5.2):\n" : "",
			  missing ? missing : "");
	}
	free(missing);
	return pop_ok == 1 && nmissing == 0;
}

static void do_enroll(struct est_conn *c, struct http_req *rq, struct http_resp *rs,
		      int reenroll, enum est_fault fault)
{
	struct est_server *srv = c->srv;
	unsigned char *der = NULL;
	const unsigned char *p;
	X509_REQ *req = NULL;
	X509 *certs[2] = { NULL, NULL };
	size_t len;
	EVP_PKEY *pub;

	if (reenroll || srv->require_client_cert) {
		if (!client_cert_ok(c, rs))
			goto out;
	}
	if (srv->bearer && !bearer_ok(srv, rq, rs))
		goto out;
	if (!reenroll && srv->user && !authenticate(srv, rq, rs))
		goto out;
	if (!media_type_is(rq->content_type, "application/pkcs10")) {
		resp_text(rs, 415, "Content-Type must be application/pkcs10, not '%s'",
			  rq->content_type);
		goto out;
	}
	der = b64_decode(rq->body, rq->body_len, &len);
	if (!der) {
		resp_text(rs, 400, "request body is not base64");
		goto out;
	}
	if (srv->log_csr) {
		unsigned char h[32];
		int i;

		if (EVP_Digest(der, len, h, NULL, EVP_sha256(), NULL))
			for (i = 0; i < 8; i++)
				snprintf(rq->csr + 2 * i, 3, "%02x", h[i]);
	}
	p = der;
	req = d2i_X509_REQ(NULL, &p, (long)len);
	if (!req) {
		resp_text(rs, 400, "request body is not a DER PKCS#10 CSR");
		goto out;
	}
	pub = X509_REQ_get0_pubkey(req);
	if (!pub || X509_REQ_verify(req, pub) != 1) {
		resp_text(rs, 400, "CSR signature does not verify");
		goto out;
	}
	if (!strict_checks(c, rq, rs, req))
		goto out;
	if (srv->require_attestation) {
		char why[512];

		if (!attest_check(c, req, why, sizeof(why), &rq->attest)) {
			resp_text(rs, 403, "attestation refused: %s", why);
			goto out;
		}
	}
	if (reenroll) {
		if (X509_NAME_cmp(X509_REQ_get_subject_name(req),
				  X509_get_subject_name(c->client_cert)) != 0) {
			resp_text(rs, 400, "subject changed");
			goto out;
		}
		if (!pki_san_equal(req, c->client_cert)) {
			resp_text(rs, 400, "subjectAltName changed");
			goto out;
		}
	}
	if ((!srv->pending_op ||
	     strcmp(srv->pending_op, reenroll ? "simplereenroll" : "simpleenroll") == 0) &&
	    still_pending(srv, req)) {
		resp_text(rs, 202, "request pending");
		resp_header(rs, "Retry-After: %s", srv->retry_after);
		goto out;
	}
	if (fault == FAULT_SUBJECT_CHANGE && !reenroll)
		fault = FAULT_NONE;
	pthread_mutex_lock(&srv->lock);
	certs[0] = pki_issue(srv, req, fault, rq->attest && strcmp(rq->attest, "ok") == 0);
	pthread_mutex_unlock(&srv->lock);
	if (!certs[0]) {
		resp_text(rs, 500, "issuance failed");
		goto out;
	}
	certs[1] = fault == FAULT_UNCHAINED ? srv->other_cert : srv->ca_cert;
	resp_certs(srv, rs, certs, srv->chain ? 2 : 1);
out:
	ERR_clear_error();
	X509_free(certs[0]);
	X509_REQ_free(req);
	free(der);
}

static void do_csrattrs(struct est_server *srv, struct http_resp *rs)
{
	if (srv->csrattrs_empty) {
		rs->status = 204;
		return;
	}
	resp_b64(srv, rs, "application/csrattrs", srv->csrattrs_der, srv->csrattrs_len);
}

/* Faults that replace the answer before the operation runs; 1 if handled. */
static int fault_before(struct est_server *srv, enum est_fault fault,
			struct http_req *rq, struct http_resp *rs)
{
	switch (fault) {
	case FAULT_STATUS:
		resp_text(rs, srv->fault_status, "fault %d", srv->fault_status);
		return 1;
	case FAULT_RETRY_AFTER:
		resp_text(rs, 503, "fault 503");
		resp_header(rs, "Retry-After: %s", srv->fault_arg);
		return 1;
	case FAULT_STALL:
		rs->stall = 1;
		rs->status = 0;
		return 1;
	case FAULT_HUGE_BODY:
		rs->status = 200;
		rs->huge = 1;
		snprintf(rs->content_type, sizeof(rs->content_type),
			 "application/pkcs7-mime; smime-type=certs-only");
		resp_header(rs, "Content-Transfer-Encoding: base64");
		return 1;
	case FAULT_REDIRECT:
		resp_text(rs, 302, "moved");
		resp_header(rs, "Location: https://elsewhere.invalid%s", rq->path);
		return 1;
	case FAULT_AUTH_SCHEME:
		resp_text(rs, 401, "authentication required");
		resp_header(rs, "WWW-Authenticate: Bearer realm=\"x\"");
		return 1;
	default:
		return 0;
	}
}

/* Faults that spoil a successful answer. */
static void fault_after(struct est_server *srv, enum est_fault fault, int op,
			struct http_resp *rs)
{
	int pkcs7 = op != OP_CSRATTRS;

	if (rs->status != 200)
		return;
	switch (fault) {
	case FAULT_TRUNCATED:
		rs->fake_length = (long)rs->body_len;
		break;
	case FAULT_CONTENT_TYPE:
		snprintf(rs->content_type, sizeof(rs->content_type), "%s", srv->fault_arg);
		break;
	case FAULT_BAD_BASE64:
		free(rs->body);
		rs->body = (unsigned char *)strdup("MIIB%%%not*base64!!!\n");
		rs->body_len = rs->body ? strlen((char *)rs->body) : 0;
		break;
	case FAULT_NOT_PKCS7: {
		unsigned char der[36] = { 0x30, 34, 0x02, 16 };

		if (!pkcs7)
			break;
		RAND_bytes(der + 4, 16);
		der[4] &= 0x7f;
		der[4] |= 0x01;
		der[20] = 0x04;
		der[21] = 14;
		RAND_bytes(der + 22, 14);
		resp_b64(srv, rs, rs->content_type, der, sizeof(der));
		break;
	}
	case FAULT_EMPTY_PKCS7:
		if (pkcs7)
			resp_certs(srv, rs, NULL, 0);
		break;
	default:
		break;
	}
}

void est_handle(struct est_conn *c, struct http_req *rq, struct http_resp *rs)
{
	struct est_server *srv = c->srv;
	enum est_fault fault = srv->fault;
	int op = route(rq->path);

	if (op < 0) {
		resp_text(rs, 404, "not found: %s", rq->path);
		return;
	}
	if (srv->fault_op && strcmp(srv->fault_op, ops[op].name) != 0)
		fault = FAULT_NONE;
	if (fault_before(srv, fault, rq, rs))
		return;
	if (strcmp(rq->method, ops[op].method) != 0) {
		resp_text(rs, 405, "method %s not allowed for %s", rq->method, ops[op].name);
		resp_header(rs, "Allow: %s", ops[op].method);
		return;
	}
	switch (op) {
	case OP_CACERTS:
		resp_certs(srv, rs, &srv->ca_cert, 1);
		break;
	case OP_CSRATTRS:
		do_csrattrs(srv, rs);
		break;
	case OP_ENROLL:
	case OP_REENROLL:
		do_enroll(c, rq, rs, op == OP_REENROLL, fault);
		break;
	}
	fault_after(srv, fault, op, rs);
}
