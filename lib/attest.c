/* SPDX-License-Identifier: BSD-3-Clause */
/* attest.c - the attestation key and TPM2_Certify evidence (attest.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest.h"
#include "filecheck.h"
#include "hwenroll.h"
#include "log.h"
#include "rc.h"
#include "tss2-dl.h"

#define TSS2_LOADABLE_OID "2.23.133.10.1.3"
#define NV_CHUNK 512
#define NV_MAX (16 * 1024)

struct hwe_tpm {
	const struct hwe_tss2 *t;
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	const char *name;
};

static int tss_fail(const struct hwe_tpm *t, TSS2_RC rc, const char *what)
{
	hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "%s on the TPM at '%s' (%s)", what, t->name,
		t->t->Tss2_RC_Decode(rc));
	return HWE_EXIT_KEY;
}

int hwe_tpm_open(const char *tcti, struct hwe_tpm **out)
{
	struct hwe_tpm *t;
	TSS2_RC rc;
	int ret;

	*out = NULL;
	if (!hwe_log_enabled(HWE_LOG_DEBUG))
		setenv("TSS2_LOG", "all+NONE", 0);
	if ((ret = hwe_tpm2_tcti_check(tcti)))
		return ret;
	if (!(t = calloc(1, sizeof(*t))))
		return hwe_err_oom();
	t->name = tcti;
	if ((ret = hwe_tss2_load(&t->t))) {
		free(t);
		return ret;
	}
	rc = t->t->Tss2_TctiLdr_Initialize(tcti, &t->tcti);
	if (rc) {
		ret = tss_fail(t, rc, "cannot open the TCTI");
		hwe_tpm_close(t);
		return ret;
	}
	rc = t->t->Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc) {
		ret = tss_fail(t, rc, "cannot initialize the TPM connection");
		hwe_tpm_close(t);
		return ret;
	}
	*out = t;
	return HWE_OK;
}

void hwe_tpm_close(struct hwe_tpm *t)
{
	if (!t)
		return;
	if (t->esys)
		t->t->Esys_Finalize(&t->esys);
	if (t->tcti)
		t->t->Tss2_TctiLdr_Finalize(&t->tcti);
	free(t);
}

ESYS_CONTEXT *hwe_tpm_esys(const struct hwe_tpm *t)
{
	return t->esys;
}

/* ---- public keys -------------------------------------------------------- */

/* The OpenSSL public key of a TPMT_PUBLIC (ECC or RSA); NULL if neither. */
static EVP_PKEY *pub_to_pkey(const TPMT_PUBLIC *p)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *k = NULL;
	BIGNUM *n = NULL, *e = NULL;
	unsigned char pt[1 + 2 * TPM2_MAX_ECC_KEY_BYTES];
	const char *group = NULL;
	int ok = 0;

	if (!b)
		goto out;
	if (p->type == TPM2_ALG_ECC) {
		const TPMS_ECC_POINT *q = &p->unique.ecc;
		size_t l = q->x.size;

		switch (p->parameters.eccDetail.curveID) {
		case TPM2_ECC_NIST_P256: group = "P-256"; break;
		case TPM2_ECC_NIST_P384: group = "P-384"; break;
		case TPM2_ECC_NIST_P521: group = "P-521"; break;
		default: goto out;
		}
		if (q->y.size != l || l > TPM2_MAX_ECC_KEY_BYTES)
			goto out;
		pt[0] = 4;
		memcpy(pt + 1, q->x.buffer, l);
		memcpy(pt + 1 + l, q->y.buffer, l);
		ok = OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
		     OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * l);
		c = EVP_PKEY_CTX_new_from_name(NULL, "EC", "provider=default");
	} else if (p->type == TPM2_ALG_RSA) {
		uint32_t ex = p->parameters.rsaDetail.exponent ? p->parameters.rsaDetail.exponent : 65537;

		n = BN_bin2bn(p->unique.rsa.buffer, p->unique.rsa.size, NULL);
		e = BN_new();
		ok = n && e && BN_set_word(e, ex) && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) &&
		     OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e);
		c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", "provider=default");
	}
	if (!ok || !c || !(params = OSSL_PARAM_BLD_to_param(b)) || EVP_PKEY_fromdata_init(c) <= 0 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		k = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(c);
	BN_free(n);
	BN_free(e);
	return k;
}

static const char *curve_name(TPMI_ECC_CURVE c)
{
	switch (c) {
	case TPM2_ECC_NIST_P256: return "NIST P-256";
	case TPM2_ECC_NIST_P384: return "NIST P-384";
	default: return "other curve";
	}
}

#define AK_ATTRS (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
		  TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)

