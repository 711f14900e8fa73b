/* SPDX-License-Identifier: BSD-3-Clause */
/* rc-nodecode.c - LD_PRELOAD shim for test/integration/tpm2_key_errors.sh:
 * Tss2_RC_Decode() returns nothing, so tpm2-openssl's error text carries
 * only the response code's number, as in a tpm2-openssl built without
 * WITH_TSS2_RC.  hwenroll's hints must not depend on that text. */
#include <tss2/tss2_rc.h>

const char *Tss2_RC_Decode(TSS2_RC rc)
{
	(void)rc;
	return "";
}
