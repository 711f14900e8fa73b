/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-tpm.c - `hwenroll tpm`: is the TPM reachable, what is it, is it in
 * lockout, is the persistent parent key there (and create it on request). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/pem.h>

#include "attest.h"
#include "hwenroll.h"
#include "log.h"
#include "rc.h"
#include "tss2-dl.h"

#define DEFAULT_PARENT 0x81000001u

/* the tpm2-tss entry points, loaded by cmd_tpm() before any helper runs */
static const struct hwe_tss2 *tss;

static const enum hwe_opt tpm_opts[] = {
	HWE_OPT_TCTI, HWE_OPT_TPM_PARENT, HWE_OPT_CREATE_PARENT, HWE_OPT_CREATE_AK, HWE_OPT_ALGORITHM,
	HWE_OPT_AK_HANDLE, HWE_OPT_AK_CERT, HWE_OPT_AK_CSR, HWE_OPT_JSON, HWE_OPTS_END
};
static const struct hwe_optnote tpm_notes[] = {
	{ HWE_OPT_TPM_PARENT, "persistent parent key to check (default 0x81000001)" },
	{ HWE_OPT_CREATE_PARENT, "create the parent (ECC P-256 storage key under the owner hierarchy, empty owner "
				 "authorization) if it is missing" },
	{ HWE_OPT_CREATE_AK, "create the attestation key (AK: restricted signing key, owner hierarchy) if it is missing" },
	{ HWE_OPT_ALGORITHM, "with --create-ak: ECC (P-256, default) or RSA (2048)" },
	{ HWE_OPT_AK_HANDLE, "persistent attestation key (default 0x81000100; a manufacturer's IAK)" },
	{ HWE_OPT_AK_CERT, "the AK's certificate (first) and chain: PEM file or DER in an NV index; checked against the AK" },
	{ HWE_OPT_AK_CSR, "print a CSR for the AK, signed by the AK, instead of the report" },
	{ HWE_OPT_JSON, "machine-readable output" },
	{ HWE_OPTS_END, NULL },
};
static const struct hwe_usage tpm_usage = {
	.name = "tpm",
	.synopsis = "tpm [--tcti STR] [--tpm-parent HANDLE] [--create-parent] [--create-ak [--algorithm ECC|RSA]] "
		    "[--ak-handle HANDLE] [--ak-cert FILE|nv:INDEX] [--ak-csr] [--json]",
	.summary = "Check the TPM: reachable, manufacturer and firmware, lockout, persistent parent key, attestation key.",
	.opts = tpm_opts,
	.notes = tpm_notes,
};

struct tpm_info {
	char manufacturer[5];
	char vendor[17];
	char family[5];
	unsigned revision;      /* e.g. 164 = 1.64 */
	unsigned level;
	uint32_t fw1, fw2;
	unsigned year, day;
	int in_lockout;
	uint32_t lockout_counter, max_auth_fail, lockout_interval, lockout_recovery;
	/* parent */
	uint32_t parent;
	int parent_present;
	int parent_usable;
	int parent_created;
	char parent_desc[96];
	/* attestation key */
	struct hwe_ak_info ak;
	char ak_cert[256];      /* the --ak-cert subject, or "" */
};

static void put4(char *dst, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++) {
		char c = (char)((v >> (24 - 8 * i)) & 0xff);

		dst[i] = (c >= 0x20 && c < 0x7f) ? c : '\0';
	}
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
}

static int tss_fail(TSS2_RC rc, const char *what, const char *tcti)
{
	hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "%s on the TPM at '%s' (%s)", what, tcti, tss->Tss2_RC_Decode(rc));
	return HWE_EXIT_KEY;
}

