/* SPDX-License-Identifier: BSD-3-Clause */
/* attest.c - --require-attestation: verify the TPM key attestation a CSR
 * carries (draft-ietf-lamps-csr-attestation, TCG tcg-attest-tpm-certify).
 *
 * The CSR's id-aa-attestation attribute (1.2.840.113549.1.9.16.2.59) holds
 *   AttestationBundle ::= SEQUENCE {
 *     attestations SEQUENCE OF SEQUENCE { type OID, stmt ANY },
 *     certs SEQUENCE OF Certificate OPTIONAL }
 * and the statement of type tcg-attest-tpm-certify (2.23.133.20.1) is
 *   SEQUENCE { tpmSAttest OCTET STRING, signature OCTET STRING,
 *              tpmTPublic OCTET STRING }
 * with the TPM structures as the TPM marshals them: TPMS_ATTEST,
 * TPMT_SIGNATURE and the certified key's TPMT_PUBLIC.
 *
 * Checked, each refusal naming its cause (the 403 body, and attest=WORD in
 * requests.log): the evidence is there and parses (none, malformed); the
 * AK certificate chains to --attestation-ca (untrusted-ak); the signature
 * over TPMS_ATTEST is the AK's (bad-signature); TPMS_ATTEST is
 * TPM_GENERATED / TPM_ST_ATTEST_CERTIFY (not-certify); its certified name
 * is the name of the TPMT_PUBLIC (name-mismatch); that key is the CSR's
 * (other-key); fixedTPM, fixedParent, sensitiveDataOrigin are set
 * (duplicable); extraData is SHA-256 of this connection's channel binding
 * (replayed).  An attested key's certificate gets the certificate policy
 * ATTEST_POLICY_OID (under 1.3.6.1.4.1.32473, IANA's example enterprise
 * number, RFC 5612: for documentation and tests only). */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "estserver.h"

#define OID_ATTESTATION "1.2.840.113549.1.9.16.2.59"
#define OID_TPM_CERTIFY "2.23.133.20.1"

#define TPM_GENERATED 0xff544347u
#define ST_ATTEST_CERTIFY 0x8017u
#define ALG_RSA 0x0001u
#define ALG_SHA256 0x000bu
#define ALG_SHA384 0x000cu
#define ALG_NULL 0x0010u
#define ALG_RSASSA 0x0014u
#define ALG_ECDSA 0x0018u
#define ALG_ECC 0x0023u
#define OBJ_FIXEDTPM 0x00000002u
#define OBJ_FIXEDPARENT 0x00000010u
#define OBJ_SENSITIVEDATAORIGIN 0x00000020u

int attest_load_ca(struct est_server *srv, const char *file, char *err, size_t errlen)
{
	BIO *bio = BIO_new_file(file, "r");
	X509 *x;
	int n = 0;

	if (!bio) {
		snprintf(err, errlen, "cannot open --attestation-ca '%s'", file);
		return 0;
	}
	srv->attest_store = X509_STORE_new();
	while (srv->attest_store && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(srv->attest_store, x))
			n++;
		X509_free(x);
	}
	BIO_free(bio);
	ERR_clear_error();
	if (n == 0) {
		snprintf(err, errlen, "--attestation-ca '%s' holds no PEM certificate", file);
		return 0;
	}
	return 1;
}

/* ---- TPM structures, big-endian, each TPM2B a 16-bit size and bytes ---- */

struct rd {
	const unsigned char *p;
	size_t left;
	int bad;
};

static unsigned long get(struct rd *r, size_t n)
{
	unsigned long v = 0;
	size_t i;

	if (r->bad || r->left < n) {
		r->bad = 1;
		return 0;
	}
	for (i = 0; i < n; i++)
		v = (v << 8) | r->p[i];
	r->p += n;
	r->left -= n;
	return v;
}

