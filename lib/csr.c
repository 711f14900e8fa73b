/* SPDX-License-Identifier: BSD-3-Clause */
/* csr.c - build PKCS#10 requests from a CSR config and sign them on any provider's key. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "csrreq.h"
#include "log.h"
#include "rc.h"

static int no_memory(const char *what)
{
	return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, what);
}

/*
 * Digest for the key's signature.  EC: the hash that matches the curve
 * (SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521).  RSA (any
 * size, also RSA-PSS): SHA-256 - RSA-4096 is still in the 128-bit-ish
 * security tier, and SHA-256 is what every TPM, token and CA supports.
 * EdDSA signs without a separate digest (NULL).  Only public parameters
 * are asked for, so this works for a key held by any provider.
 */
static const char *digest_for(EVP_PKEY *key)
{
	int bits = EVP_PKEY_get_bits(key);

	if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448"))
		return NULL;
	if (EVP_PKEY_is_a(key, "EC")) {
		if (bits > 384)
			return "SHA512";
		if (bits > 256)
			return "SHA384";
	}
	return "SHA256";
}

static int add_ext(STACK_OF(X509_EXTENSION) **exts, int nid, void *value, int crit)
{
	if (X509V3_add1_i2d(exts, nid, value, crit, X509V3_ADD_DEFAULT) != 1)
		return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
				    "cannot encode a CSR extension");
	return HWE_OK;
}

static int add_basic_constraints(STACK_OF(X509_EXTENSION) **exts,
				 const struct hwe_csrconf *c)
{
	int ret = HWE_EXIT_INTERNAL;
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();

	if (!bc) {
		ret = no_memory("cannot allocate basicConstraints");
		goto out;
	}
	bc->ca = c->is_ca == 1 ? 0xff : 0;
	if (c->is_ca == 1 && c->path_len >= 0) {
		bc->pathlen = ASN1_INTEGER_new();
		if (!bc->pathlen || !ASN1_INTEGER_set(bc->pathlen, c->path_len)) {
			ret = no_memory("cannot set the path length");
			goto out;
		}
	}
	/* critical for a CA (RFC 5280 4.2.1.9), informative otherwise */
	ret = add_ext(exts, NID_basic_constraints, bc, c->is_ca == 1);
out:
	BASIC_CONSTRAINTS_free(bc);
	return ret;
}

static int add_key_usage(STACK_OF(X509_EXTENSION) **exts, unsigned ku)
{
	/* KU_* bit -> BIT STRING position (RFC 5280 4.2.1.3) */
	static const unsigned bits[] = {
		X509v3_KU_DIGITAL_SIGNATURE, X509v3_KU_NON_REPUDIATION,
		X509v3_KU_KEY_ENCIPHERMENT, X509v3_KU_DATA_ENCIPHERMENT,
		X509v3_KU_KEY_AGREEMENT, X509v3_KU_KEY_CERT_SIGN, X509v3_KU_CRL_SIGN,
		X509v3_KU_ENCIPHER_ONLY, X509v3_KU_DECIPHER_ONLY,
	};
	int ret = HWE_EXIT_INTERNAL;
	ASN1_BIT_STRING *bs = ASN1_BIT_STRING_new();
	size_t i;

	if (!bs) {
		ret = no_memory("cannot allocate keyUsage");
		goto out;
	}
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if ((ku & bits[i]) && !ASN1_BIT_STRING_set_bit(bs, (int)i, 1)) {
			ret = no_memory("cannot set a keyUsage bit");
			goto out;
		}
	}
	ret = add_ext(exts, NID_key_usage, bs, 1);
out:
	ASN1_BIT_STRING_free(bs);
	return ret;
}

static int add_eku(STACK_OF(X509_EXTENSION) **exts, const struct hwe_csrconf *c)
{
	int ret = HWE_EXIT_INTERNAL;
	EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
	size_t i;

	if (!eku) {
		ret = no_memory("cannot allocate extendedKeyUsage");
		goto out;
	}
	for (i = 0; i < c->neku; i++) {
		ASN1_OBJECT *o = OBJ_nid2obj(c->eku_nids[i]);

		if (!o || !(o = OBJ_dup(o))) {
			ret = hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
					   "unknown extendedKeyUsage object");
			goto out;
		}
		if (!sk_ASN1_OBJECT_push(eku, o)) {
			ASN1_OBJECT_free(o);
			ret = no_memory("cannot add an extendedKeyUsage");
			goto out;
		}
	}
	ret = add_ext(exts, NID_ext_key_usage, eku, 0);