int hwe_ak_read(struct hwe_tpm *t, uint32_t handle, struct hwe_ak_info *ai)
{
	ESYS_TR tr = ESYS_TR_NONE;
	TPM2B_PUBLIC *pub = NULL;
	TSS2_RC rc;
	TPMA_OBJECT a;
	const TPMT_PUBLIC *p;

	memset(ai, 0, sizeof(*ai));
	ai->handle = handle;
	rc = t->t->Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
	if (rc) {
		if ((rc & 0xbfu) == TPM2_RC_HANDLE || (rc & 0xfffu) == (TPM2_RC_HANDLE | TPM2_RC_1)) {
			snprintf(ai->desc, sizeof(ai->desc), "missing");
			return HWE_OK;
		}
		return tss_fail(t, rc, "cannot look up the attestation key");
	}
	rc = t->t->Esys_ReadPublic(t->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL, NULL);
	t->t->Esys_TR_Close(t->esys, &tr);
	if (rc)
		return tss_fail(t, rc, "cannot read the attestation key");
	ai->present = 1;
	p = &pub->publicArea;
	a = p->objectAttributes;
	if ((a & AK_ATTRS) != AK_ATTRS || (a & TPMA_OBJECT_DECRYPT)) {
		snprintf(ai->desc, sizeof(ai->desc),
			 "object with attributes 0x%08x, not a restricted signing key with fixedTPM",
			 (unsigned)a);
	} else if (p->type == TPM2_ALG_ECC && p->parameters.eccDetail.scheme.scheme == TPM2_ALG_ECDSA) {
		snprintf(ai->desc, sizeof(ai->desc), "ECC %s restricted signing key (ECDSA)",
			 curve_name(p->parameters.eccDetail.curveID));
		ai->usable = 1;
	} else if (p->type == TPM2_ALG_RSA && p->parameters.rsaDetail.scheme.scheme == TPM2_ALG_RSASSA) {
		snprintf(ai->desc, sizeof(ai->desc), "RSA %u restricted signing key (RSASSA)",
			 (unsigned)p->parameters.rsaDetail.keyBits);
		ai->usable = 1;
	} else {
		snprintf(ai->desc, sizeof(ai->desc), "signing key of type 0x%04x with an unsupported scheme",
			 (unsigned)p->type);
	}
	if (ai->usable && !(ai->pub = pub_to_pkey(p))) {
		ai->usable = 0;
		snprintf(ai->desc, sizeof(ai->desc), "signing key whose public part OpenSSL cannot use");
	}
	t->t->Esys_Free(pub);
	return HWE_OK;
}

int hwe_ak_create(struct hwe_tpm *t, uint32_t handle, int rsa)
{
	TPM2B_SENSITIVE_CREATE in_sensitive = { 0 };
	TPM2B_PUBLIC in_public = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	ESYS_TR obj = ESYS_TR_NONE, persistent = ESYS_TR_NONE;
	TPMT_PUBLIC *p = &in_public.publicArea;
	TSS2_RC rc;
	int ret = HWE_EXIT_KEY;

	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = AK_ATTRS | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
	if (rsa) {
		p->type = TPM2_ALG_RSA;
		p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
		p->parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
		p->parameters.rsaDetail.keyBits = 2048;
	} else {
		p->type = TPM2_ALG_ECC;
		p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
		p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
		p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	}
	hwe_info("tpm: creating the attestation key 0x%08x (%s restricted signing key, owner hierarchy)",
		 handle, rsa ? "RSA 2048" : "ECC P-256");
	rc = t->t->Esys_CreatePrimary(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				      &in_sensitive, &in_public, &outside, &pcrs, &obj, NULL, NULL, NULL, NULL);
	if (rc) {
		tss_fail(t, rc, "cannot create the attestation key");
		goto out;
	}
	rc = t->t->Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				     ESYS_TR_NONE, handle, &persistent);
	if (rc) {
		tss_fail(t, rc, "cannot make the attestation key persistent");
		hwe_err_hint("is 0x%08x in the owner range (0x81000000-0x817fffff) and free "
			     "(tpm2_getcap handles-persistent)?", handle);
		goto out;
	}
	t->t->Esys_TR_Close(t->esys, &persistent);
	ret = HWE_OK;
out:
	if (obj != ESYS_TR_NONE)
		t->t->Esys_FlushContext(t->esys, obj);
	return ret;
}

/* ---- signatures --------------------------------------------------------- */

/* A TPMT_SIGNATURE as X.509 signature bytes (DER ECDSA-Sig-Value, or the
 * RSASSA octets). */
