// SPDX-License-Identifier: BSD-3-Clause
/* conn.c - one TLS connection: strict HTTP/1.1 request parsing, responses, log. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "estserver.h"

#define IDLE_TIMEOUT 30
#define HUGE_BODY_SIZE (50L * 1024 * 1024)

/* TLS 1.2 cipher lists under --groups: OpenSSL's DEFAULT with every key
 * exchange but ECDHE (and DHE when an ffdhe group is listed) removed. */
#define CIPHERS_ECDHE "DEFAULT:!kRSA:!kDHE:!PSK:!SRP"
#define CIPHERS_ECDHE_DHE "DEFAULT:!kRSA:!PSK:!SRP"

/* Domain parameters of a named RFC 7919 group ("ffdhe2048", ...). */
static EVP_PKEY *ffdhe_params(const char *name)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (pctx && EVP_PKEY_fromdata_init(pctx) == 1 &&
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEY_PARAMETERS, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(pctx);
	return pkey;
}

/* Apply --tls-min/--tls-max, --groups and --sigalgs to the server's SSL_CTX
 * (main.c has already tried each value on a scratch SSL_CTX).
 *
 * --groups alone would not make TLS 1.2 strict: there the key exchange comes
 * from the cipher suite, and when no listed group is shared an OpenSSL server
 * just skips the ECDHE suites and picks RSA key transport (RSA certificate)
 * or, with DH parameters, DHE.  A FIPS server refuses such a client, so
 * under --groups only ECDHE suites remain, plus DHE (with the first listed
 * ffdhe group's parameters, never OpenSSL's automatic ones) when the list
 * names an ffdhe group.  Without --groups no DH parameters are set at all,
 * so DHE is never offered. */
int conn_tls_policy(const struct est_server *srv, SSL_CTX *ctx)
{
	EVP_PKEY *dh;

	if (!SSL_CTX_set_min_proto_version(ctx, srv->tls_min ? srv->tls_min : TLS1_2_VERSION) ||
	    (srv->tls_max && !SSL_CTX_set_max_proto_version(ctx, srv->tls_max)))
		return 0;
	if (srv->groups) {
		if (!SSL_CTX_set1_groups_list(ctx, srv->groups) ||
		    !SSL_CTX_set_cipher_list(ctx, srv->dhe_group[0] ? CIPHERS_ECDHE_DHE :
						  CIPHERS_ECDHE))
			return 0;
		if (srv->dhe_group[0]) {
			dh = ffdhe_params(srv->dhe_group);
			if (!dh || !SSL_CTX_set0_tmp_dh_pkey(ctx, dh)) {
				EVP_PKEY_free(dh);
				return 0;
			}
		}
	}
	/* tls-unique names the latest handshake: none after the first (OpenSSL
	 * 3.0 already refuses client-initiated renegotiation by default) */
	if (srv->require_pop || srv->require_attestation)
		SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	/* ours: what the server signs with; client: what CertificateRequest
	 * offers and the client's CertificateVerify must use */
	if (srv->sigalgs && (!SSL_CTX_set1_sigalgs_list(ctx, srv->sigalgs) ||
			     !SSL_CTX_set1_client_sigalgs_list(ctx, srv->sigalgs)))
		return 0;
	return 1;
}

/* The negotiated key exchange group under the name --groups and
 * `openssl s_client -groups` take: P-256/P-384/P-521, X25519, X448,
 * ffdhe2048...; "-" when OpenSSL reports none (TLS 1.2 RSA key transport). */
