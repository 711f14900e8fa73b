// SPDX-License-Identifier: BSD-3-Clause
/* pop.c - --require-pop: the CSR's challengePassword must hold this TLS
 * connection's channel binding (RFC 7030 section 3.5, "linking identity and
 * POP information").
 *
 * The binding is taken from the connection the POST arrives on, at the time
 * it arrives (so a 401 and the retry with credentials on the same
 * connection see the same value; a CSR made on another connection fails):
 *
 *   TLS 1.2: tls-unique (RFC 5929), the first Finished message of the
 *     connection's handshake: the client's in a full handshake
 *     (SSL_get_peer_finished here), the server's in a resumed one
 *     (SSL_get_finished).  12 bytes.  Refused when the connection did not
 *     negotiate the extended master secret (RFC 7627): without it tls-unique
 *     does not identify the connection (triple handshake).
 *   TLS 1.3: tls-exporter (RFC 9266): 32 bytes of
 *     SSL_export_keying_material(label "EXPORTER-Channel-Binding", no
 *     context: use_context = 0).  RFC 9266 says "empty context"; in TLS 1.3
 *     the exporter hashes the context, and RFC 8446 section 7.5 makes no
 *     context and an empty one the same value (OpenSSL agrees: pop-client
 *     checks it on every TLS 1.3 connection).
 *
 * The challengePassword (PKCS#9, a single-valued DirectoryString) must be
 * exactly one attribute with one value, a PrintableString or UTF8String
 * holding the standard base64 (RFC 4648 section 4, with '=' padding, no line
 * breaks) of those bytes.  Client-initiated renegotiation, which would change
 * tls-unique, is refused (SSL_OP_NO_RENEGOTIATION under --require-pop).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "estserver.h"

#define EXPORTER_LABEL "EXPORTER-Channel-Binding"
#define BINDING_MAX POP_BINDING_MAX

/* The connection's binding in out (*len bytes, out has BINDING_MAX); its
 * name in *type.  attest.c uses it for the attestation's qualifyingData. */
int pop_binding(SSL *ssl, unsigned char *out, size_t *len, const char **type)
{
	if (SSL_version(ssl) >= TLS1_3_VERSION) {
		*type = "tls-exporter";
		*len = 32;
		return SSL_export_keying_material(ssl, out, 32, EXPORTER_LABEL,
						  strlen(EXPORTER_LABEL), NULL, 0, 0) == 1;
	}
	*type = "tls-unique";
	*len = SSL_session_reused(ssl) ? SSL_get_finished(ssl, out, BINDING_MAX)
				       : SSL_get_peer_finished(ssl, out, BINDING_MAX);
	return *len > 0 && *len <= BINDING_MAX;
}

/* The ASN.1 name of a DirectoryString choice, for messages. */
static const char *string_type(int type)
{
	switch (type) {
	case V_ASN1_PRINTABLESTRING: return "PrintableString";
	case V_ASN1_UTF8STRING: return "UTF8String";
	case V_ASN1_T61STRING: return "TeletexString";
	case V_ASN1_BMPSTRING: return "BMPString";
	case V_ASN1_UNIVERSALSTRING: return "UniversalString";
	case V_ASN1_IA5STRING: return "IA5String";
	default: return ASN1_tag2str(type);
	}
}

/* Copy an ASN1_STRING's bytes for the log: printable ASCII only. */
static void printable(char *dst, size_t cap, const ASN1_STRING *s)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);
	int i, n = ASN1_STRING_length(s);
	size_t o = 0;

	for (i = 0; i < n && o + 1 < cap; i++)
		dst[o++] = p[i] > ' ' && p[i] < 0x7f ? (char)p[i] : '?';
	dst[o] = '\0';
}

/* 1 if the CSR carries the binding; 0 with msg (the 400 text); -1 if the
 * binding cannot be computed.  Every result is logged on stderr. */
int pop_check(struct est_conn *c, X509_REQ *req, char *msg, size_t msglen)
{
	unsigned char bind[BINDING_MAX];
	char want[2 * BINDING_MAX] = "", got[128] = "", kind[32] = "";
	const char *type = "?";
	size_t blen = 0;
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *v;
	int idx, ret = 0;

	msg[0] = '\0';
	if (!pop_binding(c->ssl, bind, &blen, &type)) {
		snprintf(msg, msglen, "proof-of-possession failed: cannot compute the TLS "
			 "channel binding (%s)", type);
		ret = -1;
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)want, bind, (int)blen);
	if (SSL_version(c->ssl) < TLS1_3_VERSION && SSL_get_extms_support(c->ssl) != 1) {
		snprintf(msg, msglen, "proof-of-possession failed: the TLS 1.2 connection has no "
			 "extended master secret (RFC 7627), so tls-unique does not identify it");
		goto out;
	}
	idx = X509_REQ_get_attr_by_NID(req, NID_pkcs9_challengePassword, -1);
	if (idx < 0) {
		snprintf(msg, msglen, "proof-of-possession failed: challengePassword missing "
			 "(it must hold the base64 %s channel binding of this TLS connection, "
			 "RFC 7030 section 3.5)", type);
		goto out;
	}
	if (X509_REQ_get_attr_by_NID(req, NID_pkcs9_challengePassword, idx) >= 0) {
		snprintf(msg, msglen, "proof-of-possession failed: more than one challengePassword "
			 "attribute");
		goto out;
	}
	attr = X509_REQ_get_attr(req, idx);
	if (X509_ATTRIBUTE_count(attr) != 1) {
		snprintf(msg, msglen, "proof-of-possession failed: challengePassword has %d values, "
			 "not one", X509_ATTRIBUTE_count(attr));
		goto out;
	}
	v = X509_ATTRIBUTE_get0_type(attr, 0);
	snprintf(kind, sizeof(kind), "%s", string_type(v->type));
	if (v->type != V_ASN1_PRINTABLESTRING && v->type != V_ASN1_UTF8STRING) {
		snprintf(msg, msglen, "proof-of-possession failed: challengePassword is a %s, "
			 "not a PrintableString or UTF8String", kind);
		goto out;
	}
	printable(got, sizeof(got), v->value.asn1_string);
	if (ASN1_STRING_length(v->value.asn1_string) != (int)strlen(want) ||
	    CRYPTO_memcmp(ASN1_STRING_get0_data(v->value.asn1_string), want, strlen(want)) != 0) {
		snprintf(msg, msglen, "proof-of-possession failed: challengePassword does not "
			 "match the TLS channel binding (%s)", type);
		goto out;
	}
	ret = 1;
out:
	if (ret == 1)
		fprintf(stderr, "hwe-estserver: conn=%lu req=%lu: proof-of-possession ok (%s %s)\n",
			c->number, c->requests, type, kind);
	else
		fprintf(stderr, "hwe-estserver: conn=%lu req=%lu: %s [challengePassword %s '%s', "
			"expected base64 %s '%s']\n", c->number, c->requests,
			msg, kind[0] ? kind : "-", got, type, blen ? want : "");
	OPENSSL_cleanse(bind, sizeof(bind));
	return ret;
}