static int sig_to_x509(const TPMT_SIGNATURE *s, unsigned char **der, int *derlen)
{
	if (s->sigAlg == TPM2_ALG_ECDSA) {
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(s->signature.ecdsa.signatureR.buffer, s->signature.ecdsa.signatureR.size, NULL);
		BIGNUM *ss = BN_bin2bn(s->signature.ecdsa.signatureS.buffer, s->signature.ecdsa.signatureS.size, NULL);

		*der = NULL;
		if (!es || !r || !ss || !ECDSA_SIG_set0(es, r, ss)) {
			ECDSA_SIG_free(es);
			BN_free(r);
			BN_free(ss);
			return 0;
		}
		*derlen = i2d_ECDSA_SIG(es, der);
		ECDSA_SIG_free(es);
		return *derlen > 0;
	}
	if (s->sigAlg == TPM2_ALG_RSASSA) {
		*derlen = s->signature.rsassa.sig.size;
		*der = OPENSSL_memdup(s->signature.rsassa.sig.buffer, (size_t)*derlen);
		return *der != NULL;
	}
	return 0;
}

int hwe_ak_csr(struct hwe_tpm *t, const struct hwe_ak_info *ai, X509_REQ **out)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_BIT_STRING *bits = ASN1_BIT_STRING_new();
	unsigned char *tbs = NULL, *sig = NULL;
	int tbslen, siglen = 0, rsa, ret = HWE_EXIT_INTERNAL;
	TPM2B_MAX_BUFFER data = { 0 };
	TPM2B_DIGEST *digest = NULL;
	TPMT_TK_HASHCHECK *ticket = NULL;
	TPMT_SIGNATURE *tsig = NULL;
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	ESYS_TR ak = ESYS_TR_NONE;
	char cn[64];
	TSS2_RC rc;

	*out = NULL;
	rsa = EVP_PKEY_is_a(ai->pub, "RSA");
	snprintf(cn, sizeof(cn), "hwenroll attestation key 0x%08x", ai->handle);
	if (!req || !name || !alg || !bits ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, ai->pub) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(rsa ? NID_sha256WithRSAEncryption : NID_ecdsa_with_SHA256),
			     rsa ? V_ASN1_NULL : V_ASN1_UNDEF, NULL)) {
		ret = hwe_err_oom();
		goto out;
	}
	tbslen = i2d_re_X509_REQ_tbs(req, &tbs);
	if (tbslen <= 0 || (size_t)tbslen > sizeof(data.buffer)) {
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot encode the attestation key's CSR");
		goto out;
	}
	data.size = (UINT16)tbslen;
	memcpy(data.buffer, tbs, (size_t)tbslen);
	/* a restricted key signs only a digest the TPM made, with its ticket
	 * saying the data did not start with TPM_GENERATED_VALUE */
	rc = t->t->Esys_Hash(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &data, TPM2_ALG_SHA256,
			     ESYS_TR_RH_OWNER, &digest, &ticket);
	if (rc) {
		ret = tss_fail(t, rc, "cannot hash the attestation key's CSR");
		goto out;
	}
	rc = t->t->Esys_TR_FromTPMPublic(t->esys, ai->handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ak);
	if (!rc)
		rc = t->t->Esys_Sign(t->esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, digest, &scheme,
				     ticket, &tsig);
	if (rc) {
		ret = tss_fail(t, rc, "the attestation key cannot sign its CSR");
		goto out;
	}
	if (!sig_to_x509(tsig, &sig, &siglen)) {
		ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "the TPM returned a signature of scheme 0x%04x",
			      (unsigned)tsig->sigAlg);
		goto out;
	}
	ASN1_STRING_set0(bits, sig, siglen);
	sig = NULL;
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, bits);
	bits = NULL;
	if (!X509_REQ_set1_signature_algo(req, alg)) {
		ret = hwe_err_oom();
		goto out;
	}
	if (X509_REQ_verify(req, ai->pub) != 1) {
		ret = hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_TPM,
				   "the attestation key's signature over its CSR does not verify");
		goto out;
	}
	*out = req;
	req = NULL;
	ret = HWE_OK;
out:
	if (ak != ESYS_TR_NONE)
		t->t->Esys_TR_Close(t->esys, &ak);
	t->t->Esys_Free(digest);
	t->t->Esys_Free(ticket);
	t->t->Esys_Free(tsig);
	OPENSSL_free(tbs);
	OPENSSL_free(sig);
	ASN1_BIT_STRING_free(bits);
	X509_ALGOR_free(alg);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return ret;
}

/* ---- the AK's certificates ---------------------------------------------- */