/* Fixed and variable TPM properties. */
static int read_group(ESYS_CONTEXT *esys, const char *tcti, struct tpm_info *ti, uint32_t first)
{
	uint32_t next = first;
	TPMI_YES_NO more = TPM2_YES;

	while (more && next < first + 0x100) {
		TPMS_CAPABILITY_DATA *cap = NULL;
		TSS2_RC rc;
		uint32_t i;

		rc = tss->Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					TPM2_CAP_TPM_PROPERTIES, next, TPM2_MAX_TPM_PROPERTIES, &more, &cap);
		if (rc)
			return tss_fail(rc, "cannot read the TPM properties", tcti);
		if (cap->data.tpmProperties.count == 0) {
			tss->Esys_Free(cap);
			break;
		}
		for (i = 0; i < cap->data.tpmProperties.count; i++) {
			TPMS_TAGGED_PROPERTY *p = &cap->data.tpmProperties.tpmProperty[i];

			switch (p->property) {
			case TPM2_PT_FAMILY_INDICATOR: put4(ti->family, p->value); break;
			case TPM2_PT_LEVEL: ti->level = p->value; break;
			case TPM2_PT_REVISION: ti->revision = p->value; break;
			case TPM2_PT_DAY_OF_YEAR: ti->day = p->value; break;
			case TPM2_PT_YEAR: ti->year = p->value; break;
			case TPM2_PT_MANUFACTURER: put4(ti->manufacturer, p->value); break;
			case TPM2_PT_VENDOR_STRING_1: put4(ti->vendor, p->value); break;
			case TPM2_PT_VENDOR_STRING_2: put4(ti->vendor + 4, p->value); break;
			case TPM2_PT_VENDOR_STRING_3: put4(ti->vendor + 8, p->value); break;
			case TPM2_PT_VENDOR_STRING_4: put4(ti->vendor + 12, p->value); break;
			case TPM2_PT_FIRMWARE_VERSION_1: ti->fw1 = p->value; break;
			case TPM2_PT_FIRMWARE_VERSION_2: ti->fw2 = p->value; break;
			case TPM2_PT_PERMANENT:
				ti->in_lockout = (p->value & TPMA_PERMANENT_INLOCKOUT) != 0;
				break;
			case TPM2_PT_LOCKOUT_COUNTER: ti->lockout_counter = p->value; break;
			case TPM2_PT_MAX_AUTH_FAIL: ti->max_auth_fail = p->value; break;
			case TPM2_PT_LOCKOUT_INTERVAL: ti->lockout_interval = p->value; break;
			case TPM2_PT_LOCKOUT_RECOVERY: ti->lockout_recovery = p->value; break;
			default: break;
			}
			next = p->property + 1;
		}
		tss->Esys_Free(cap);
	}
	return HWE_OK;
}

static int read_properties(ESYS_CONTEXT *esys, const char *tcti, struct tpm_info *ti)
{
	int ret;

	if ((ret = read_group(esys, tcti, ti, TPM2_PT_FIXED)) ||
	    (ret = read_group(esys, tcti, ti, TPM2_PT_VAR)))
		return ret;
	/* the vendor string is up to 16 chars; NULs inside end it early */
	{
		char v[17];
		size_t i, n = 0;

		for (i = 0; i < 16; i++)
			if (ti->vendor[i])
				v[n++] = ti->vendor[i];
		v[n] = '\0';
		memcpy(ti->vendor, v, n + 1);
	}
	trim(ti->manufacturer);
	trim(ti->vendor);
	return HWE_OK;
}

static const char *curve_name(TPMI_ECC_CURVE c)
{
	switch (c) {
	case TPM2_ECC_NIST_P256: return "NIST P-256";
	case TPM2_ECC_NIST_P384: return "NIST P-384";
	case TPM2_ECC_NIST_P521: return "NIST P-521";
	default: return "other curve";
	}
}