out:
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return ret;
}

/* One GeneralName from a config entry (the parser validated the value). */
int hwe_csr_san_name(const struct hwe_csr_san *s, GENERAL_NAME **out)
{
	int ret = HWE_EXIT_INTERNAL;
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_STRING *str = NULL;
	int type;

	*out = NULL;
	if (!gn) {
		ret = no_memory("cannot allocate a subjectAltName");
		goto out;
	}
	switch (s->type) {
	case HWE_SAN_EMAIL:
		type = GEN_EMAIL;
		break;
	case HWE_SAN_DNS:
		type = GEN_DNS;
		break;
	case HWE_SAN_URI:
		type = GEN_URI;
		break;
	case HWE_SAN_IP:
		type = GEN_IPADD;
		str = a2i_IPADDRESS(s->value);
		break;
	default:
		type = -1;
		break;
	}
	if (type < 0 || (type == GEN_IPADD && !str)) {
		ret = hwe_err(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX,
			      "unusable subjectAltName (type %d)", (int)s->type);
		goto out;
	}
	if (type != GEN_IPADD &&
	    (!(str = ASN1_IA5STRING_new()) || !ASN1_STRING_set(str, s->value, -1))) {
		ret = no_memory("cannot set a subjectAltName");
		goto out;
	}
	GENERAL_NAME_set0_value(gn, type, str);
	str = NULL;
	*out = gn;
	gn = NULL;
	ret = HWE_OK;
out:
	ASN1_STRING_free(str);
	GENERAL_NAME_free(gn);
	return ret;
}

static int add_sans(STACK_OF(X509_EXTENSION) **exts, const struct hwe_csrconf *c)
{
	int ret = HWE_EXIT_INTERNAL;
	GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
	size_t i;

	if (!names) {
		ret = no_memory("cannot allocate subjectAltName");
		goto out;
	}
	for (i = 0; i < c->nsans; i++) {
		GENERAL_NAME *gn;

		ret = hwe_csr_san_name(&c->sans[i], &gn);
		if (ret != HWE_OK)
			goto out;
		if (!sk_GENERAL_NAME_push(names, gn)) {
			GENERAL_NAME_free(gn);
			ret = no_memory("cannot add a subjectAltName");
			goto out;
		}
	}
	/* the config always has a subject, so the SAN is not critical */
	ret = add_ext(exts, NID_subject_alt_name, names, 0);
out:
	GENERAL_NAMES_free(names);
	return ret;
}

/* The extensions a config asks for; with_san = 0 leaves subjectAltName out. */
static int conf_exts(const struct hwe_csrconf *c, int with_san,
		     STACK_OF(X509_EXTENSION) **exts)
{
	int ret = HWE_OK;

	if (c->is_ca >= 0)
		ret = add_basic_constraints(exts, c);
	if (ret == HWE_OK && c->key_usage)
		ret = add_key_usage(exts, c->key_usage);
	if (ret == HWE_OK && c->neku)
		ret = add_eku(exts, c);
	if (ret == HWE_OK && with_san && c->nsans)
		ret = add_sans(exts, c);
	return ret;
}

int hwe_csr_subject_add(X509_NAME *name, int nid, const char *value, int set)
{
	/* MBSTRING_UTF8: OpenSSL's string table picks PrintableString for
	 * countryName and serialNumber, IA5String for emailAddress and
	 * UTF8String for the rest, and enforces the X.520 upper bounds */
	if (!X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, (const unsigned char *)value, -1, -1, set))
		return hwe_err_ossl(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX,
				    "cannot put a CSR config value into the subject");
	return HWE_OK;
}