static int nv_read(struct hwe_tpm *t, uint32_t index, unsigned char **buf, size_t *len)
{
	ESYS_TR nv = ESYS_TR_NONE, auth;
	TPM2B_NV_PUBLIC *pub = NULL;
	TPM2B_MAX_NV_BUFFER *chunk = NULL;
	unsigned char *b = NULL;
	size_t size, off = 0;
	TSS2_RC rc;
	int ret = HWE_EXIT_KEY;
	char what[64];

	snprintf(what, sizeof(what), "cannot read the NV index 0x%08x", index);
	rc = t->t->Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
	if (!rc)
		rc = t->t->Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc) {
		tss_fail(t, rc, what);
		goto out;
	}
	size = pub->nvPublic.dataSize;
	auth = (pub->nvPublic.attributes & TPMA_NV_AUTHREAD) ? nv : ESYS_TR_RH_OWNER;
	if (size == 0 || size > NV_MAX || !(b = malloc(size))) {
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "the NV index 0x%08x holds %zu bytes, not a certificate",
			index, size);
		goto out;
	}
	while (off < size) {
		UINT16 n = (UINT16)(size - off > NV_CHUNK ? NV_CHUNK : size - off);

		rc = t->t->Esys_NV_Read(t->esys, auth, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
					(UINT16)off, &chunk);
		if (rc) {
			tss_fail(t, rc, what);
			goto out;
		}
		memcpy(b + off, chunk->buffer, chunk->size < n ? chunk->size : n);
		off += n;
		t->t->Esys_Free(chunk);
		chunk = NULL;
	}
	*buf = b;
	*len = size;
	b = NULL;
	ret = HWE_OK;
out:
	if (nv != ESYS_TR_NONE)
		t->t->Esys_TR_Close(t->esys, &nv);
	t->t->Esys_Free(pub);
	free(b);
	return ret;
}

int hwe_ak_certs(struct hwe_tpm *t, const char *spec, uint32_t nv, const struct hwe_ak_info *ai,
		 STACK_OF(X509) **out)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	unsigned char *buf = NULL;
	size_t len = 0;
	X509 *x = NULL;
	int ret = HWE_EXIT_INPUT;

	*out = NULL;
	if (!sk)
		return hwe_err_oom();
	if (nv) {
		const unsigned char *p, *end;

		if (!t || (ret = nv_read(t, nv, &buf, &len)))
			goto out;
		/* DER certificates one after another, then padding */
		p = buf;
		end = buf + len;
		while (p < end && *p == 0x30) {
			if (!(x = d2i_X509(NULL, &p, end - p)) || !sk_X509_push(sk, x))
				break;
			x = NULL;
		}
		ret = HWE_EXIT_KEY;
		if (sk_X509_num(sk) == 0) {
			hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "the NV index 0x%08x holds no DER certificate", nv);
			goto out;
		}
	} else {
		FILE *fp = fopen(spec, "r");
		struct stat st;
		BIO *bio;

		if (!fp) {
			hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED, "cannot open the AK certificate file '%s': %s",
				spec, strerror(errno));
			goto out;
		}
		/* whoever can write it chooses the chain the CA is shown */
		if (fstat(fileno(fp), &st) != 0 ||
		    hwe_file_check("AK certificate file", spec, &st, 0, HWE_EXIT_INPUT) != HWE_OK) {
			if (!hwe_err_code())
				hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED, "cannot read '%s'", spec);
			fclose(fp);
			goto out;
		}
		if (!(bio = BIO_new_fp(fp, BIO_CLOSE))) {
			fclose(fp);
			ret = hwe_err_oom();
			goto out;
		}
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			if (!sk_X509_push(sk, x))
				break;
			x = NULL;
		}
		BIO_free(bio);
		ERR_clear_error();
		if (sk_X509_num(sk) == 0) {
			hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
				"the AK certificate file '%s' holds no PEM certificate", spec);
			goto out;
		}
	}
	if (!ai->pub || EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(sk, 0)), ai->pub) != 1) {
		ret = hwe_err(HWE_EXIT_INPUT, HWE_ERR_CERT_KEY_MISMATCH,
			      "the first certificate of '%s' is not for the attestation key 0x%08x", spec,
			      ai->handle);
		hwe_err_hint("give the AK's own certificate first (then its CA chain); "
			     "'hwenroll tpm --ak-csr' prints a CSR for it");
		goto out;
	}
	*out = sk;
	sk = NULL;
	ret = HWE_OK;
out:
	X509_free(x);
	sk_X509_pop_free(sk, X509_free);
	free(buf);
	return ret;
}

/* ---- the evidence ------------------------------------------------------- */

#ifdef HWE_ATTEST_FAULTS
/* Test builds only (test/tpm/hwenroll-attest-faults, never installed):
 * HWE_ATTEST_FAULT=other-key|duplicable|bad-signature makes the
 * evidence wrong in that one way, for the server's refusal tests. */
static int fault_is(const char *name)
{
	const char *f = getenv("HWE_ATTEST_FAULT");

	return f && strcmp(f, name) == 0;
}
#endif