/* Does the parent exist, and is it a restricted decryption (storage) key? */
static int check_parent(ESYS_CONTEXT *esys, const char *tcti, struct tpm_info *ti)
{
	ESYS_TR tr = ESYS_TR_NONE;
	TPM2B_PUBLIC *pub = NULL;
	TSS2_RC rc;
	TPMA_OBJECT a;
	int restricted, decrypt, sign;

	rc = tss->Esys_TR_FromTPMPublic(esys, ti->parent, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
	if (rc) {
		if ((rc & 0xbfu) == TPM2_RC_HANDLE || (rc & 0xfffu) == (TPM2_RC_HANDLE | TPM2_RC_1)) {
			ti->parent_present = 0;
			snprintf(ti->parent_desc, sizeof(ti->parent_desc), "missing");
			return HWE_OK;
		}
		return tss_fail(rc, "cannot look up the parent key", tcti);
	}
	rc = tss->Esys_ReadPublic(esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL, NULL);
	tss->Esys_TR_Close(esys, &tr);
	if (rc)
		return tss_fail(rc, "cannot read the parent key", tcti);
	ti->parent_present = 1;
	a = pub->publicArea.objectAttributes;
	restricted = (a & TPMA_OBJECT_RESTRICTED) != 0;
	decrypt = (a & TPMA_OBJECT_DECRYPT) != 0;
	sign = (a & TPMA_OBJECT_SIGN_ENCRYPT) != 0;
	ti->parent_usable = restricted && decrypt && !sign &&
			    (pub->publicArea.type == TPM2_ALG_ECC || pub->publicArea.type == TPM2_ALG_RSA);
	if (pub->publicArea.type == TPM2_ALG_ECC)
		snprintf(ti->parent_desc, sizeof(ti->parent_desc), "ECC %s %s",
			 curve_name(pub->publicArea.parameters.eccDetail.curveID),
			 ti->parent_usable ? "storage key (restricted, decrypt)" : "key, not a storage key");
	else if (pub->publicArea.type == TPM2_ALG_RSA)
		snprintf(ti->parent_desc, sizeof(ti->parent_desc), "RSA %u %s",
			 (unsigned)pub->publicArea.parameters.rsaDetail.keyBits,
			 ti->parent_usable ? "storage key (restricted, decrypt)" : "key, not a storage key");
	else
		snprintf(ti->parent_desc, sizeof(ti->parent_desc), "object of type 0x%04x, not a storage key",
			 (unsigned)pub->publicArea.type);
	tss->Esys_Free(pub);
	return HWE_OK;
}

/* CreatePrimary (owner hierarchy, ECC P-256, AES-128-CFB, noda, restricted
 * decrypt: the template of tpm2_createprimary -G ecc256:aes128cfb) and make
 * it persistent at ti->parent. */
static int create_parent(ESYS_CONTEXT *esys, const char *tcti, struct tpm_info *ti)
{
	TPM2B_SENSITIVE_CREATE in_sensitive = { 0 };
	TPM2B_PUBLIC in_public = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	ESYS_TR obj = ESYS_TR_NONE, persistent = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret = HWE_EXIT_KEY;

	in_public.publicArea.type = TPM2_ALG_ECC;
	in_public.publicArea.nameAlg = TPM2_ALG_SHA256;
	in_public.publicArea.objectAttributes =
		TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
		TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED |
		TPMA_OBJECT_DECRYPT;
	in_public.publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
	in_public.publicArea.parameters.eccDetail.symmetric.keyBits.aes = 128;
	in_public.publicArea.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	in_public.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	in_public.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	in_public.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;

	hwe_info("tpm: creating the parent key 0x%08x (ECC P-256 storage key under the owner hierarchy)",
		 ti->parent);
	rc = tss->Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				&in_sensitive, &in_public, &outside, &pcrs, &obj, NULL, NULL, NULL, NULL);
	if (rc) {
		tss_fail(rc, "cannot create the parent key", tcti);
		if ((rc & 0xbfu) == TPM2_RC_BAD_AUTH || (rc & 0xbfu) == TPM2_RC_AUTH_FAIL)
			hwe_err_hint("the owner hierarchy has a password: create the parent with "
				     "tpm2_createprimary -C o -P OWNERPASS ... and tpm2_evictcontrol");
		else
			hwe_err_hint("check the TPM with 'hwenroll tpm --tcti %s'", tcti);
		goto out;
	}
	rc = tss->Esys_EvictControl(esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			       ti->parent, &persistent);
	if (rc) {
		tss_fail(rc, "cannot make the parent key persistent", tcti);
		hwe_err_hint("is the handle 0x%08x in the owner range (0x81000000-0x817fffff) and is there "
			     "free persistent memory (tpm2_getcap handles-persistent)?", ti->parent);
		goto out;
	}
	tss->Esys_TR_Close(esys, &persistent);
	ti->parent_created = 1;
	ret = HWE_OK;
out:
	if (obj != ESYS_TR_NONE)
		tss->Esys_FlushContext(esys, obj);
	return ret;
}

static void json_str(const char *key, const char *val, int comma)
{
	const char *p;

	printf("  \"%s\": \"", key);
	for (p = val; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			printf("\\u%04x", (unsigned char)*p);
		else
			putchar(*p);
	}
	printf("\"%s\n", comma ? "," : "");
}

