// SPDX-License-Identifier: BSD-3-Clause
/* pop-client.c - a minimal EST client for hwe-estserver's --require-pop
 * tests: curl and `openssl req` cannot put a connection's channel binding
 * into a CSR made after that connection's handshake; this does.
 *
 * pop-client --port N --cafile F [options]       (options: see usage_text)
 *
 * It connects to 127.0.0.1:N (verifying the server against F), computes the
 * connection's channel binding as an EST client does (RFC 7030 section 3.5):
 *   TLS 1.2 tls-unique (RFC 5929): the first Finished of the handshake, ours
 *     (SSL_get_finished) in a full one, the server's (SSL_get_peer_finished)
 *     in a resumed one;
 *   TLS 1.3 tls-exporter (RFC 9266): SSL_export_keying_material(ssl, buf, 32,
 *     "EXPORTER-Channel-Binding", 24, NULL, 0, 0), checked to equal the value
 *     with an explicitly empty context (use_context = 1);
 * makes a CSR (EC P-256 + SHA-256, or P-384 + SHA-384) whose challengePassword
 * is the base64 of the binding, POSTs it (application/pkcs10, base64) and
 * prints "status=NNN" and the response body on stdout, "binding=TYPE
 * resumed=0|1" on stderr.  Exit 0 when every exchange completed, whatever
 * the HTTP status; 1 on a TLS or I/O failure; 2 on a usage error.
 * It links only libssl/libcrypto.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define EXPORTER_LABEL "EXPORTER-Channel-Binding"

static const char usage_text[] =
"usage: pop-client --port N --cafile F [options]\n"
"\n"
"  --port N           the server's port on 127.0.0.1\n"
"  --cafile F         trust anchor of the server certificate (tls-ca.pem)\n"
"  --tls 1.2|1.3      TLS version (default: the highest both support)\n"
"  --path P           POST target (default /.well-known/est/simpleenroll)\n"
"  --binding MODE     own (default): this connection's binding; other: that of\n"
"                     a second connection; swapped (TLS 1.2): the other\n"
"                     Finished message of this handshake (the second, not the\n"
"                     first); none: no challengePassword\n"
"  --utf8             challengePassword as UTF8String (default PrintableString)\n"
"  --resume           take a session from a first connection (GET /cacerts),\n"
"                     resume it for the POST (fails unless resumed)\n"
"  --no-ems           TLS 1.2 without the extended master secret extension\n"
"  --user U:P         POST without credentials first (expects 401), then again\n"
"                     with Basic credentials on the same connection\n"
"  --bearer TOKEN     send Authorization: Bearer TOKEN\n"
"  --cert F --key F   TLS client certificate; the CSR then has its subject and key\n"
"  --p384             the CSR key is EC P-384, signed with ecdsa-with-SHA384\n"
"  --mac-ext          the CSR requests a macAddress (1.3.6.1.1.1.1.22) extension\n"
"  --help             this text\n";

struct opts {
	int port;
	const char *cafile;
	int tls;
	const char *path;
	const char *binding;
	int utf8, resume, no_ems, p384, mac_ext;
	const char *user, *bearer, *cert, *key;
};

static void die(const char *what)
{
	fprintf(stderr, "pop-client: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void usage(const char *msg)
{
	fprintf(stderr, "pop-client: %s\n%s", msg, usage_text);
	exit(2);
}

static SSL_CTX *make_ctx(const struct opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		die("cannot create an SSL_CTX");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ctx, o->cafile, NULL) != 1)
		die("cannot load --cafile");
	if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ctx), "127.0.0.1"))
		die("cannot set the expected server address");
	if (o->tls && (!SSL_CTX_set_min_proto_version(ctx, o->tls) ||
		       !SSL_CTX_set_max_proto_version(ctx, o->tls)))
		die("cannot set the TLS version");
	if (o->no_ems)
		SSL_CTX_set_options(ctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
	if (o->cert && (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1 ||
			SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1))
		die("cannot load --cert/--key");
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
	return ctx;
}

static SSL *tls_connect(SSL_CTX *ctx, int port, SSL_SESSION *sess)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	SSL *ssl;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die("cannot connect");
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd) || (sess && !SSL_set_session(ssl, sess)))
		die("cannot set up TLS");
	if (SSL_connect(ssl) != 1)
		die("TLS handshake failed");
	return ssl;
}

static void tls_close(SSL *ssl)
{
	int fd = SSL_get_fd(ssl);

	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
}

/* The client side of the binding: see the header comment. */
static size_t channel_binding(SSL *ssl, unsigned char *out, const char **type, int swapped)
{
	size_t len;

	if (SSL_version(ssl) >= TLS1_3_VERSION) {
		unsigned char empty[32];

		*type = "tls-exporter";
		if (SSL_export_keying_material(ssl, out, 32, EXPORTER_LABEL,
					       strlen(EXPORTER_LABEL), NULL, 0, 0) != 1 ||
		    SSL_export_keying_material(ssl, empty, 32, EXPORTER_LABEL,
					       strlen(EXPORTER_LABEL),
					       (const unsigned char *)"", 0, 1) != 1)
			die("cannot export keying material");
		if (memcmp(out, empty, 32) != 0)
			die("TLS 1.3 exporter: no context and an empty context differ");
		return 32;
	}
	*type = "tls-unique";
	/* the first Finished: ours in a full handshake, the server's in a
	 * resumed one (--binding swapped: the other one) */
	len = !SSL_session_reused(ssl) != !swapped ? SSL_get_peer_finished(ssl, out, 64)
						   : SSL_get_finished(ssl, out, 64);
	if (len == 0 || len > 64)
		die("no Finished message");
	return len;
}