void hwe_attest_qualifying(const unsigned char *binding, size_t len, unsigned char out[32])
{
	unsigned int n = 32;

	EVP_Digest(binding, len, out, &n, EVP_sha256(), NULL);
}

/* a growing DER buffer */
struct der {
	unsigned char *p;
	size_t len, cap;
	int failed;
};

static void der_put(struct der *d, const void *src, size_t n)
{
	if (d->failed)
		return;
	if (d->len + n > d->cap) {
		size_t cap = (d->len + n) * 2 + 64;
		unsigned char *q = OPENSSL_realloc(d->p, cap);

		if (!q) {
			d->failed = 1;
			return;
		}
		d->p = q;
		d->cap = cap;
	}
	memcpy(d->p + d->len, src, n);
	d->len += n;
}

/* tag, definite length, then content */
static void der_tlv(struct der *d, unsigned char tag, const void *content, size_t n)
{
	unsigned char h[6];
	size_t hl = 0;

	h[hl++] = tag;
	if (n < 0x80) {
		h[hl++] = (unsigned char)n;
	} else if (n < 0x100) {
		h[hl++] = 0x81;
		h[hl++] = (unsigned char)n;
	} else if (n < 0x10000) {
		h[hl++] = 0x82;
		h[hl++] = (unsigned char)(n >> 8);
		h[hl++] = (unsigned char)n;
	} else {
		h[hl++] = 0x83;
		h[hl++] = (unsigned char)(n >> 16);
		h[hl++] = (unsigned char)(n >> 8);
		h[hl++] = (unsigned char)n;
	}
	der_put(d, h, hl);
	der_put(d, content, n);
}

/* wrap d's content so far in a SEQUENCE, into out */
static void der_seq(struct der *out, struct der *d)
{
	if (d->failed)
		out->failed = 1;
	der_tlv(out, 0x30, d->p, d->len);
	OPENSSL_free(d->p);
	memset(d, 0, sizeof(*d));
}

static int oid_der(struct der *d, const char *txt)
{
	ASN1_OBJECT *o = OBJ_txt2obj(txt, 1);
	unsigned char *enc = NULL;
	int n = o ? i2d_ASN1_OBJECT(o, &enc) : -1;

	if (n > 0)
		der_put(d, enc, (size_t)n);
	OPENSSL_free(enc);
	ASN1_OBJECT_free(o);
	return n > 0;
}

/* AttestationBundle ::= SEQUENCE {
 *   attestations SEQUENCE OF AttestationStatement { type OID, stmt },
 *   certs SEQUENCE OF CertificateChoices OPTIONAL }
 * stmt (tcg-attest-tpm-certify) ::= SEQUENCE {
 *   tpmSAttest OCTET STRING, signature OCTET STRING, tpmTPublic OCTET STRING } */
static int build_bundle(const unsigned char *attest, size_t attestlen, const unsigned char *sig, size_t siglen,
			const unsigned char *pub, size_t publen, const STACK_OF(X509) *certs, struct der *out)
{
	struct der st = { 0 }, stmt = { 0 }, one = { 0 }, list = { 0 }, cl = { 0 }, body = { 0 };
	int i, ok;

	der_tlv(&st, 0x04, attest, attestlen);
	der_tlv(&st, 0x04, sig, siglen);
	der_tlv(&st, 0x04, pub, publen);
	ok = oid_der(&stmt, HWE_OID_TPM_CERTIFY);
	der_seq(&stmt, &st);
	der_seq(&one, &stmt);
	der_put(&list, one.p, one.len);
	list.failed |= one.failed;
	OPENSSL_free(one.p);
	der_seq(&body, &list);
	for (i = 0; i < sk_X509_num(certs); i++) {
		unsigned char *c = NULL;
		int n = i2d_X509(sk_X509_value(certs, i), &c);

		if (n <= 0)
			ok = 0;
		else
			der_put(&cl, c, (size_t)n);
		OPENSSL_free(c);
	}
	if (sk_X509_num(certs) > 0)
		der_seq(&body, &cl);
	der_seq(out, &body);
	OPENSSL_free(cl.p);
	return ok && !out->failed;
}

/* TSS2 PRIVATE KEY (the tpm2-openssl / openssl_tpm2_engine format):
 * SEQUENCE { type OID loadableKey, [0] EXPLICIT BOOLEAN TRUE (emptyAuth),
 * parent INTEGER, pubkey OCTET STRING (TPM2B_PUBLIC), privkey OCTET STRING
 * (TPM2B_PRIVATE) }, as PEM */