static int conf_subject(const struct hwe_csrconf *c, X509_NAME **out)
{
	int ret = HWE_EXIT_INTERNAL;
	X509_NAME *name = X509_NAME_new();
	size_t i;

	*out = NULL;
	if (!name) {
		ret = no_memory("cannot allocate the subject");
		goto out;
	}
	for (i = 0; i < c->nrdns; i++)
		if ((ret = hwe_csr_subject_add(name, c->rdns[i].nid, c->rdns[i].value, 0)))
			goto out;
	*out = name;
	name = NULL;
	ret = HWE_OK;
out:
	X509_NAME_free(name);
	return ret;
}

/*
 * Check the request's signature against the public key it carries, the way
 * the CA will.  The key is decoded afresh from the request and verified
 * preferably by the default provider, so the check runs on the CPU and not
 * through a TPM or token (which may have claimed signatures by property).
 */
static int verify_req(X509_REQ *req)
{
	int ret = HWE_EXIT_KEY;
	const char *prop = "?provider=default";
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub = NULL;
	int len;

	len = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(req), &der);
	p = der;
	if (len <= 0 || !(pub = d2i_PUBKEY_ex(NULL, &p, len, NULL, prop))) {
		ret = hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND,
				   "cannot read back the public key of the CSR");
		goto out;
	}
	if (X509_REQ_verify_ex(req, pub, NULL, prop) != 1) {
		ERR_clear_error();
		ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND,
			      "the CSR signature made by the key does not verify with "
			      "its public key");
		hwe_err_hint("The key backend (TPM, token or key file) returned a bad "
			     "signature; check the device and try again");
		goto out;
	}
	ret = HWE_OK;
out:
	EVP_PKEY_free(pub);
	OPENSSL_free(der);
	return ret;
}

/* Sign req with key through whatever provider holds it, then check the
 * signature: a broken signature from a device is caught here, not by the CA. */
static int sign_req(X509_REQ *req, EVP_PKEY *key, const struct hwe_csr_extra *extra)
{
	int ret = HWE_EXIT_KEY;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	const char *md = extra && extra->md ? extra->md : digest_for(key);

	if (!mctx) {
		ret = no_memory("cannot allocate a digest context");
		goto out;
	}
	if (EVP_DigestSignInit_ex(mctx, NULL, md, NULL, NULL, key, NULL) != 1) {
		ret = hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND,
				   "cannot start signing the CSR with the key");
		goto out;
	}
	hwe_debug("signing the CSR (%s key, %d bits, %s)", EVP_PKEY_get0_type_name(key),
		  EVP_PKEY_get_bits(key), md ? md : "no digest");
	if (X509_REQ_sign_ctx(req, mctx) <= 0) {
		/* a hardware backend may have recorded why the device refused */
		ret = hwe_err_pending() ? hwe_err_context("cannot sign the CSR") :
			hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND, "cannot sign the CSR with the key");
		goto out;
	}
	ret = verify_req(req);
out:
	EVP_MD_CTX_free(mctx);
	return ret;
}

/* The macAddress value: RFC 2307's IA5String "00:11:22:aa:bb:cc" */
static void mac_text(const unsigned char *mac, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

static int add_mac_ext(STACK_OF(X509_EXTENSION) **exts, const unsigned char *mac)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(HWE_OID_MAC_ADDRESS, 1);
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
	ASN1_OCTET_STRING *val = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	unsigned char *der = NULL;
	char txt[18];
	int n, ret = HWE_EXIT_INTERNAL;

	mac_text(mac, txt);
	if (!obj || !ia5 || !val || !ASN1_STRING_set(ia5, txt, -1) ||
	    (n = i2d_ASN1_IA5STRING(ia5, &der)) <= 0 || !ASN1_OCTET_STRING_set(val, der, n) ||
	    !(ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, val)) ||
	    (!*exts && !(*exts = sk_X509_EXTENSION_new_null())) || !sk_X509_EXTENSION_push(*exts, ext)) {
		ret = no_memory("cannot make the macAddress extension");
		goto out;
	}
	ext = NULL;
	ret = HWE_OK;
out:
	X509_EXTENSION_free(ext);
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(val);
	ASN1_IA5STRING_free(ia5);
	ASN1_OBJECT_free(obj);
	return ret;
}