static void write_all(SSL *ssl, const char *data, size_t len)
{
	while (len > 0) {
		int n = SSL_write(ssl, data, (int)len);

		if (n <= 0)
			die("TLS write failed");
		data += n;
		len -= (size_t)n;
	}
}

/* Read one HTTP/1.1 response (Content-Length framing); print it. */
static int read_response(SSL *ssl)
{
	static char buf[1 << 20];
	size_t have = 0, hlen, want;
	long clen = 0;
	char *end, *p;
	int status;

	for (;;) {
		int n;

		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end)
			break;
		if (have >= sizeof(buf) - 1)
			die("response header too large");
		n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - 1 - have));
		if (n <= 0)
			die("connection closed before the response header");
		have += (size_t)n;
	}
	hlen = (size_t)(end - buf) + 4;
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		die("not an HTTP/1.1 response");
	for (p = buf; p && p < end; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL)
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			clen = strtol(p + 15, NULL, 10);
	if (clen < 0 || (size_t)clen > sizeof(buf) - 1 - hlen)
		die("bad Content-Length");
	want = hlen + (size_t)clen;
	while (have < want) {
		int n = SSL_read(ssl, buf + have, (int)(want - have));

		if (n <= 0)
			die("connection closed in the response body");
		have += (size_t)n;
	}
	printf("status=%d\n", status);
	fwrite(buf, 1, hlen, stdout);
	fwrite(buf + hlen, 1, (size_t)clen, stdout);
	if (clen > 0 && buf[want - 1] != '\n')
		putchar('\n');
	fflush(stdout);
	return status;
}

static void get_cacerts(SSL *ssl)
{
	static const char req[] = "GET /.well-known/est/cacerts HTTP/1.1\r\n"
				  "Host: 127.0.0.1\r\n\r\n";

	write_all(ssl, req, sizeof(req) - 1);
	read_response(ssl);
}

static EVP_PKEY *load_or_make_key(const struct opts *o)
{
	EVP_PKEY *key;
	FILE *f;

	if (!o->key)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", o->p384 ? "P-384" : "P-256");
	f = fopen(o->key, "r");
	if (!f)
		die("cannot open --key");
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return key;
}

static X509 *load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *cert;

	if (!f)
		die("cannot open --cert");
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return cert;
}