static const unsigned char *get2b(struct rd *r, size_t *len)
{
	const unsigned char *d;

	*len = get(r, 2);
	if (r->bad || r->left < *len) {
		r->bad = 1;
		return NULL;
	}
	d = r->p;
	r->p += *len;
	r->left -= *len;
	return d;
}

struct certify_info {
	const unsigned char *extra, *name;
	size_t extralen, namelen;
};

/* TPMS_ATTEST with TPMS_CERTIFY_INFO; 0 if malformed, -1 if not a certify */
static int parse_attest(const unsigned char *p, size_t len, struct certify_info *ci)
{
	struct rd r = { p, len, 0 };
	size_t n;

	if (get(&r, 4) != TPM_GENERATED || get(&r, 2) != ST_ATTEST_CERTIFY)
		return r.bad ? 0 : -1;
	get2b(&r, &n);				/* qualifiedSigner */
	ci->extra = get2b(&r, &ci->extralen);
	get(&r, 8);				/* clockInfo: clock, */
	get(&r, 4);				/* resetCount, */
	get(&r, 4);				/* restartCount, */
	get(&r, 1);				/* safe */
	get(&r, 8);				/* firmwareVersion */
	ci->name = get2b(&r, &ci->namelen);	/* certifyInfo.name */
	get2b(&r, &n);				/* certifyInfo.qualifiedName */
	return !r.bad && r.left == 0;
}

/* TPMT_PUBLIC (ECC or RSA signing key): its attributes, nameAlg, and the
 * public key as an EVP_PKEY; NULL if malformed or another type. */
static EVP_PKEY *parse_public(const unsigned char *p, size_t len, unsigned long *attrs, unsigned *name_alg)
{
	struct rd r = { p, len, 0 };
	unsigned long type, v;
	size_t n, xl = 0, yl = 0;
	const unsigned char *x = NULL, *y = NULL;
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *k = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	unsigned char pt[1 + 2 * 66];
	const char *group = NULL;
	unsigned long curve = 0, exponent = 0;
	int ok = 0;

	type = get(&r, 2);
	*name_alg = (unsigned)get(&r, 2);
	*attrs = get(&r, 4);
	get2b(&r, &n);				/* authPolicy */
	if (type == ALG_ECC || type == ALG_RSA) {
		if ((v = get(&r, 2)) != ALG_NULL)	/* symmetric */
			get(&r, 4);
		if ((v = get(&r, 2)) != ALG_NULL)	/* scheme */
			get(&r, 2);
	}
	if (type == ALG_ECC) {
		curve = get(&r, 2);
		if ((v = get(&r, 2)) != ALG_NULL)	/* kdf */
			get(&r, 2);
		x = get2b(&r, &xl);
		y = get2b(&r, &yl);
		group = curve == 3 ? "P-256" : curve == 4 ? "P-384" : curve == 5 ? "P-521" : NULL;
		if (!r.bad && r.left == 0 && group && xl == yl && xl <= 66 && b) {
			pt[0] = 4;
			memcpy(pt + 1, x, xl);
			memcpy(pt + 1 + xl, y, yl);
			ok = OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
			     OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * xl);
			c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		}
	} else if (type == ALG_RSA) {
		get(&r, 2);				/* keyBits */
		exponent = get(&r, 4);
		x = get2b(&r, &xl);
		if (!r.bad && r.left == 0 && b) {
			bn = BN_bin2bn(x, (int)xl, NULL);
			be = BN_new();
			ok = bn && be && BN_set_word(be, exponent ? exponent : 65537) &&
			     OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
			     OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be);
			c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
		}
	}
	if (!ok || !c || !(params = OSSL_PARAM_BLD_to_param(b)) || EVP_PKEY_fromdata_init(c) <= 0 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		k = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(c);
	BN_free(bn);
	BN_free(be);
	return k;
}

static const EVP_MD *tpm_md(unsigned alg)
{
	return alg == ALG_SHA256 ? EVP_sha256() : alg == ALG_SHA384 ? EVP_sha384() : NULL;
}