/* challengePassword and request attributes of extra */
static int add_attrs(X509_REQ *req, const struct hwe_csr_extra *extra)
{
	ASN1_OBJECT *obj = NULL;
	char txt[18];
	int ok = 1;

	if (!extra)
		return HWE_OK;
	/* RFC 7030 3.5: the binding, base64; all base64 characters are
	 * PrintableString characters */
	if (extra->challenge &&
	    !X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword, MBSTRING_ASC,
				       (const unsigned char *)extra->challenge, -1))
		return no_memory("cannot add the challengePassword");
	if (extra->mac_attr) {
		ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

		mac_text(extra->mac, txt);
		/* a non-MBSTRING type takes an ASN1_STRING as its data */
		ok = ia5 && ASN1_STRING_set(ia5, txt, -1) && (obj = OBJ_txt2obj(HWE_OID_MAC_ADDRESS, 1)) != NULL &&
		     X509_REQ_add1_attr_by_OBJ(req, obj, V_ASN1_IA5STRING, (const unsigned char *)ia5, -1);
		ASN1_OBJECT_free(obj);
		ASN1_IA5STRING_free(ia5);
		if (!ok)
			return no_memory("cannot add the macAddress attribute");
	}
	if (extra->evidence) {
		/* draft-ietf-lamps-csr-attestation: one id-aa-attestation
		 * attribute, its value the DER AttestationBundle */
		ASN1_STRING *seq = ASN1_STRING_type_new(V_ASN1_SEQUENCE);

		ok = seq && ASN1_STRING_set(seq, extra->evidence, (int)extra->evidence_len) &&
		     (obj = OBJ_txt2obj(HWE_OID_ATTESTATION_ATTR, 1)) != NULL &&
		     X509_REQ_add1_attr_by_OBJ(req, obj, V_ASN1_SEQUENCE, (const unsigned char *)seq, -1);
		ASN1_OBJECT_free(obj);
		ASN1_STRING_free(seq);
		if (!ok)
			return no_memory("cannot add the attestation attribute");
	}
	return HWE_OK;
}

int hwe_csr_rebind(X509_REQ *req, EVP_PKEY *key, const struct hwe_csr_extra *extra)
{
	int i;

	while ((i = X509_REQ_get_attr_by_NID(req, NID_pkcs9_challengePassword, -1)) >= 0)
		X509_ATTRIBUTE_free(X509_REQ_delete_attr(req, i));
	if (extra && extra->challenge &&
	    !X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword, MBSTRING_ASC,
				       (const unsigned char *)extra->challenge, -1))
		return no_memory("cannot add the challengePassword");
	return sign_req(req, key, extra);
}

/* The server's template: its extensions replace the config's of the same
 * type; those it marks critical are. */
static int template_exts(STACK_OF(X509_EXTENSION) **exts, const struct hwe_csr_extra *extra)
{
	X509_EXTENSION *e;
	int i, idx;

	for (i = 0; i < sk_X509_EXTENSION_num(extra->exts); i++) {
		e = sk_X509_EXTENSION_value(extra->exts, i);
		while (*exts && (idx = X509v3_get_ext_by_OBJ(*exts, X509_EXTENSION_get_object(e), -1)) >= 0)
			X509_EXTENSION_free(X509v3_delete_ext(*exts, idx));
		if (!X509v3_add_ext(exts, e, -1))
			return no_memory("cannot add an extension of the server's CSR template");
	}
	for (i = 0; i < sk_ASN1_OBJECT_num(extra->critical); i++) {
		idx = *exts ? X509v3_get_ext_by_OBJ(*exts, sk_ASN1_OBJECT_value(extra->critical, i), -1) : -1;
		if (idx >= 0 && !X509_EXTENSION_set_critical(X509v3_get_ext(*exts, idx), 1))
			return no_memory("cannot mark an extension critical");
	}
	return HWE_OK;
}

/* A version 1 request for subject (may be NULL) with *exts (which may grow),
 * signed by key. */
