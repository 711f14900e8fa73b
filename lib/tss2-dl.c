/* SPDX-License-Identifier: BSD-3-Clause */
/* tss2-dl.c - dlopen() the tpm2-tss libraries on first TPM use (tss2-dl.h). */
#include "config.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "rc.h"
#include "tss2-dl.h"

enum { LIB_TCTILDR, LIB_RC, LIB_ESYS, LIB_MU, LIB_COUNT };

static const struct {
	const char *soname;
	const char *package;
} libs[LIB_COUNT] = {
	[LIB_TCTILDR] = { "libtss2-tctildr.so.0", "libtss2-tctildr0" },
	[LIB_RC] = { "libtss2-rc.so.0", "libtss2-rc0" },
	[LIB_ESYS] = { "libtss2-esys.so.0", "libtss2-esys-3.0.2-0" },
	[LIB_MU] = { "libtss2-mu.so.0", "libtss2-mu0" },
};

_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "dlsym needs code and data pointers of one size");

#define SYM(lib, name) { lib, #name, offsetof(struct hwe_tss2, name) }

static const struct {
	int lib;
	const char *name;
	size_t off;
} syms[] = {
	SYM(LIB_TCTILDR, Tss2_TctiLdr_Initialize),
	SYM(LIB_TCTILDR, Tss2_TctiLdr_Finalize),
	SYM(LIB_RC, Tss2_RC_Decode),
	SYM(LIB_ESYS, Esys_Initialize),
	SYM(LIB_ESYS, Esys_Finalize),
	SYM(LIB_ESYS, Esys_Free),
	SYM(LIB_ESYS, Esys_GetCapability),
	SYM(LIB_ESYS, Esys_TR_FromTPMPublic),
	SYM(LIB_ESYS, Esys_TR_Close),
	SYM(LIB_ESYS, Esys_ReadPublic),
	SYM(LIB_ESYS, Esys_CreatePrimary),
	SYM(LIB_ESYS, Esys_EvictControl),
	SYM(LIB_ESYS, Esys_FlushContext),
	SYM(LIB_ESYS, Esys_Create),
	SYM(LIB_ESYS, Esys_Load),
	SYM(LIB_ESYS, Esys_Certify),
	SYM(LIB_ESYS, Esys_Hash),
	SYM(LIB_ESYS, Esys_Sign),
	SYM(LIB_ESYS, Esys_NV_ReadPublic),
	SYM(LIB_ESYS, Esys_NV_Read),
	SYM(LIB_MU, Tss2_MU_TPMT_PUBLIC_Marshal),
	SYM(LIB_MU, Tss2_MU_TPM2B_PUBLIC_Marshal),
	SYM(LIB_MU, Tss2_MU_TPM2B_PRIVATE_Marshal),
	SYM(LIB_MU, Tss2_MU_TPMT_SIGNATURE_Marshal),
};

static struct hwe_tss2 table;
static int loaded;

int hwe_tss2_load(const struct hwe_tss2 **out)
{
	void *h[LIB_COUNT] = { NULL };
	struct hwe_tss2 t;
	int ret = HWE_EXIT_KEY;
	size_t i;

	*out = NULL;
	if (loaded) {
		*out = &table;
		return HWE_OK;
	}
	memset(&t, 0, sizeof(t));
	for (i = 0; i < LIB_COUNT; i++) {
		h[i] = dlopen(libs[i].soname, RTLD_NOW | RTLD_LOCAL);
		if (!h[i]) {
			const char *e = dlerror();

			hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "cannot load the TPM library '%s' (%s)", libs[i].soname,
				e ? e : "unknown error");
			hwe_err_hint("install the tpm2-tss package %s (apt install %s)", libs[i].package,
				     libs[i].package);
			goto out;
		}
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p;

		dlerror();
		p = dlsym(h[syms[i].lib], syms[i].name);
		if (!p) {
			hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "the TPM library '%s' has no '%s'",
				libs[syms[i].lib].soname, syms[i].name);
			hwe_err_hint("reinstall the tpm2-tss package %s (a tpm2-tss 3.x or newer is needed)",
				     libs[syms[i].lib].package);
			goto out;
		}
		/* POSIX: a data pointer from dlsym() converts to a function pointer */
		memcpy((char *)&t + syms[i].off, &p, sizeof(p));
	}
	table = t;
	loaded = 1;
	*out = &table;
	ret = HWE_OK;
out:
	if (ret != HWE_OK)
		for (i = 0; i < LIB_COUNT; i++)
			if (h[i])
				dlclose(h[i]);
	return ret;
}