/* The macAddress extension: an IA5String "00:11:22:33:44:55". */
static int add_mac_ext(X509_REQ *req)
{
	static const unsigned char value[] = {
		0x16, 17, '0', '0', ':', '1', '1', ':', '2', '2', ':', '3', '3', ':',
		'4', '4', ':', '5', '5',
	};
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.1.1.1.22", 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	int ok = 0;

	if (exts && obj && os && ASN1_OCTET_STRING_set(os, value, sizeof(value)) &&
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) &&
	    sk_X509_EXTENSION_push(exts, ext) > 0) {
		ext = NULL;
		ok = X509_REQ_add_extensions(req, exts);
	}
	X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	return ok;
}

/* base64 of the DER CSR, in 64-column lines. */
static char *make_csr(const struct opts *o, EVP_PKEY *key, const char *password)
{
	X509_REQ *req = X509_REQ_new();
	X509 *cert = o->cert ? load_cert(o->cert) : NULL;
	unsigned char *der = NULL;
	char *b64;
	int len, i, n = 0;

	if (!req || !X509_REQ_set_version(req, X509_REQ_VERSION_1) || !X509_REQ_set_pubkey(req, key))
		die("cannot make a CSR");
	if (cert) {
		if (!X509_REQ_set_subject_name(req, X509_get_subject_name(cert)))
			die("cannot copy the certificate subject");
	} else if (!X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
					       (const unsigned char *)"pop-client", -1, -1, 0)) {
		die("cannot set the CSR subject");
	}
	if (password &&
	    !X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword,
				       o->utf8 ? V_ASN1_UTF8STRING : V_ASN1_PRINTABLESTRING,
				       (const unsigned char *)password, (int)strlen(password)))
		die("cannot add the challengePassword");
	if (o->mac_ext && !add_mac_ext(req))
		die("cannot add the macAddress extension");
	if (!X509_REQ_sign(req, key, o->p384 ? EVP_sha384() : EVP_sha256()))
		die("cannot sign the CSR");
	len = i2d_X509_REQ(req, &der);
	if (len <= 0)
		die("cannot encode the CSR");
	b64 = malloc((size_t)len / 48 * 66 + 70);
	if (!b64)
		die("out of memory");
	for (i = 0; i < len; i += 48) {
		n += EVP_EncodeBlock((unsigned char *)b64 + n, der + i, len - i > 48 ? 48 : len - i);
		b64[n++] = '\n';
	}
	b64[n] = '\0';
	OPENSSL_free(der);
	X509_REQ_free(req);
	X509_free(cert);
	return b64;
}

static int post(SSL *ssl, const struct opts *o, const char *csr, const char *authz)
{
	char head[4096];
	int n = snprintf(head, sizeof(head),
			 "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Content-Type: application/pkcs10\r\nContent-Length: %zu\r\n%s%s%s\r\n",
			 o->path, strlen(csr), authz ? "Authorization: " : "",
			 authz ? authz : "", authz ? "\r\n" : "");

	if (n < 0 || (size_t)n >= sizeof(head))
		die("request header too long");
	write_all(ssl, head, (size_t)n);
	write_all(ssl, csr, strlen(csr));
	return read_response(ssl);
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_PORT = 256, O_CAFILE, O_TLS, O_PATH, O_BINDING, O_UTF8, O_RESUME, O_NOEMS,
	       O_USER, O_BEARER, O_CERT, O_KEY, O_P384, O_MACEXT, O_HELP };
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, O_PORT },
		{ "cafile", required_argument, NULL, O_CAFILE },
		{ "tls", required_argument, NULL, O_TLS },
		{ "path", required_argument, NULL, O_PATH },
		{ "binding", required_argument, NULL, O_BINDING },
		{ "utf8", no_argument, NULL, O_UTF8 },
		{ "resume", no_argument, NULL, O_RESUME },
		{ "no-ems", no_argument, NULL, O_NOEMS },
		{ "user", required_argument, NULL, O_USER },
		{ "bearer", required_argument, NULL, O_BEARER },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "p384", no_argument, NULL, O_P384 },
		{ "mac-ext", no_argument, NULL, O_MACEXT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->path = "/.well-known/est/simpleenroll";
	o->binding = "own";
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_PORT: o->port = atoi(optarg); break;
		case O_CAFILE: o->cafile = optarg; break;
		case O_TLS:
			if (strcmp(optarg, "1.2") == 0)
				o->tls = TLS1_2_VERSION;
			else if (strcmp(optarg, "1.3") == 0)
				o->tls = TLS1_3_VERSION;
			else
				usage("--tls is 1.2 or 1.3");
			break;
		case O_PATH: o->path = optarg; break;
		case O_BINDING:
			if (strcmp(optarg, "own") && strcmp(optarg, "other") && strcmp(optarg, "none") &&
			    strcmp(optarg, "swapped"))
				usage("--binding is own, other, swapped or none");
			o->binding = optarg;
			break;
		case O_UTF8: o->utf8 = 1; break;
		case O_RESUME: o->resume = 1; break;
		case O_NOEMS: o->no_ems = 1; break;
		case O_USER:
			if (!strchr(optarg, ':'))
				usage("--user is U:P");
			o->user = optarg;
			break;
		case O_BEARER: o->bearer = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_P384: o->p384 = 1; break;
		case O_MACEXT: o->mac_ext = 1; break;
		case O_HELP: fputs(usage_text, stdout); exit(0);
		default: usage("unknown option");
		}
	}
	if (optind < argc || o->port <= 0 || o->port > 65535 || !o->cafile)
		usage("--port and --cafile are required");
	if (!!o->cert != !!o->key)
		usage("--cert and --key go together");
}