static const char *tls_group_name(const struct est_server *srv, SSL *ssl)
{
	int nid = SSL_get_negotiated_group(ssl);
	const char *name = NULL;

	if (nid > 0 && !(nid & TLSEXT_nid_unknown)) {
		name = EC_curve_nid2nist(nid);
		if (!name)
			name = OBJ_nid2sn(nid);
	} else if (nid > 0) {
		name = SSL_group_to_name(ssl, nid);
	} else if (!SSL_session_reused(ssl) && srv->dhe_group[0] &&
		   SSL_CIPHER_get_kx_nid(SSL_get_current_cipher(ssl)) == NID_kx_dhe) {
		/* TLS 1.2 DHE: OpenSSL 3.0 records no group, but the only DH
		 * parameters this server has are those of dhe_group */
		name = srv->dhe_group;
	}
	return name ? name : "-";
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 307: return "Temporary Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

void resp_text(struct http_resp *rs, int status, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	free(rs->body);
	rs->body = NULL;
	rs->body_len = 0;
	rs->status = status;
	snprintf(rs->content_type, sizeof(rs->content_type), "text/plain");
	if (n < 0)
		return;
	rs->body = malloc((size_t)n + 2);
	if (rs->body) {
		memcpy(rs->body, text, (size_t)n);
		rs->body[n] = '\n';
		rs->body_len = (size_t)n + 1;
	}
	free(text);
}

void resp_header(struct http_resp *rs, const char *fmt, ...)
{
	size_t used = strlen(rs->headers);
	va_list ap;

	if (used + 3 >= sizeof(rs->headers))
		return;
	va_start(ap, fmt);
	vsnprintf(rs->headers + used, sizeof(rs->headers) - used - 2, fmt, ap);
	va_end(ap);
	strcat(rs->headers, "\r\n");
}

/* Log fields never contain spaces or control characters. */
static void sanitize(char *dst, size_t cap, const char *src)
{
	size_t i;

	if (!src || !*src)
		src = "-";
	for (i = 0; src[i] && i + 1 < cap; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = (ch <= ' ' || ch >= 0x7f) ? '_' : (char)ch;
	}
	dst[i] = '\0';
}

static void log_request(struct est_conn *c, const struct http_req *rq, int status)
{
	struct est_server *srv = c->srv;
	char method[32], path[2048], client[256], user[160];

	sanitize(method, sizeof(method), rq ? rq->method : NULL);
	sanitize(path, sizeof(path), rq ? rq->path : NULL);
	sanitize(client, sizeof(client), c->client_name);
	sanitize(user, sizeof(user), rq ? rq->user : NULL);
	pthread_mutex_lock(&srv->lock);
	fprintf(srv->log, "%ld conn=%lu req=%lu tls=%s %s %s %d client=%s user=%s proto=%s group=%s"
		"%s%s%s%s%s%s%s%s\n",
		(long)time(NULL), c->number, c->requests,
		SSL_session_reused(c->ssl) ? "resumed" : "new",
		method, path, status, client, user, c->tls_proto, c->tls_group,
		srv->require_pop ? " pop=" : "",
		srv->require_pop ? (rq && rq->pop ? rq->pop : "-") : "",
		srv->enforce_csrattrs ? " attrs=" : "",
		srv->enforce_csrattrs ? (rq && rq->attrs ? rq->attrs : "-") : "",
		srv->require_attestation ? " attest=" : "",
		srv->require_attestation ? (rq && rq->attest ? rq->attest : "-") : "",
		srv->log_csr ? " csr=" : "",
		srv->log_csr ? (rq && rq->csr[0] ? rq->csr : "-") : "");
	fflush(srv->log);
	pthread_mutex_unlock(&srv->lock);
}

static int ssl_write_all(SSL *ssl, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		int chunk = len > 1 << 20 ? 1 << 20 : (int)len;
		int n = SSL_write(ssl, p, chunk);

		if (n <= 0)
			return 0;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

static int send_response(struct est_conn *c, struct http_resp *rs)
{
	char head[2048];
	size_t len = rs->body_len;
	long advertised = rs->huge ? HUGE_BODY_SIZE :
			  rs->fake_length >= 0 ? rs->fake_length : (long)len;
	char clen[64] = "";
	int n, no_body = 0;

	/* 1xx, 204 and 304 carry neither a body nor a Content-Length (RFC 9110) */
	if (rs->status < 200 || rs->status == 204 || rs->status == 304) {
		no_body = 1;
		rs->content_type[0] = '\0';
	} else {
		snprintf(clen, sizeof(clen), "Content-Length: %ld\r\n", advertised);
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n%s%s%s%s%s%s\r\n",
		     rs->status, reason(rs->status),
		     rs->content_type[0] ? "Content-Type: " : "",
		     rs->content_type, rs->content_type[0] ? "\r\n" : "",
		     rs->headers, clen,
		     rs->close ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head) || !ssl_write_all(c->ssl, head, (size_t)n))
		return 0;
	if (no_body)
		return 1;
	if (rs->huge) {
		char chunk[65 * 1024];
		long left = HUGE_BODY_SIZE;
		size_t i;

		for (i = 0; i < sizeof(chunk); i++)
			chunk[i] = (i % 65 == 64) ? '\n' : 'A';
		while (left > 0) {
			size_t part = left > (long)sizeof(chunk) ? sizeof(chunk) : (size_t)left;

			if (!ssl_write_all(c->ssl, chunk, part))
				return 0;
			left -= (long)part;
		}
		return 1;
	}
	if (rs->fake_length >= 0)
		len /= 2;	/* --fault truncated: half the advertised body, then close */
	return len == 0 || ssl_write_all(c->ssl, rs->body, len);
}

/* Read more bytes into c->buf; 0 on EOF/error/timeout. */
static int fill(struct est_conn *c)
{
	int n;

	if (c->have >= sizeof(c->buf))
		return 0;
	n = SSL_read(c->ssl, c->buf + c->have, (int)(sizeof(c->buf) - c->have));
	if (n <= 0)
		return 0;
	c->have += (size_t)n;
	return 1;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Does a comma-separated header value contain token (case-insensitive)? */
static int has_token(const char *value, const char *token)
{
	size_t tl = strlen(token);
	const char *p = value;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, token, tl) == 0 &&
		    (p[tl] == '\0' || p[tl] == ',' || p[tl] == ' ' || p[tl] == '\t'))
			return 1;
		while (*p && *p != ',')
			p++;
	}
	return 0;
}