static void print_info(const char *tcti, const struct tpm_info *ti, int json)
{
	char fw[48], rev[16], handle[16];

	snprintf(fw, sizeof(fw), "%u.%u.%u.%u", ti->fw1 >> 16, ti->fw1 & 0xffff, ti->fw2 >> 16,
		 ti->fw2 & 0xffff);
	snprintf(rev, sizeof(rev), "%u.%02u", ti->revision / 100, ti->revision % 100);
	snprintf(handle, sizeof(handle), "0x%08x", ti->parent);
	if (json) {
		printf("{\n");
		json_str("tcti", tcti, 1);
		printf("  \"reachable\": true,\n");
		json_str("manufacturer", ti->manufacturer, 1);
		json_str("vendor", ti->vendor, 1);
		json_str("firmware", fw, 1);
		json_str("family", ti->family, 1);
		json_str("revision", rev, 1);
		printf("  \"level\": %u,\n", ti->level);
		printf("  \"in_lockout\": %s,\n", ti->in_lockout ? "true" : "false");
		printf("  \"lockout_counter\": %u,\n  \"max_auth_fail\": %u,\n", ti->lockout_counter,
		       ti->max_auth_fail);
		printf("  \"lockout_recovery_seconds\": %u,\n", ti->lockout_recovery);
		json_str("parent", handle, 1);
		printf("  \"parent_present\": %s,\n", ti->parent_present ? "true" : "false");
		printf("  \"parent_usable\": %s,\n", ti->parent_usable ? "true" : "false");
		printf("  \"parent_created\": %s,\n", ti->parent_created ? "true" : "false");
		json_str("parent_description", ti->parent_desc, 1);
		snprintf(handle, sizeof(handle), "0x%08x", ti->ak.handle);
		json_str("ak", handle, 1);
		printf("  \"ak_present\": %s,\n", ti->ak.present ? "true" : "false");
		printf("  \"ak_usable\": %s,\n", ti->ak.usable ? "true" : "false");
		printf("  \"ak_created\": %s,\n", ti->ak.created ? "true" : "false");
		if (ti->ak_cert[0])
			json_str("ak_certificate", ti->ak_cert, 1);
		json_str("ak_description", ti->ak.desc, 0);
		printf("}\n");
		return;
	}
	printf("%-14s %s\n", "TCTI", tcti);
	printf("%-14s %s\n", "manufacturer", ti->manufacturer);
	printf("%-14s %s\n", "vendor", ti->vendor);
	printf("%-14s %s\n", "firmware", fw);
	printf("%-14s TPM %s, revision %s, level %u\n", "family", ti->family, rev, ti->level);
	printf("%-14s %s (failed authorizations %u of %u, recovery %u s)\n", "lockout",
	       ti->in_lockout ? "IN LOCKOUT" : "no", ti->lockout_counter, ti->max_auth_fail,
	       ti->lockout_recovery);
	printf("%-14s %s: %s%s\n", "parent", handle, ti->parent_desc,
	       ti->parent_created ? " (created now)" : "");
	printf("%-14s 0x%08x: %s%s\n", "attestation", ti->ak.handle, ti->ak.desc,
	       ti->ak.created ? " (created now)" : "");
	if (ti->ak_cert[0])
		printf("%-14s %s\n", "ak certificate", ti->ak_cert);
}