/* TPMT_SIGNATURE (ECDSA or RSASSA) over data by key: 1 verified, 0 not,
 * -1 malformed */
static int verify_sig(EVP_PKEY *key, const unsigned char *sig, size_t siglen, const unsigned char *data,
		      size_t datalen)
{
	struct rd r = { sig, siglen, 0 };
	unsigned long alg = get(&r, 2), hash = get(&r, 2);
	const EVP_MD *md = tpm_md((unsigned)hash);
	unsigned char *der = NULL;
	int derlen = 0, ok = -1;
	EVP_MD_CTX *mc = NULL;

	if (r.bad || !md)
		return -1;
	if (alg == ALG_ECDSA) {
		size_t rl, sl;
		const unsigned char *rb = get2b(&r, &rl), *sb = get2b(&r, &sl);
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *br = rb ? BN_bin2bn(rb, (int)rl, NULL) : NULL, *bs = sb ? BN_bin2bn(sb, (int)sl, NULL) : NULL;

		if (!r.bad && r.left == 0 && es && br && bs && ECDSA_SIG_set0(es, br, bs)) {
			br = bs = NULL;
			derlen = i2d_ECDSA_SIG(es, &der);
		}
		BN_free(br);
		BN_free(bs);
		ECDSA_SIG_free(es);
	} else if (alg == ALG_RSASSA) {
		size_t l;
		const unsigned char *s = get2b(&r, &l);

		if (!r.bad && r.left == 0 && (der = OPENSSL_memdup(s, l)) != NULL)
			derlen = (int)l;
	}
	if (derlen <= 0)
		goto out;
	mc = EVP_MD_CTX_new();
	ok = mc && EVP_DigestVerifyInit(mc, NULL, md, NULL, key) == 1 &&
	     EVP_DigestVerify(mc, der, (size_t)derlen, data, datalen) == 1;
out:
	EVP_MD_CTX_free(mc);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

/* ---- the CSR attribute -------------------------------------------------- */

struct evidence {
	const unsigned char *attest, *sig, *pub;
	size_t attestlen, siglen, publen;
	STACK_OF(X509) *certs;
};

/* next TLV of [*p, end): its content and tag; 0 at the end or if malformed */
static int tlv(const unsigned char **p, const unsigned char *end, int *tag, const unsigned char **c, long *len)
{
	int cls, r;

	if (*p >= end)
		return 0;
	*c = *p;
	r = ASN1_get_object(c, len, tag, &cls, end - *p);
	if (r & 0x80 || cls != V_ASN1_UNIVERSAL)
		return 0;
	*p = *c + *len;
	return 1;
}

static int parse_bundle(const unsigned char *der, long derlen, struct evidence *ev)
{
	const unsigned char *p = der, *end = der + derlen, *c, *lp, *lend, *sp, *send, *q, *qe;
	long len;
	int tag, found = 0;

	if (!tlv(&p, end, &tag, &c, &len) || tag != V_ASN1_SEQUENCE || p != end)
		return 0;
	p = c;
	end = c + len;
	if (!tlv(&p, end, &tag, &lp, &len) || tag != V_ASN1_SEQUENCE)
		return 0;
	lend = lp + len;
	while (lp < lend) {
		ASN1_OBJECT *o;
		char oid[64];
		const unsigned char *op;

		if (!tlv(&lp, lend, &tag, &sp, &len) || tag != V_ASN1_SEQUENCE)
			return 0;
		send = sp + len;
		op = sp;
		if (!(o = d2i_ASN1_OBJECT(NULL, &op, send - sp)))
			return 0;
		OBJ_obj2txt(oid, sizeof(oid), o, 1);
		ASN1_OBJECT_free(o);
		sp = op;
		if (strcmp(oid, OID_TPM_CERTIFY) != 0 || found)
			continue;
		/* stmt: SEQUENCE { OCTET STRING x3 } */
		if (!tlv(&sp, send, &tag, &q, &len) || tag != V_ASN1_SEQUENCE)
			return 0;
		qe = q + len;
		if (!tlv(&q, qe, &tag, &ev->attest, &len) || tag != V_ASN1_OCTET_STRING)
			return 0;
		ev->attestlen = (size_t)len;
		if (!tlv(&q, qe, &tag, &ev->sig, &len) || tag != V_ASN1_OCTET_STRING)
			return 0;
		ev->siglen = (size_t)len;
		if (!tlv(&q, qe, &tag, &ev->pub, &len) || tag != V_ASN1_OCTET_STRING)
			return 0;
		ev->publen = (size_t)len;
		found = 1;
	}
	if (!found)
		return 0;
	ev->certs = sk_X509_new_null();
	if (p < end) {
		const unsigned char *cp, *cend;

		if (!tlv(&p, end, &tag, &cp, &len) || tag != V_ASN1_SEQUENCE)
			return 0;
		cend = cp + len;
		while (cp < cend) {
			X509 *x = d2i_X509(NULL, &cp, cend - cp);

			if (!x || !sk_X509_push(ev->certs, x)) {
				X509_free(x);
				return 0;
			}
		}
	}
	return ev->certs != NULL;
}

/* The certificate of certs that verifies the signature and chains to the
 * attestation CA (the others are its untrusted chain). */
static int ak_verify(struct est_server *srv, const struct evidence *ev, char *msg, size_t msglen,
		     const char **word)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int i, sig_ok = 0, chain_ok = 0;
	char why[160] = "no certificate in the evidence";

	for (i = 0; ctx && i < sk_X509_num(ev->certs) && !chain_ok; i++) {
		X509 *x = sk_X509_value(ev->certs, i);
		int v = verify_sig(X509_get0_pubkey(x), ev->sig, ev->siglen, ev->attest, ev->attestlen);

		if (v < 0) {
			snprintf(msg, msglen, "the evidence's TPMT_SIGNATURE is malformed or of an unsupported scheme");
			*word = "malformed";
			X509_STORE_CTX_free(ctx);
			return 0;
		}
		if (v == 0)
			continue;
		sig_ok = 1;
		if (!X509_STORE_CTX_init(ctx, srv->attest_store, x, ev->certs))
			break;
		if (X509_verify_cert(ctx) == 1)
			chain_ok = 1;
		else
			snprintf(why, sizeof(why), "%s",
				 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		X509_STORE_CTX_cleanup(ctx);
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	if (!sig_ok) {
		snprintf(msg, msglen, "the signature over TPMS_ATTEST is not made by the AK certificate's key");
		*word = "bad-signature";
		return 0;
	}
	if (!chain_ok) {
		snprintf(msg, msglen, "the attestation key's certificate does not chain to the attestation CA (%s)", why);
		*word = "untrusted-ak";
		return 0;
	}
	return 1;
}

int attest_check(struct est_conn *c, X509_REQ *req, char *msg, size_t msglen, const char **word)
{
	struct evidence ev = { 0 };
	struct certify_info ci = { 0 };
	ASN1_OBJECT *obj = OBJ_txt2obj(OID_ATTESTATION, 1);
	X509_ATTRIBUTE *at;
	ASN1_TYPE *t;
	EVP_PKEY *key = NULL;
	unsigned char bind[POP_BINDING_MAX], qual[32], name[2 + EVP_MAX_MD_SIZE];
	unsigned int qlen = 32, nlen = 0;
	unsigned long attrs = 0;
	unsigned name_alg = 0;
	const char *btype;
	size_t blen = 0;
	int i, r, ok = 0;

	*word = "malformed";
	i = obj ? X509_REQ_get_attr_by_OBJ(req, obj, -1) : -1;
	ASN1_OBJECT_free(obj);
	if (i < 0) {
		snprintf(msg, msglen, "the CSR carries no attestation evidence (attribute id-aa-attestation %s)",
			 OID_ATTESTATION);
		*word = "none";
		goto out;
	}
	at = X509_REQ_get_attr(req, i);
	if (X509_ATTRIBUTE_count(at) != 1 || !(t = X509_ATTRIBUTE_get0_type(at, 0)) || t->type != V_ASN1_SEQUENCE ||
	    !parse_bundle(t->value.sequence->data, t->value.sequence->length, &ev)) {
		snprintf(msg, msglen, "the attestation attribute is not an AttestationBundle with a %s statement",
			 OID_TPM_CERTIFY);
		goto out;
	}
	if (!ak_verify(c->srv, &ev, msg, msglen, word))
		goto out;
	r = parse_attest(ev.attest, ev.attestlen, &ci);
	if (r <= 0) {
		snprintf(msg, msglen, r < 0 ? "TPMS_ATTEST is not a TPM-generated TPM_ST_ATTEST_CERTIFY" :
			 "TPMS_ATTEST is malformed");
		*word = r < 0 ? "not-certify" : "malformed";
		goto out;
	}
	if (!(key = parse_public(ev.pub, ev.publen, &attrs, &name_alg)) || !tpm_md(name_alg)) {
		snprintf(msg, msglen, "the certified key's TPMT_PUBLIC is malformed or not an ECC/RSA key");
		goto out;
	}
	/* Name = nameAlg || H_nameAlg(TPMT_PUBLIC) */
	name[0] = (unsigned char)(name_alg >> 8);
	name[1] = (unsigned char)name_alg;
	EVP_Digest(ev.pub, ev.publen, name + 2, &nlen, tpm_md(name_alg), NULL);
	if (ci.namelen != 2 + nlen || memcmp(ci.name, name, ci.namelen) != 0) {
		snprintf(msg, msglen, "the certified name is not the name of the TPMT_PUBLIC in the evidence");
		*word = "name-mismatch";
		goto out;
	}
	if (EVP_PKEY_eq(key, X509_REQ_get0_pubkey(req)) != 1) {
		snprintf(msg, msglen, "the evidence certifies another key than the CSR's");
		*word = "other-key";
		goto out;
	}
	if ((attrs & (OBJ_FIXEDTPM | OBJ_FIXEDPARENT | OBJ_SENSITIVEDATAORIGIN)) !=
	    (OBJ_FIXEDTPM | OBJ_FIXEDPARENT | OBJ_SENSITIVEDATAORIGIN)) {
		snprintf(msg, msglen, "the certified key can leave the TPM (attributes 0x%08lx: fixedTPM, fixedParent "
			 "and sensitiveDataOrigin must be set)", attrs);
		*word = "duplicable";
		goto out;
	}
	if (!pop_binding(c->ssl, bind, &blen, &btype)) {
		snprintf(msg, msglen, "the server cannot compute this connection's channel binding");
		goto out;
	}
	EVP_Digest(bind, blen, qual, &qlen, EVP_sha256(), NULL);
	if (ci.extralen != qlen || memcmp(ci.extra, qual, qlen) != 0) {
		snprintf(msg, msglen, "the evidence is bound to another TLS connection (qualifyingData is not "
			 "SHA-256 of this connection's %s)", btype);
		*word = "replayed";
		goto out;
	}
	*word = "ok";
	ok = 1;
out:
	fprintf(stderr, "hwe-estserver: attestation %s%s%s\n", ok ? "verified" : "refused: ", ok ? "" : msg,
		ok ? " (TPM2_Certify by an AK of the attestation CA, key fixedTPM/fixedParent, bound to this connection)" : "");
	EVP_PKEY_free(key);
	sk_X509_pop_free(ev.certs, X509_free);
	ERR_clear_error();
	return ok;
}