static int parse_request_line(char *line, struct http_req *rq)
{
	char *sp1 = strchr(line, ' '), *sp2, *target, *q;
	size_t i;

	if (!sp1 || sp1 == line || (size_t)(sp1 - line) >= sizeof(rq->method))
		return 0;
	*sp1 = '\0';
	for (i = 0; line[i]; i++)
		if (!isupper((unsigned char)line[i]))
			return 0;
	snprintf(rq->method, sizeof(rq->method), "%s", line);
	target = sp1 + 1;
	sp2 = strchr(target, ' ');
	if (!sp2 || sp2 == target)
		return 0;
	*sp2 = '\0';
	if (strcmp(sp2 + 1, "HTTP/1.1") == 0)
		rq->minor = 1;
	else if (strcmp(sp2 + 1, "HTTP/1.0") == 0)
		rq->minor = 0;
	else
		return 0;
	/* absolute-form: drop scheme and authority */
	if (strncasecmp(target, "https://", 8) == 0 || strncasecmp(target, "http://", 7) == 0) {
		target = strchr(strstr(target, "//") + 2, '/');
		if (!target)
			target = "/";
	}
	if (target[0] != '/' || strlen(target) >= sizeof(rq->path))
		return 0;
	for (i = 0; target[i]; i++)
		if ((unsigned char)target[i] < 0x21 || (unsigned char)target[i] >= 0x7f)
			return 0;
	snprintf(rq->path, sizeof(rq->path), "%s", target);
	q = strchr(rq->path, '?');
	if (q)
		*q = '\0';
	return 1;
}

/* Parse the header block in c->buf[0..hlen). Returns 0 or an error status. */
static int parse_head(struct est_conn *c, size_t hlen, struct http_req *rq)
{
	char *head = malloc(hlen + 1), *line, *next, *colon, *value;
	int status = 400, have_cl = 0, chunked = 0, conn_close = 0, conn_keep = 0;

	if (!head)
		return 500;
	memcpy(head, c->buf, hlen);
	head[hlen] = '\0';
	line = head;
	next = strstr(line, "\r\n");
	if (!next)
		goto out;
	*next = '\0';
	if (!parse_request_line(line, rq))
		goto out;
	for (line = next + 2; *line; line = next + 2) {
		next = strstr(line, "\r\n");
		if (!next)
			goto out;
		*next = '\0';
		if (line[0] == '\0')
			break;
		colon = strchr(line, ':');
		if (!colon || colon == line || line[0] == ' ' || line[0] == '\t' ||
		    colon[-1] == ' ' || colon[-1] == '\t')
			goto out;
		*colon = '\0';
		value = trim(colon + 1);
		if (strcasecmp(line, "Content-Length") == 0) {
			char *end;
			long v;

			if (!isdigit((unsigned char)value[0]))
				goto out;
			errno = 0;
			v = strtol(value, &end, 10);
			if (*end || errno || (have_cl && v != rq->content_length))
				goto out;
			rq->content_length = v;
			have_cl = 1;
		} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
			chunked = 1;
		} else if (strcasecmp(line, "Connection") == 0) {
			conn_close |= has_token(value, "close");
			conn_keep |= has_token(value, "keep-alive");
		} else if (strcasecmp(line, "Content-Type") == 0) {
			snprintf(rq->content_type, sizeof(rq->content_type), "%s", value);
		} else if (strcasecmp(line, "Expect") == 0) {
			if (strcasecmp(value, "100-continue") != 0) {
				status = 417;
				goto out;
			}
			rq->expect_continue = rq->minor == 1;
		} else if (strcasecmp(line, "Authorization") == 0) {
			snprintf(rq->authorization, sizeof(rq->authorization), "%s", value);
		}
	}
	rq->keep_alive = rq->minor == 1 ? !conn_close : (conn_keep && !conn_close);
	if (chunked) {
		status = 411;
		goto out;
	}
	if (!have_cl && strcmp(rq->method, "POST") == 0) {
		status = 411;
		goto out;
	}
	if (rq->content_length > EST_MAX_BODY) {
		status = 413;
		goto out;
	}
	status = 0;
out:
	free(head);
	return status;
}

/* Read one request. Returns 1 with rq filled, 0 on EOF/error (just close),
 * or -status for an HTTP error to answer before closing. */