static int make_req(const X509_NAME *subject, STACK_OF(X509_EXTENSION) **exts,
		    EVP_PKEY *key, const struct hwe_csr_extra *extra, X509_REQ **out)
{
	int ret = HWE_EXIT_INTERNAL;
	X509_REQ *req = X509_REQ_new();

	*out = NULL;
	if (!req) {
		ret = no_memory("cannot allocate the CSR");
		goto out;
	}
	if (!X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    (subject && !X509_REQ_set_subject_name(req, subject))) {
		ret = no_memory("cannot set the CSR subject");
		goto out;
	}
	if (!X509_REQ_set_pubkey(req, key)) {
		ret = hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND,
				   "cannot put the key's public key into the CSR");
		goto out;
	}
	if (extra && extra->mac_ext && (ret = add_mac_ext(exts, extra->mac)))
		goto out;
	if (extra && (ret = template_exts(exts, extra)))
		goto out;
	if (*exts && sk_X509_EXTENSION_num(*exts) > 0 && !X509_REQ_add_extensions(req, *exts)) {
		ret = no_memory("cannot add the requested extensions");
		goto out;
	}
	if ((ret = add_attrs(req, extra)))
		goto out;
	ret = sign_req(req, key, extra);
	if (ret != HWE_OK)
		goto out;
	*out = req;
	req = NULL;
	ret = HWE_OK;
out:
	X509_REQ_free(req);
	return ret;
}

int hwe_csr_build(const struct hwe_csrconf *conf, EVP_PKEY *key, const struct hwe_csr_extra *extra,
		  X509_REQ **out)
{
	int ret = HWE_EXIT_INTERNAL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_NAME *subject = NULL;

	*out = NULL;
	/* the server's CSR template names the subject it wants */
	if (!(extra && extra->subject) && (ret = conf_subject(conf, &subject)) != HWE_OK)
		goto out;
	ret = conf_exts(conf, 1, &exts);
	if (ret != HWE_OK)
		goto out;
	ret = make_req(subject ? subject : extra->subject, &exts, key, extra, out);
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(subject);
	return ret;
}

int hwe_csr_from_cert(X509 *cert, const struct hwe_csrconf *conf, EVP_PKEY *key,
		      const struct hwe_csr_extra *extra, X509_REQ **out)
{
	int ret = HWE_EXIT_INTERNAL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_EXTENSION *san = NULL;
	int idx;

	*out = NULL;
	/* RFC 7030 4.2.2: subject and subjectAltName as in the current
	 * certificate; whatever the config says about them is not used */
	if (conf) {
		ret = conf_exts(conf, 0, &exts);
		if (ret != HWE_OK)
			goto out;
		if (conf->nsans)
			hwe_info("re-enrollment: subjectAltNames from the CSR config ignored, "
				 "the current certificate's are requested");
	}
	idx = X509_get_ext_by_NID(cert, NID_subject_alt_name, -1);
	if (idx >= 0) {
		san = X509_EXTENSION_dup(X509_get_ext(cert, idx));
		if (!san || (!exts && !(exts = sk_X509_EXTENSION_new_null())) ||
		    !sk_X509_EXTENSION_push(exts, san)) {
			ret = no_memory("cannot copy the subjectAltName");
			goto out;
		}
		san = NULL;
	}
	ret = make_req(X509_get_subject_name(cert), &exts, key, extra, out);
out:
	X509_EXTENSION_free(san);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ret;
}

int hwe_csr_to_pem(X509_REQ *req, char **pem, size_t *len)
{
	int ret = HWE_EXIT_INTERNAL;
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;

	*pem = NULL;
	*len = 0;
	if (!bio || !PEM_write_bio_X509_REQ(bio, req)) {
		ret = no_memory("cannot write the CSR as PEM");
		goto out;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0 || !(*pem = malloc((size_t)n + 1))) {
		ret = no_memory("cannot copy the CSR PEM");
		goto out;
	}
	memcpy(*pem, data, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	ret = HWE_OK;
out:
	BIO_free(bio);
	return ret;
}

int hwe_csr_from_pem(const unsigned char *pem, size_t len, X509_REQ **out)
{
	int ret = HWE_EXIT_KEYSTORE;
	BIO *bio = NULL;

	*out = NULL;
	if (len > INT_MAX) {
		ret = hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
			      "saved CSR is too large (%zu bytes)", len);
		goto out;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio) {
		ret = no_memory("cannot read the saved CSR");
		goto out;
	}
	*out = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	if (!*out) {
		ret = hwe_err_ossl(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
				   "saved CSR is not a PEM certificate request");
		goto out;
	}
	ret = HWE_OK;
out:
	BIO_free(bio);
	return ret;
}
