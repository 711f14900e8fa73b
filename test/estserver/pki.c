// SPDX-License-Identifier: BSD-3-Clause
/* pki.c - the test server's CAs, issuance and PKCS#7. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "estserver.h"

#define CA_DAYS 3650

static EVP_PKEY *gen_key(int rsa)
{
	if (rsa)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* certificatePolicies with one policy OID, no qualifiers */
static int add_policy(X509 *cert, const char *oid)
{
	CERTIFICATEPOLICIES *cp = CERTIFICATEPOLICIES_new();
	POLICYINFO *pi = POLICYINFO_new();
	int ok = cp && pi && (pi->policyid = OBJ_txt2obj(oid, 1)) != NULL && sk_POLICYINFO_push(cp, pi);

	if (ok)
		pi = NULL;
	ok = ok && X509_add1_ext_i2d(cert, NID_certificate_policies, cp, 0, X509V3_ADD_DEFAULT) == 1;
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(cp);
	return ok;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, issuer ? issuer : cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static int set_serial(X509 *cert)
{
	unsigned char raw[16];
	BIGNUM *bn = NULL;
	int ok = 0;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return 0;
	raw[0] &= 0x7f;		/* positive */
	raw[0] |= 0x40;		/* and exactly 16 bytes long */
	bn = BN_bin2bn(raw, sizeof(raw), NULL);
	if (bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)))
		ok = 1;
	BN_free(bn);
	return ok;
}

/* A certificate skeleton: v3, random serial, subject CN=cn (if cn), times. */
static X509 *new_cert(const char *cn, EVP_PKEY *pub, long nb_off, long days)
{
	X509 *cert = X509_new();

	if (!cert || !X509_set_version(cert, X509_VERSION_3) || !set_serial(cert))
		goto err;
	if (cn && !X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN",
					      MBSTRING_UTF8, (const unsigned char *)cn,
					      -1, -1, 0))
		goto err;
	if (!X509_gmtime_adj(X509_getm_notBefore(cert), nb_off) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL))
		goto err;
	if (!X509_set_pubkey(cert, pub))
		goto err;
	return cert;
err:
	X509_free(cert);
	return NULL;
}

