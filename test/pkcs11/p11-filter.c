/* SPDX-License-Identifier: BSD-3-Clause */
/* p11-filter.c - a test PKCS#11 module that forwards to a real one
 * (P11_FILTER_MODULE) and injects the failures a real token can show but
 * SoftHSM cannot be made to:
 *   P11_FILTER_HIDE=0xd,...   mechanisms reported as absent (CKM_RSA_PKCS_PSS = 0xd)
 *   P11_FILTER_FULL=1         C_GenerateKeyPair/C_CreateObject fail with CKR_DEVICE_MEMORY
 *   P11_FILTER_LOCKED=1       C_Login fails with CKR_PIN_LOCKED
 * Test-only; never installed. */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static CK_FUNCTION_LIST real_copy, filtered;
static CK_FUNCTION_LIST *real;

static int hidden(CK_MECHANISM_TYPE m)
{
	const char *h = getenv("P11_FILTER_HIDE");
	char *end;

	while (h && *h) {
		if (strtoul(h, &end, 0) == m)
			return 1;
		if (end == h)
			break;
		h = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static int flag(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

static CK_RV f_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	CK_MECHANISM_TYPE *all;
	CK_ULONG n = 0, i, k = 0;
	CK_RV rv;

	rv = real->C_GetMechanismList(slot, NULL, &n);
	if (rv != CKR_OK)
		return rv;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return CKR_HOST_MEMORY;
	rv = real->C_GetMechanismList(slot, all, &n);
	for (i = 0; rv == CKR_OK && i < n; i++)
		if (!hidden(all[i]))
			all[k++] = all[i];
	if (rv == CKR_OK) {
		if (list && *count < k)
			rv = CKR_BUFFER_TOO_SMALL;
		else if (list)
			memcpy(list, all, k * sizeof(*all));
		*count = k;
	}
	free(all);
	return rv;
}

static CK_RV f_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE m, CK_MECHANISM_INFO_PTR info)
{
	if (hidden(m))
		return CKR_MECHANISM_INVALID;
	return real->C_GetMechanismInfo(slot, m, info);
}

static CK_RV f_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	if (m && hidden(m->mechanism))
		return CKR_MECHANISM_INVALID;
	return real->C_SignInit(s, m, k);
}

static CK_RV f_GenerateKeyPair(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pub,
			       CK_ULONG npub, CK_ATTRIBUTE_PTR priv, CK_ULONG npriv,
			       CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv)
{
	if (flag("P11_FILTER_FULL"))
		return CKR_DEVICE_MEMORY;
	return real->C_GenerateKeyPair(s, m, pub, npub, priv, npriv, hpub, hpriv);
}

static CK_RV f_Login(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	if (flag("P11_FILTER_LOCKED"))
		return CKR_PIN_LOCKED;
	return real->C_Login(s, u, pin, len);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	const char *path = getenv("P11_FILTER_MODULE");
	CK_C_GetFunctionList get;
	void *dl;

	if (!real) {
		if (!path || !(dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
			return CKR_GENERAL_ERROR;
		get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
		if (!get || get(&real) != CKR_OK)
			return CKR_GENERAL_ERROR;
		real_copy = *real;
		real = &real_copy;
		filtered = *real;
		filtered.C_GetMechanismList = f_GetMechanismList;
		filtered.C_GetMechanismInfo = f_GetMechanismInfo;
		filtered.C_SignInit = f_SignInit;
		filtered.C_GenerateKeyPair = f_GenerateKeyPair;
		filtered.C_Login = f_Login;
	}
	*list = &filtered;
	return CKR_OK;
}