static int tss2_pem(uint32_t parent, const unsigned char *pub, size_t publen, const unsigned char *priv,
		    size_t privlen, unsigned char **pem, size_t *pemlen)
{
	static const unsigned char empty_auth[] = { 0xa0, 0x03, 0x01, 0x01, 0xff };
	struct der body = { 0 }, seq = { 0 };
	unsigned char par[5];
	BIO *bio = NULL;
	BUF_MEM *mem;
	int ok;

	ok = oid_der(&body, TSS2_LOADABLE_OID);
	der_put(&body, empty_auth, sizeof(empty_auth));
	par[0] = 0;
	par[1] = (unsigned char)(parent >> 24);
	par[2] = (unsigned char)(parent >> 16);
	par[3] = (unsigned char)(parent >> 8);
	par[4] = (unsigned char)parent;
	der_tlv(&body, 0x02, par, 5);
	der_tlv(&body, 0x04, pub, publen);
	der_tlv(&body, 0x04, priv, privlen);
	der_seq(&seq, &body);
	ok = ok && !seq.failed && (bio = BIO_new(BIO_s_mem())) &&
	     PEM_write_bio(bio, "TSS2 PRIVATE KEY", "", seq.p, (long)seq.len) > 0;
	if (ok) {
		BIO_get_mem_ptr(bio, &mem);
		ok = (*pem = OPENSSL_memdup(mem->data, mem->length)) != NULL;
		*pemlen = mem->length;
	}
	BIO_free(bio);
	OPENSSL_clear_free(seq.p, seq.len);
	return ok;
}

/* The template tpm2-openssl 1.1.1 uses for a key it generates: an
 * unrestricted signing key, fixedTPM, fixedParent, sensitiveDataOrigin,
 * noDA, empty authorization, scheme chosen per signature. */
static void key_template(const struct hwe_keyspec *spec, TPM2B_PUBLIC *in)
{
	TPMT_PUBLIC *p = &in->publicArea;

	memset(in, 0, sizeof(*in));
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
			      TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_SIGN_ENCRYPT;
	if (spec->alg == HWE_ALG_RSA) {
		p->type = TPM2_ALG_RSA;
		p->objectAttributes |= TPMA_OBJECT_DECRYPT;
		p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.rsaDetail.keyBits = (TPMI_RSA_KEY_BITS)spec->bits;
	} else {
		p->type = TPM2_ALG_ECC;
		p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.eccDetail.curveID = spec->curve_nid == NID_secp384r1 ? TPM2_ECC_NIST_P384 :
						  spec->curve_nid == NID_secp521r1 ? TPM2_ECC_NIST_P521 :
										     TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	}
}

int hwe_attest_keygen(struct hwe_tpm *t, uint32_t parent, const struct hwe_keyspec *spec,
		      const struct hwe_ak_info *ai, const STACK_OF(X509) *akcerts,
		      const unsigned char *qual, size_t quallen, struct hwe_attest_out *out)
{
	TPM2B_SENSITIVE_CREATE in_sensitive = { 0 };
	TPM2B_PUBLIC in_public;
	TPM2B_DATA outside = { 0 }, qdata = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL, *epub = NULL;  /* the new key's; the one the evidence shows */
	TPM2B_ATTEST *info = NULL;
	TPMT_SIGNATURE *sig = NULL;
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	ESYS_TR ptr = ESYS_TR_NONE, key = ESYS_TR_NONE, ak = ESYS_TR_NONE;
	unsigned char pubm[sizeof(TPM2B_PUBLIC)], privm[sizeof(TPM2B_PRIVATE)], tpubm[sizeof(TPMT_PUBLIC)];
	unsigned char sigm[sizeof(TPMT_SIGNATURE)];
	size_t publen = 0, privlen = 0, tpublen = 0, siglen = 0;
	struct der bundle = { 0 };
	TSS2_RC rc;
	int ret = HWE_EXIT_KEY;

	memset(out, 0, sizeof(*out));
	if (quallen > sizeof(qdata.buffer))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "qualifying data too long");
	qdata.size = (UINT16)quallen;
	memcpy(qdata.buffer, qual, quallen);
	key_template(spec, &in_public);
#ifdef HWE_ATTEST_FAULTS
	if (fault_is("duplicable"))
		in_public.publicArea.objectAttributes &= ~(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT);
#endif
	rc = t->t->Esys_TR_FromTPMPublic(t->esys, parent, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ptr);
	if (rc) {
		tss_fail(t, rc, "cannot use the parent key");
		hwe_err_hint("create it with 'hwenroll tpm --create-parent --tpm-parent 0x%08x'", parent);
		goto out;
	}
	rc = t->t->Esys_Create(t->esys, ptr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &in_sensitive, &in_public,
			       &outside, &pcrs, &priv, &pub, NULL, NULL, NULL);
	if (rc) {
		tss_fail(t, rc, "TPM key generation under the parent key failed");
		goto out;
	}
	rc = t->t->Esys_Load(t->esys, ptr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, priv, pub, &key);
	if (rc) {
		tss_fail(t, rc, "cannot load the new key");
		goto out;
	}
	rc = t->t->Esys_TR_FromTPMPublic(t->esys, ai->handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ak);
	if (rc) {
		tss_fail(t, rc, "cannot use the attestation key");
		goto out;
	}
