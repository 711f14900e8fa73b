/* SPDX-License-Identifier: BSD-3-Clause */
/* provider.c - hwenroll-pkcs11: OSSL_provider_init (the only export), the
 * algorithm tables, provider parameters and error strings. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "keyparams.h"
#include "p11.h"

OSSL_provider_init_fn OSSL_provider_init;
static OSSL_FUNC_provider_teardown_fn p11_teardown;
static OSSL_FUNC_provider_gettable_params_fn p11_gettable_params;
static OSSL_FUNC_provider_get_params_fn p11_get_params;
static OSSL_FUNC_provider_query_operation_fn p11_query;
static OSSL_FUNC_provider_get_reason_strings_fn p11_reason_strings;

static const OSSL_ALGORITHM keymgmts[] = {
	{ HWE_KEYPARAMS_EC_NAMES, P11_PROPS, p11_ec_keymgmt_functions, "PKCS#11 token EC keys" },
	{ HWE_KEYPARAMS_RSA_NAMES, P11_PROPS, p11_rsa_keymgmt_functions, "PKCS#11 token RSA keys" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM signatures[] = {
	{ "ECDSA", P11_PROPS, p11_ecdsa_signature_functions, "ECDSA on a PKCS#11 token" },
	{ HWE_KEYPARAMS_RSA_NAMES, P11_PROPS, p11_rsa_signature_functions,
	  "RSA PKCS#1 v1.5 and PSS on a PKCS#11 token" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM stores[] = {
	{ "pkcs11", P11_PROPS, p11_store_functions, "RFC 7512 pkcs11: URIs" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ITEM reasons[] = {
	{ P11_R_MODULE, "PKCS#11 module error" },
	{ P11_R_TOKEN, "PKCS#11 token error" },
	{ P11_R_LOGIN, "PKCS#11 login failed" },
	{ P11_R_NOT_FOUND, "PKCS#11 object not found" },
	{ P11_R_MECHANISM, "PKCS#11 mechanism not supported" },
	{ P11_R_TOKEN_CALL, "PKCS#11 call failed" },
	{ P11_R_URI, "bad pkcs11 URI" },
	{ P11_R_EXPORT, "private key is not extractable" },
	{ P11_R_ARGUMENT, "bad argument" },
	{ P11_R_MEMORY, "out of memory" },
	{ P11_R_UNSUPPORTED, "unsupported" },
	{ P11_R_AMBIGUOUS, "PKCS#11 URI matches more than one key" },
	{ 0, NULL },
};

static const OSSL_ALGORITHM *p11_query(void *provctx, int op, int *no_cache)
{
	*no_cache = 0;
	switch (op) {
	case OSSL_OP_KEYMGMT:
		return keymgmts;
	case OSSL_OP_SIGNATURE:
		return signatures;
	case OSSL_OP_STORE:
		return stores;
	}
	return NULL;
}

static const OSSL_ITEM *p11_reason_strings(void *provctx)
{
	return reasons;
}

static const OSSL_PARAM *p11_gettable_params(void *provctx)
{
	static const OSSL_PARAM p[] = {
		OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, NULL, 0),
		OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, NULL, 0),
		OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, NULL, 0),
		OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, NULL),
		OSSL_PARAM_END,
	};

	return p;
}

static int p11_get_params(void *provctx, OSSL_PARAM params[])
{
	OSSL_PARAM *p;

	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
	if (p && !OSSL_PARAM_set_utf8_ptr(p, "hwenroll PKCS#11 provider"))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
	if (p && !OSSL_PARAM_set_utf8_ptr(p, PACKAGE_VERSION))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
	if (p && !OSSL_PARAM_set_utf8_ptr(p, PACKAGE_STRING " (p11-kit)"))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
	if (p && !OSSL_PARAM_set_int(p, 1))
		return 0;
	return 1;
}

static void p11_teardown(void *provctx)
{
	struct p11_ctx *ctx = provctx;

	if (!ctx)
		return;
	p11_ctx_fini(ctx);
	OSSL_LIB_CTX_free(ctx->libctx);
	free(ctx);
}

static const OSSL_DISPATCH provider_functions[] = {
	{ OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))p11_teardown },
	{ OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, (void (*)(void))p11_gettable_params },
	{ OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))p11_get_params },
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))p11_query },
	{ OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, (void (*)(void))p11_reason_strings },
	{ 0, NULL },
};

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
		       const OSSL_DISPATCH **out, void **provctx)
{
	OSSL_FUNC_core_get_params_fn *get_params = NULL;
	struct p11_ctx *ctx;
	char *module = NULL, *pin = NULL;
	const OSSL_DISPATCH *f;
	OSSL_PARAM cfg[3];

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return 0;
	ctx->handle = handle;
	for (f = in; f->function_id != 0; f++) {
		switch (f->function_id) {
		case OSSL_FUNC_CORE_GET_PARAMS:
			get_params = OSSL_FUNC_core_get_params(f);
			break;
		case OSSL_FUNC_CORE_NEW_ERROR:
			ctx->up_new_error = OSSL_FUNC_core_new_error(f);
			break;
		case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
			ctx->up_set_error_debug = OSSL_FUNC_core_set_error_debug(f);
			break;
		case OSSL_FUNC_CORE_VSET_ERROR:
			ctx->up_vset_error = OSSL_FUNC_core_vset_error(f);
			break;
		}
	}
	if (!ctx->up_new_error || !ctx->up_set_error_debug || !ctx->up_vset_error)
		ctx->up_new_error = NULL; /* fall back to ERR_* (same libcrypto) */
	if (!p11_ctx_init(ctx)) {
		free(ctx);
		return 0;
	}
	/* openssl.cnf: [hwenroll_pkcs11_sect] pkcs11-module-path = ..., pkcs11-pin = ... */
	if (get_params) {
		cfg[0] = OSSL_PARAM_construct_utf8_ptr("pkcs11-module-path", &module, 0);
		cfg[1] = OSSL_PARAM_construct_utf8_ptr("pkcs11-pin", &pin, 0);
		cfg[2] = OSSL_PARAM_construct_end();
		if (get_params(handle, cfg)) {
			if (module && *module)
				ctx->module_cfg = strdup(module);
			if (pin && *pin)
				ctx->pin_cfg = p11_strdup_secure(pin);
		}
	}
	ctx->libctx = OSSL_LIB_CTX_new_child(handle, in);
	if (!ctx->libctx) {
		p11_teardown(ctx);
		return 0;
	}
	*out = provider_functions;
	*provctx = ctx;
	return 1;
}