static int read_request(struct est_conn *c, struct http_req *rq)
{
	size_t hlen = 0, got;
	char *end;
	int status;

	memset(rq, 0, sizeof(*rq));
	rq->content_length = -1;
	for (;;) {
		end = c->have ? memmem(c->buf, c->have, "\r\n\r\n", 4) : NULL;
		if (end) {
			hlen = (size_t)(end - c->buf) + 4;
			break;
		}
		if (c->have >= EST_MAX_HEADER)
			return -431;
		if (!fill(c))
			return 0;
	}
	if (hlen > EST_MAX_HEADER)
		return -431;
	status = parse_head(c, hlen, rq);
	if (status)
		return -status;
	memmove(c->buf, c->buf + hlen, c->have - hlen);
	c->have -= hlen;

	rq->body_len = rq->content_length > 0 ? (size_t)rq->content_length : 0;
	rq->body = malloc(rq->body_len + 1);
	if (!rq->body)
		return -500;
	/* The body is always read (even for a 401), so invite it at once. */
	if (rq->expect_continue && rq->body_len > c->have) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		if (!ssl_write_all(c->ssl, cont, sizeof(cont) - 1))
			return 0;
	}
	got = 0;
	while (got < rq->body_len) {
		size_t take;

		if (c->have == 0 && !fill(c))
			return 0;
		take = c->have < rq->body_len - got ? c->have : rq->body_len - got;
		memcpy(rq->body + got, c->buf, take);
		memmove(c->buf, c->buf + take, c->have - take);
		c->have -= take;
		got += take;
	}
	rq->body[rq->body_len] = '\0';
	return 1;
}

static void set_timeouts(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void serve(struct est_conn *c)
{
	struct http_req rq;
	struct http_resp rs;
	int r;

	for (;;) {
		r = read_request(c, &rq);
		if (r == 0) {
			free(rq.body);
			return;
		}
		c->requests++;
		memset(&rs, 0, sizeof(rs));
		rs.fake_length = -1;
		if (r < 0) {
			resp_text(&rs, -r, "bad request (HTTP %d)", -r);
			rs.close = 1;
		} else {
			est_handle(c, &rq, &rs);
			if (!rq.keep_alive)
				rs.close = 1;
		}
		if (rs.fake_length >= 0 || rs.huge)
			rs.close = 1;
		log_request(c, r > 0 || rq.method[0] ? &rq : NULL, rs.stall ? 0 : rs.status);
		free(rq.body);
		rq.body = NULL;
		if (rs.stall) {
			free(rs.body);
			for (;;)
				sleep(3600);
		}
		r = send_response(c, &rs);
		free(rs.body);
		if (!r || rs.close)
			return;
	}
}

/* Half-close and drain what the client still sends (an unread request body
 * would make close() send a RST that can destroy our last response). */
static void linger_close(int fd)
{
	char junk[16384];
	size_t total = 0;
	ssize_t n;

	shutdown(fd, SHUT_WR);
	set_timeouts(fd, 1);
	do {
		n = recv(fd, junk, sizeof(junk), 0);
		if (n > 0)
			total += (size_t)n;
	} while (n > 0 && total < 4 * EST_MAX_BODY);
}

void *conn_thread(void *arg)
{
	struct est_conn *c = arg;
	struct est_server *srv = c->srv;

	set_timeouts(c->fd, IDLE_TIMEOUT);
	if (srv->fault == FAULT_CLOSE_HANDSHAKE) {
		char junk[4096];

		set_timeouts(c->fd, 2);
		(void)!recv(c->fd, junk, sizeof(junk), 0);
		goto out;
	}
	c->ssl = SSL_new(srv->ssl_ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd))
		goto out;
	if (SSL_accept(c->ssl) != 1) {
		unsigned long e = ERR_peek_last_error();

		fprintf(stderr, "hwe-estserver: conn=%lu: TLS handshake failed: %s\n",
			c->number, e ? ERR_reason_error_string(e) : "connection closed");
		ERR_clear_error();
		goto out;
	}
	sanitize(c->tls_proto, sizeof(c->tls_proto), SSL_get_version(c->ssl));
	sanitize(c->tls_group, sizeof(c->tls_group), tls_group_name(srv, c->ssl));
	c->client_verified = pki_verify_client(srv, c->ssl, &c->client_cert);
	if (c->client_cert)
		X509_NAME_oneline(X509_get_subject_name(c->client_cert),
				  c->client_name, sizeof(c->client_name));
	else
		snprintf(c->client_name, sizeof(c->client_name), "-");
	serve(c);
	SSL_shutdown(c->ssl);
	linger_close(c->fd);
out:
	ERR_clear_error();
	SSL_free(c->ssl);
	X509_free(c->client_cert);
	close(c->fd);
	free(c);
	return NULL;
}