/* --create-ak, --ak-cert, --ak-csr: the attestation key's part */
static int do_ak(struct hwe_tpm *tp, const struct hwe_args *a, struct tpm_info *ti, X509_REQ **csr)
{
	int ret, rsa = a->spec.alg == HWE_ALG_RSA; /* --algorithm, converted by the parser */

	if ((ret = hwe_ak_read(tp, ti->ak.handle, &ti->ak)))
		return ret;
	if (a->tpm.create_ak) {
		if (!ti->ak.present) {
			uint32_t h = ti->ak.handle;

			if ((ret = hwe_ak_create(tp, h, rsa)) || (ret = hwe_ak_read(tp, h, &ti->ak)))
				return ret;
			ti->ak.created = 1;
		} else if (ti->ak.usable) {
			hwe_info("tpm: the attestation key 0x%08x exists: reusing it", ti->ak.handle);
		}
	}
	if (ti->ak.present && !ti->ak.usable) {
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "the key at 0x%08x is not an attestation key (%s)",
			ti->ak.handle, ti->ak.desc);
		hwe_err_hint("pass --ak-handle with the handle of a restricted signing key, "
			     "or free the handle (tpm2_evictcontrol) and run --create-ak");
		return HWE_EXIT_KEY;
	}
	if (!ti->ak.present && (a->attest.ak_cert || a->tpm.ak_csr)) {
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "the attestation key 0x%08x does not exist", ti->ak.handle);
		hwe_err_hint("create it with 'hwenroll tpm --create-ak --ak-handle 0x%08x'", ti->ak.handle);
		return HWE_EXIT_KEY;
	}
	if (a->attest.ak_cert) {
		STACK_OF(X509) *sk = NULL;
		char subj[200];

		if ((ret = hwe_ak_certs(tp, a->attest.ak_cert, a->attest.ak_cert_nv, &ti->ak, &sk)))
			return ret;
		X509_NAME_oneline(X509_get_subject_name(sk_X509_value(sk, 0)), subj, sizeof(subj));
		snprintf(ti->ak_cert, sizeof(ti->ak_cert), "%s (%d certificate%s, matches the AK)", subj,
			 sk_X509_num(sk), sk_X509_num(sk) == 1 ? "" : "s");
		sk_X509_pop_free(sk, X509_free);
	}
	if (a->tpm.ak_csr)
		return hwe_ak_csr(tp, &ti->ak, csr);
	return HWE_OK;
}

int cmd_tpm(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	struct hwe_key_opts ko;
	struct tpm_info ti;
	struct hwe_tpm *tp = NULL;
	ESYS_CONTEXT *esys = NULL;
	X509_REQ *csr = NULL;
	char *pin = NULL;
	int ret;

	ret = hwe_opts_parse(argc, argv, ctx, &tpm_usage, &o);
	if (ret < 0)
		return HWE_OK;
	if (ret)
		return ret;
	if (o.nargs > 0)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "unexpected argument '%s'", o.args[0]);
	if ((ret = hwe_opts_key(&o.a.dev, &ko, &pin)))
		goto out;
	memset(&ti, 0, sizeof(ti));
	ti.parent = ko.tpm_parent ? ko.tpm_parent : DEFAULT_PARENT;
	ti.ak.handle = o.a.attest.ak_handle;
	if (hwe_opts_given(&o, HWE_OPT_ALGORITHM) && !o.a.tpm.create_ak) {
		ret = hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "--algorithm is for --create-ak");
		goto out;
	}
	if ((ret = hwe_tss2_load(&tss)) || (ret = hwe_tpm_open(ko.tcti, &tp)))
		goto out;
	esys = hwe_tpm_esys(tp);
	if ((ret = read_properties(esys, ko.tcti, &ti)) || (ret = check_parent(esys, ko.tcti, &ti)))
		goto out;
	if (o.a.tpm.create_parent && !ti.parent_present) {
		if ((ret = create_parent(esys, ko.tcti, &ti)) || (ret = check_parent(esys, ko.tcti, &ti)))
			goto out;
	}
	if ((ret = do_ak(tp, &o.a, &ti, &csr)))
		goto out;
	if (csr) {
		ret = PEM_write_X509_REQ(stdout, csr) ? HWE_OK :
		      hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot write the CSR");
		goto out;
	}
	print_info(ko.tcti, &ti, o.a.json);
	if (!ti.parent_present) {
		ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "the parent key 0x%08x does not exist on the TPM at '%s'",
			      ti.parent, ko.tcti);
		hwe_err_hint("create it with 'hwenroll tpm --create-parent --tpm-parent 0x%08x'", ti.parent);
	} else if (!ti.parent_usable) {
		ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM,
			      "the key at 0x%08x on the TPM at '%s' is not a storage key (%s)", ti.parent,
			      ko.tcti, ti.parent_desc);
		hwe_err_hint("pass --tpm-parent with the handle of a restricted decryption key, "
			     "or free the handle (tpm2_evictcontrol) and run --create-parent");
	} else if (ti.in_lockout) {
		ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "the TPM at '%s' is in dictionary-attack lockout",
			      ko.tcti);
		hwe_err_hint("wait %u s for the lockout to end, or reset it with the lockout authorization "
			     "(tpm2_dictionarylockout --clear-lockout)", ti.lockout_recovery);
	} else {
		ret = HWE_OK;
	}
out:
	hwe_tpm_close(tp);
	X509_REQ_free(csr);
	EVP_PKEY_free(ti.ak.pub);
	hwe_secret_free(pin);
	return ret;
}