static X509 *make_ca(EVP_PKEY *key, const char *cn)
{
	X509 *cert = new_cert(cn, key, -3600, CA_DAYS);

	if (!cert)
		return NULL;
	if (!X509_set_issuer_name(cert, X509_get_subject_name(cert)) ||
	    !add_ext(cert, NULL, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(cert, NULL, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(cert, NULL, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, cert, NID_authority_key_identifier, "keyid:always") ||
	    !X509_sign(cert, key, EVP_sha256())) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* An end-entity certificate signed by issuer. */
static X509 *make_leaf(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *key,
		       const char *cn, const char *san, const char *eku,
		       const char *ku, long days)
{
	X509 *cert = new_cert(cn, key, -60, days);

	if (!cert)
		return NULL;
	if (!X509_set_issuer_name(cert, X509_get_subject_name(issuer)) ||
	    !add_ext(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(cert, issuer, NID_key_usage, ku) ||
	    !add_ext(cert, issuer, NID_ext_key_usage, eku) ||
	    (san && !add_ext(cert, issuer, NID_subject_alt_name, san)) ||
	    !add_ext(cert, issuer, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always") ||
	    !X509_sign(cert, issuer_key, EVP_sha256())) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

int write_file_atomic(const char *dir, const char *name, const char *data,
		      size_t len, int mode)
{
	char tmp[4096], path[4096];
	size_t off = 0;
	int fd, ok = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld", dir, name, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "hwe-estserver: cannot create '%s': %s\n", tmp,
			strerror(errno));
		return 0;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto out;
	ok = 1;
out:
	close(fd);
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "hwe-estserver: cannot write '%s': %s\n", path,
			strerror(errno));
		unlink(tmp);
	}
	return ok;
}

static int write_cert_pem(const char *dir, const char *name, X509 *cert)
{
	BIO *mem = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int ok = 0;

	if (mem && PEM_write_bio_X509(mem, cert)) {
		len = BIO_get_mem_data(mem, &data);
		ok = write_file_atomic(dir, name, data, (size_t)len, 0644);
	}
	BIO_free(mem);
	return ok;
}

static int write_key_pem(const char *dir, const char *name, EVP_PKEY *key)
{
	BIO *mem = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int ok = 0;

	if (mem && PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL)) {
		len = BIO_get_mem_data(mem, &data);
		ok = write_file_atomic(dir, name, data, (size_t)len, 0600);
	}
	BIO_free(mem);
	return ok;
}

/* Accept every client certificate during the handshake; est.c checks it
 * afterwards so that it can answer with a readable HTTP error. */
static int verify_cb(int preverify_ok, X509_STORE_CTX *ctx)
{
	(void)preverify_ok;
	(void)ctx;
	return 1;
}

static void hex16(char out[33])
{
	unsigned char raw[16];
	int i;

	RAND_bytes(raw, sizeof(raw));
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

int pki_setup(struct est_server *srv)
{
	EVP_PKEY *tls_ca_key = NULL, *srv_key = NULL;
	X509 *tls_ca = NULL, *srv_cert = NULL;
	const char *san = "DNS:localhost,IP:127.0.0.1";
	const char *ku = srv->key_rsa ? "critical,digitalSignature,keyEncipherment"
				      : "critical,digitalSignature";
	int ok = 0;

	srv->ca_key = gen_key(srv->key_rsa);
	if (!srv->ca_key)
		goto out;
	srv->ca_cert = make_ca(srv->ca_key, "hwe test EST CA");
	if (!srv->ca_cert || !write_cert_pem(srv->dir, "ca.pem", srv->ca_cert))
		goto out;

	if (srv->fault == FAULT_UNTRUSTED) {
		tls_ca_key = gen_key(srv->key_rsa);
		tls_ca = tls_ca_key ? make_ca(tls_ca_key, "hwe untrusted TLS CA") : NULL;
	} else if (srv->separate_tls_ca) {
		tls_ca_key = gen_key(srv->key_rsa);
		tls_ca = tls_ca_key ? make_ca(tls_ca_key, "hwe test TLS CA") : NULL;
	} else {
		EVP_PKEY_up_ref(srv->ca_key);
		X509_up_ref(srv->ca_cert);
		tls_ca_key = srv->ca_key;
		tls_ca = srv->ca_cert;
	}
	if (!tls_ca)
		goto out;
	/* The untrusted CA is never written; tls-ca.pem then names the EST CA. */
	if (!write_cert_pem(srv->dir, "tls-ca.pem",
			    srv->fault == FAULT_UNTRUSTED ? srv->ca_cert : tls_ca))
		goto out;

	if (srv->fault == FAULT_WRONG_HOST)
		san = "DNS:wrong.example";
	srv_key = gen_key(srv->key_rsa);
	if (!srv_key)
		goto out;
	srv_cert = make_leaf(tls_ca, tls_ca_key, srv_key,
			     srv->fault == FAULT_WRONG_HOST ? "wrong.example" : "localhost",
			     san, "serverAuth", ku, 365);
	if (!srv_cert)
		goto out;

	if (srv->fault == FAULT_UNCHAINED) {
		srv->other_key = gen_key(0);
		srv->other_cert = srv->other_key ?
			make_ca(srv->other_key, "hwe test EST CA") : NULL;
		if (!srv->other_cert)
			goto out;
	}

	srv->client_store = X509_STORE_new();
	if (!srv->client_store || !X509_STORE_add_cert(srv->client_store, srv->ca_cert))
		goto out;

	srv->ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (!srv->ssl_ctx ||
	    !conn_tls_policy(srv, srv->ssl_ctx) ||
	    SSL_CTX_use_certificate(srv->ssl_ctx, srv_cert) != 1 ||
	    SSL_CTX_use_PrivateKey(srv->ssl_ctx, srv_key) != 1 ||
	    SSL_CTX_check_private_key(srv->ssl_ctx) != 1)
		goto out;
	SSL_CTX_set_verify(srv->ssl_ctx, SSL_VERIFY_PEER |
			   (srv->require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
			   verify_cb);
	SSL_CTX_set_session_id_context(srv->ssl_ctx, (const unsigned char *)"hwe-est", 7);
	if (!SSL_CTX_add_client_CA(srv->ssl_ctx, srv->ca_cert))
		goto out;

	hex16(srv->digest_nonce);
	hex16(srv->digest_opaque);
	ok = 1;
out:
	if (!ok) {
		fprintf(stderr, "hwe-estserver: PKI setup failed\n");
		ERR_print_errors_fp(stderr);
	}
	EVP_PKEY_free(tls_ca_key);
	EVP_PKEY_free(srv_key);
	X509_free(tls_ca);
	X509_free(srv_cert);
	return ok;
}

int pki_bootstrap(struct est_server *srv, const char *name)
{
	EVP_PKEY *key = gen_key(0);
	X509 *cert = NULL;
	char fname[1024];
	int ok = 0;

	if (!key)
		goto out;
	cert = make_leaf(srv->ca_cert, srv->ca_key, key, name, NULL, "clientAuth",
			 "critical,digitalSignature", srv->validity_days);
	if (!cert)
		goto out;
	snprintf(fname, sizeof(fname), "%s.key", name);
	if (!write_key_pem(srv->dir, fname, key))
		goto out;
	snprintf(fname, sizeof(fname), "%s.pem", name);
	if (!write_cert_pem(srv->dir, fname, cert))
		goto out;
	ok = 1;
out:
	if (!ok) {
		fprintf(stderr, "hwe-estserver: cannot bootstrap '%s'\n", name);
		ERR_print_errors_fp(stderr);
	}
	EVP_PKEY_free(key);
	X509_free(cert);
	return ok;
}

int pki_key_hash(X509_REQ *req, unsigned char out[32])
{
	X509_PUBKEY *pk = X509_REQ_get_X509_PUBKEY(req);
	unsigned char *der = NULL;
	int len, ok;

	len = pk ? i2d_X509_PUBKEY(pk, &der) : -1;
	if (len <= 0)
		return 0;
	ok = EVP_Digest(der, (size_t)len, out, NULL, EVP_sha256(), NULL);
	OPENSSL_free(der);
	return ok;
}

static int copy_request_exts(X509 *cert, X509_REQ *req)
{
	static const int allowed[] = {
		NID_subject_alt_name, NID_key_usage, NID_ext_key_usage,
		NID_basic_constraints,
	};
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	int i, ok = 1;
	size_t k;

	for (i = 0; exts && i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *ext = sk_X509_EXTENSION_value(exts, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));

		for (k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			if (nid == allowed[k] && !X509_add_ext(cert, ext, -1))
				ok = 0;
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ok;
}

/* Issue a certificate for req, signed by the EST CA (or as fault says;
 * the caller passes FAULT_NONE where the fault does not apply). */
X509 *pki_issue(struct est_server *srv, X509_REQ *req, enum est_fault fault, int attested)
{
	X509 *issuer = srv->ca_cert, *cert = NULL;
	EVP_PKEY *issuer_key = srv->ca_key, *pub = NULL, *fresh = NULL;
	X509_NAME *subj = NULL;
	long nb = -60, days = srv->validity_days;

	if (fault == FAULT_UNCHAINED) {
		issuer = srv->other_cert;
		issuer_key = srv->other_key;
	}
	if (fault == FAULT_WRONG_KEY) {
		fresh = gen_key(0);
		pub = fresh;
	} else {
		pub = X509_REQ_get0_pubkey(req);
	}
	if (fault == FAULT_EXPIRED) {
		nb = -2 * 86400;
		days = -1;
	} else if (fault == FAULT_NOT_YET_VALID) {
		nb = 86400;
		days += 1;
	}
	if (!pub)
		goto err;
	cert = new_cert(NULL, pub, nb, days);
	if (!cert)
		goto err;
	if (srv->validity_seconds > 0 && fault != FAULT_EXPIRED && fault != FAULT_NOT_YET_VALID &&
	    (!X509_gmtime_adj(X509_getm_notBefore(cert), 0) ||
	     !X509_gmtime_adj(X509_getm_notAfter(cert), srv->validity_seconds)))
		goto err;
	subj = X509_NAME_dup(X509_REQ_get_subject_name(req));
	if (!subj)
		goto err;
	if (fault == FAULT_SUBJECT_CHANGE &&
	    !X509_NAME_add_entry_by_txt(subj, "OU", MBSTRING_UTF8,
					(const unsigned char *)"hwe fault subject-change",
					-1, -1, 0))
		goto err;
	if (!X509_set_subject_name(cert, subj) ||
	    !X509_set_issuer_name(cert, X509_get_subject_name(issuer)) ||
	    !copy_request_exts(cert, req) ||
	    /* the key was attested in hardware (attest.c) */
	    (attested && !add_policy(cert, ATTEST_POLICY_OID)) ||
	    !add_ext(cert, issuer, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always") ||
	    !X509_sign(cert, issuer_key, EVP_sha256()))
		goto err;
	X509_NAME_free(subj);
	EVP_PKEY_free(fresh);
	return cert;
err:
	ERR_print_errors_fp(stderr);
	X509_NAME_free(subj);
	EVP_PKEY_free(fresh);
	X509_free(cert);
	return NULL;
}

/* DER of a degenerate certs-only SignedData holding certs[0..n-1]. */
int pki_certs_only(X509 **certs, int n, unsigned char **der, size_t *len)
{
	PKCS7 *p7 = PKCS7_new();
	int i, dlen, ok = 0;

	*der = NULL;
	if (!p7 || !PKCS7_set_type(p7, NID_pkcs7_signed) ||
	    !PKCS7_content_new(p7, NID_pkcs7_data))
		goto out;
	/* encapContentInfo without eContent, as "openssl crl2pkcs7 -nocrl" */
	ASN1_OCTET_STRING_free(p7->d.sign->contents->d.data);
	p7->d.sign->contents->d.data = NULL;
	for (i = 0; i < n; i++)
		if (!PKCS7_add_certificate(p7, certs[i]))
			goto out;
	dlen = i2d_PKCS7(p7, der);
	if (dlen <= 0)
		goto out;
	*len = (size_t)dlen;
	ok = 1;
out:
	PKCS7_free(p7);
	return ok;
}

/* Verify the TLS peer's certificate against the EST CA. *cert_out gets a
 * reference to the certificate (or NULL if none was sent). */
int pki_verify_client(struct est_server *srv, SSL *ssl, X509 **cert_out)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	X509_STORE_CTX *ctx = NULL;
	int ok = 0;

	*cert_out = cert;
	if (!cert)
		return 0;
	ctx = X509_STORE_CTX_new();
	if (ctx && X509_STORE_CTX_init(ctx, srv->client_store, cert,
				       SSL_get_peer_cert_chain(ssl)) == 1)
		ok = X509_verify_cert(ctx) == 1;
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static GENERAL_NAMES *req_san(X509_REQ *req)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);

	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return gens;
}

static int names_subset(GENERAL_NAMES *a, GENERAL_NAMES *b)
{
	int i, j;

	for (i = 0; i < sk_GENERAL_NAME_num(a); i++) {
		int found = 0;

		for (j = 0; j < sk_GENERAL_NAME_num(b) && !found; j++)
			found = GENERAL_NAME_cmp(sk_GENERAL_NAME_value(a, i),
						 sk_GENERAL_NAME_value(b, j)) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

/* 1 if the CSR and the certificate carry the same set of subjectAltNames. */
int pki_san_equal(X509_REQ *req, X509 *cert)
{
	GENERAL_NAMES *a = req_san(req);
	GENERAL_NAMES *b = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int eq = names_subset(a, b) && names_subset(b, a);

	GENERAL_NAMES_free(a);
	GENERAL_NAMES_free(b);
	return eq;
}

/* Base64 in 64-column lines, or on one line without any line break. */
char *b64_encode(const unsigned char *in, size_t len, int oneline, size_t *outlen)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	size_t cap = (len + 2) / 3 * 4 + len / 48 + 8;
	char *out = malloc(cap);
	int n = 0, total = 0;
	size_t off = 0;

	if (!ctx || !out) {
		EVP_ENCODE_CTX_free(ctx);
		free(out);
		return NULL;
	}
	EVP_EncodeInit(ctx);
	while (off < len) {
		int chunk = len - off > 65536 ? 65536 : (int)(len - off);

		if (!EVP_EncodeUpdate(ctx, (unsigned char *)out + total, &n, in + off, chunk))
			break;
		total += n;
		off += (size_t)chunk;
	}
	EVP_EncodeFinal(ctx, (unsigned char *)out + total, &n);
	total += n;
	EVP_ENCODE_CTX_free(ctx);
	out[total] = '\0';
	if (oneline) {
		int i, j = 0;

		for (i = 0; i < total; i++)
			if (out[i] != '\n')
				out[j++] = out[i];
		out[j] = '\0';
		total = j;
	}
	*outlen = (size_t)total;
	return out;
}

static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Strict base64 with whitespace allowed anywhere; NULL if malformed. */
unsigned char *b64_decode(const unsigned char *in, size_t len, size_t *outlen)
{
	unsigned char *out = malloc(len / 4 * 3 + 3);
	unsigned int acc = 0;
	size_t i, o = 0;
	int bits = 0, pad = 0, nchars = 0;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char ch = in[i];
		int v;

		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		if (ch == '=') {
			pad++;
			nchars++;
			continue;
		}
		v = b64_value(ch);
		if (v < 0 || pad)
			goto bad;
		nchars++;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (pad > 2 || nchars % 4 != 0 || o == 0)
		goto bad;
	*outlen = o;
	return out;
bad:
	free(out);
	return NULL;
}
