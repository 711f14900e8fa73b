/* SPDX-License-Identifier: BSD-3-Clause */
/* tss2-dl.h - the tpm2-tss entry points hwenroll calls, loaded with dlopen()
 * on first use so that a run that never touches the TPM maps no libtss2.
 *
 * Each member has exactly the type of the function the tss2 headers declare
 * (__typeof__), so calls through the table are type-checked like direct
 * calls; the member names are the function names: t->Esys_Initialize(...).
 */
#ifndef HWE_TSS2_DL_H
#define HWE_TSS2_DL_H

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#define HWE_TSS2_FN(name) __typeof__(name) *name

struct hwe_tss2 {
	/* libtss2-tctildr.so.0 */
	HWE_TSS2_FN(Tss2_TctiLdr_Initialize);
	HWE_TSS2_FN(Tss2_TctiLdr_Finalize);
	/* libtss2-rc.so.0 */
	HWE_TSS2_FN(Tss2_RC_Decode);
	/* libtss2-esys.so.0 */
	HWE_TSS2_FN(Esys_Initialize);
	HWE_TSS2_FN(Esys_Finalize);
	HWE_TSS2_FN(Esys_Free);
	HWE_TSS2_FN(Esys_GetCapability);
	HWE_TSS2_FN(Esys_TR_FromTPMPublic);
	HWE_TSS2_FN(Esys_TR_Close);
	HWE_TSS2_FN(Esys_ReadPublic);
	HWE_TSS2_FN(Esys_CreatePrimary);
	HWE_TSS2_FN(Esys_EvictControl);
	HWE_TSS2_FN(Esys_FlushContext);
	/* attestation (attest.c) */
	HWE_TSS2_FN(Esys_Create);
	HWE_TSS2_FN(Esys_Load);
	HWE_TSS2_FN(Esys_Certify);
	HWE_TSS2_FN(Esys_Hash);
	HWE_TSS2_FN(Esys_Sign);
	HWE_TSS2_FN(Esys_NV_ReadPublic);
	HWE_TSS2_FN(Esys_NV_Read);
	/* libtss2-mu.so.0 */
	HWE_TSS2_FN(Tss2_MU_TPMT_PUBLIC_Marshal);
	HWE_TSS2_FN(Tss2_MU_TPM2B_PUBLIC_Marshal);
	HWE_TSS2_FN(Tss2_MU_TPM2B_PRIVATE_Marshal);
	HWE_TSS2_FN(Tss2_MU_TPMT_SIGNATURE_Marshal);
};

/* Load libtss2-tctildr, libtss2-rc, libtss2-esys and libtss2-mu (once per process; they
 * stay loaded) and set *out to the filled table.  Returns HWE_OK, or records
 * HWE_EXIT_KEY/HWE_ERR_TPM naming the missing library and its Debian package
 * and returns HWE_EXIT_KEY (*out is then NULL).  Not thread-safe: call it
 * from the main thread before any TPM work. */
int hwe_tss2_load(const struct hwe_tss2 **out);

#endif