int main(int argc, char **argv)
{
	struct opts o;
	SSL_CTX *ctx;
	SSL *ssl;
	SSL_SESSION *sess = NULL;
	EVP_PKEY *key;
	unsigned char bind[64];
	char password[128], authz[1024], *csr;
	const char *type = "-";
	size_t blen;
	int status;

	memset(&o, 0, sizeof(o));
	parse_args(&o, argc, argv);
	ctx = make_ctx(&o);
	if (o.resume) {
		ssl = tls_connect(ctx, o.port, NULL);
		get_cacerts(ssl);	/* TLS 1.3: the tickets arrive with the data */
		sess = SSL_get1_session(ssl);
		tls_close(ssl);
		if (!sess)
			die("no session to resume");
	}
	ssl = tls_connect(ctx, o.port, sess);
	if (o.resume && !SSL_session_reused(ssl))
		die("the session was not resumed");
	if (strcmp(o.binding, "other") == 0) {
		SSL *other = tls_connect(ctx, o.port, NULL);

		blen = channel_binding(other, bind, &type, 0);
		tls_close(other);
	} else {
		blen = channel_binding(ssl, bind, &type, strcmp(o.binding, "swapped") == 0);
	}
	EVP_EncodeBlock((unsigned char *)password, bind, (int)blen);
	fprintf(stderr, "pop-client: %s binding=%s resumed=%d challengePassword=%s\n",
		SSL_get_version(ssl), type, SSL_session_reused(ssl),
		strcmp(o.binding, "none") ? password : "-");
	key = load_or_make_key(&o);
	if (!key)
		die("cannot load or make the CSR key");
	csr = make_csr(&o, key, strcmp(o.binding, "none") ? password : NULL);
	if (o.user) {
		BIO *b64 = BIO_new(BIO_f_base64()), *mem = BIO_new(BIO_s_mem());
		char *enc;
		long n;

		status = post(ssl, &o, csr, NULL);
		if (status != 401)
			die("expected 401 without credentials");
		BIO_set_flags(b64, BIO_FLAGS_BASE64_NO_NL);
		b64 = BIO_push(b64, mem);
		BIO_write(b64, o.user, (int)strlen(o.user));
		(void)BIO_flush(b64);
		n = BIO_get_mem_data(mem, &enc);
		snprintf(authz, sizeof(authz), "Basic %.*s", (int)n, enc);
		BIO_free_all(b64);
		post(ssl, &o, csr, authz);
	} else if (o.bearer) {
		snprintf(authz, sizeof(authz), "Bearer %s", o.bearer);
		post(ssl, &o, csr, authz);
	} else {
		post(ssl, &o, csr, NULL);
	}
	free(csr);
	EVP_PKEY_free(key);
	tls_close(ssl);
	SSL_SESSION_free(sess);
	SSL_CTX_free(ctx);
	return 0;
}