#ifdef HWE_ATTEST_FAULTS
	if (fault_is("other-key")) {
		/* certify a second key of the same template instead */
		TPM2B_PRIVATE *priv2 = NULL;
		ESYS_TR key2 = ESYS_TR_NONE;

		rc = t->t->Esys_Create(t->esys, ptr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &in_sensitive,
				       &in_public, &outside, &pcrs, &priv2, &epub, NULL, NULL, NULL);
		if (!rc)
			rc = t->t->Esys_Load(t->esys, ptr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, priv2, epub,
					     &key2);
		if (!rc) {
			/* the evidence shows the other key; the key file keeps the first */
			t->t->Esys_FlushContext(t->esys, key);
			key = key2;
		}
		t->t->Esys_Free(priv2);
		if (rc) {
			tss_fail(t, rc, "fault other-key");
			goto out;
		}
	}
#endif
	rc = t->t->Esys_Certify(t->esys, key, ak, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD, ESYS_TR_NONE, &qdata,
				&scheme, &info, &sig);
	if (rc) {
		tss_fail(t, rc, "TPM2_Certify of the new key with the attestation key failed");
		goto out;
	}
	hwe_debug("attest: TPM2_Certify by AK 0x%08x, %u bytes TPMS_ATTEST", ai->handle, (unsigned)info->size);
	if (t->t->Tss2_MU_TPM2B_PUBLIC_Marshal(pub, pubm, sizeof(pubm), &publen) ||
	    t->t->Tss2_MU_TPM2B_PRIVATE_Marshal(priv, privm, sizeof(privm), &privlen) ||
	    t->t->Tss2_MU_TPMT_PUBLIC_Marshal(epub ? &epub->publicArea : &pub->publicArea, tpubm, sizeof(tpubm),
					      &tpublen) ||
	    t->t->Tss2_MU_TPMT_SIGNATURE_Marshal(sig, sigm, sizeof(sigm), &siglen)) {
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot marshal the TPM structures");
		goto out;
	}
#ifdef HWE_ATTEST_FAULTS
	if (fault_is("bad-signature"))
		sigm[siglen - 1] ^= 0x01;
#endif
	if (!tss2_pem(parent, pubm, publen, privm, privlen, &out->blob, &out->bloblen) ||
	    !build_bundle(info->attestationData, info->size, sigm, siglen, tpubm, tpublen, akcerts, &bundle)) {
		ret = hwe_err_oom();
		goto out;
	}
	out->evidence = bundle.p;
	out->evidencelen = bundle.len;
	bundle.p = NULL;
	ret = HWE_OK;
out:
	if (ret != HWE_OK) {
		OPENSSL_clear_free(out->blob, out->bloblen);
		out->blob = NULL;
	}
	if (key != ESYS_TR_NONE)
		t->t->Esys_FlushContext(t->esys, key);
	if (ak != ESYS_TR_NONE)
		t->t->Esys_TR_Close(t->esys, &ak);
	if (ptr != ESYS_TR_NONE)
		t->t->Esys_TR_Close(t->esys, &ptr);
	t->t->Esys_Free(priv);
	t->t->Esys_Free(pub);
	t->t->Esys_Free(epub);
	t->t->Esys_Free(info);
	t->t->Esys_Free(sig);
	OPENSSL_free(bundle.p);
	OPENSSL_cleanse(privm, sizeof(privm));
	return ret;
}

/* ---- enroll --attest ---------------------------------------------------- */

/* A TCTI that serves one client at a time: the simulators' sockets and
 * the raw device (not the kernel resource manager, not tpm2-abrmd). */
static int single_client(const char *tcti)
{
	return strncmp(tcti, "swtpm", 5) == 0 || strncmp(tcti, "mssim", 5) == 0 ||
	       (strncmp(tcti, "device", 6) == 0 && !strstr(tcti, "tpmrm"));
}

int hwe_attest_plan(const struct hwe_attest_args *aa, const struct hwe_key_backend *be,
		    const struct hwe_key_opts *ko, int existing, int rekey, struct hwe_attest_req *r)
{
	memset(r, 0, sizeof(*r));
	if (be == &hwe_key_pkcs11) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			"--attest: PKCS#11 tokens have no standard key attestation");
		hwe_err_hint("attestation is for TPM keys: --key-backend tpm2");
		return HWE_EXIT_USAGE;
	}
	if (be != &hwe_key_tpm2) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			"--attest: a %s key cannot be attested (no hardware vouches for it)", be->name);
		hwe_err_hint("attestation is for TPM keys: --key-backend tpm2");
		return HWE_EXIT_USAGE;
	}
	if (ko->tpm_handle)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			       "--attest certifies a key this run creates, not the persistent key --tpm-handle names");
	if (rekey && single_client(ko->tcti)) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			"reenroll --rekey --attest needs a TCTI that serves two clients, not '%s': the TLS client "
			"key's TPM connection stays open while the new key is certified", ko->tcti);
		hwe_err_hint("use the kernel resource manager (device:/dev/tpmrm0) or tpm2-abrmd (tabrmd:)");
		return HWE_EXIT_USAGE;
	}
	if (existing && !rekey) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			"--attest certifies a key this run creates; alias '%s' already has a key", ko->alias);
		hwe_err_hint("enroll a new alias with --attest");
		return HWE_EXIT_USAGE;
	}
	if (!aa->ak_cert) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			"--attest needs the attestation key's certificate (--ak-cert FILE|nv:INDEX, config key ak-cert)");
		hwe_err_hint("'hwenroll tpm --create-ak --ak-csr' prints a CSR for the AK that a CA can certify");
		return HWE_EXIT_USAGE;
	}
	r->tcti = ko->tcti;
	r->parent = ko->tpm_parent ? ko->tpm_parent : 0x81000001u;
	r->ak_handle = aa->ak_handle;
	r->ak_cert = aa->ak_cert;
	r->ak_cert_nv = aa->ak_cert_nv;
	return HWE_OK;
}

static char *record_text(const struct hwe_attest_req *r, const STACK_OF(X509) *certs, const char *binding)
{
	X509 *ak = sk_X509_value(certs, 0);
	char subj[256], iss[256], fp[2 * EVP_MAX_MD_SIZE + 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char s[1200];

	X509_NAME_oneline(X509_get_subject_name(ak), subj, sizeof(subj));
	X509_NAME_oneline(X509_get_issuer_name(ak), iss, sizeof(iss));
	X509_digest(ak, EVP_sha256(), md, &mdlen);
	for (i = 0; i < mdlen; i++)
		snprintf(fp + 2 * i, 3, "%02x", md[i]);
	fp[2 * mdlen] = '\0';
	snprintf(s, sizeof(s),
		     "# hwenroll: the key of this alias was attested when it was enrolled\n"
		     "format=tcg-attest-tpm-certify\n"
		     "ak-handle=0x%08x\n"
		     "ak-subject=%s\n"
		     "ak-issuer=%s\n"
		     "ak-sha256=%s\n"
		     "qualifying-data=sha256(%s)\n",
		     r->ak_handle, subj, iss, fp, binding);
	return strdup(s);
}

int hwe_attest_make(const struct hwe_attest_req *r, const struct hwe_keyspec *spec,
		    const struct hwe_http_binding *b, struct hwe_attest_out *out, char **record)
{
	struct hwe_tpm *t = NULL;
	struct hwe_ak_info ai = { 0 };
	STACK_OF(X509) *certs = NULL;
	unsigned char qual[32];
	int ret;

	*record = NULL;
	memset(out, 0, sizeof(*out));
	if ((ret = hwe_tpm_open(r->tcti, &t)) || (ret = hwe_ak_read(t, r->ak_handle, &ai)))
		goto out;
	if (!ai.usable) {
		ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "--attest: no attestation key at 0x%08x on the TPM at '%s' (%s)",
			      r->ak_handle, r->tcti, ai.desc);
		hwe_err_hint("create one with 'hwenroll tpm --create-ak', or pass --ak-handle");
		goto out;
	}
	if ((ret = hwe_ak_certs(t, r->ak_cert, r->ak_cert_nv, &ai, &certs)))
		goto out;
	hwe_attest_qualifying(b->data, b->len, qual);
	if ((ret = hwe_attest_keygen(t, r->parent, spec, &ai, certs, qual, sizeof(qual), out)))
		goto out;
	if (!(*record = record_text(r, certs, b->type))) {
		ret = hwe_err_oom();
		goto out;
	}
	hwe_info("attestation: TPM2_Certify of the new key by the AK 0x%08x over SHA-256 of this connection's %s",
		 r->ak_handle, b->type);
	ret = HWE_OK;
out:
	if (ret != HWE_OK) {
		OPENSSL_clear_free(out->blob, out->bloblen);
		OPENSSL_free(out->evidence);
		memset(out, 0, sizeof(*out));
	}
	/* the TPM connection ends here, before the tpm2 provider opens its own */
	hwe_tpm_close(t);
	sk_X509_pop_free(certs, X509_free);
	EVP_PKEY_free(ai.pub);
	return ret;
}
