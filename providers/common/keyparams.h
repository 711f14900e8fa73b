/* SPDX-License-Identifier: BSD-3-Clause */
/* keyparams.h - what the keymgmt of both providers (hwenroll-pkcs11,
 * hwe-tpm2) says about an EC or RSA key the same way: the public-key
 * parameter tables and the rule of has().  Written once so that a key
 * advertises the same names whichever device holds its private half. */
#ifndef HWE_KEYPARAMS_H
#define HWE_KEYPARAMS_H

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

/* The names the keymgmt of either provider registers (OpenSSL's own for
 * EC and RSA keys, so that decoders and certificates find them). */
#define HWE_KEYPARAMS_EC_NAMES "EC:id-ecPublicKey:1.2.840.10045.2.1"
#define HWE_KEYPARAMS_RSA_NAMES "RSA:rsaEncryption:1.2.840.113549.1.1.1"

/* The descriptor of each key parameter that more than one table names
 * (these, hwenroll-pkcs11's key generation), written once. */
#define HWE_KEYPARAM_GROUP OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0)
#define HWE_KEYPARAM_PUB OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0)
#define HWE_KEYPARAM_RSA_N OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0)
#define HWE_KEYPARAM_RSA_E OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0)

/* import and export types: public key only (private material never
 * enters either provider) */
OSSL_FUNC_keymgmt_import_types_fn hwe_keyparams_ec_types, hwe_keyparams_rsa_types;
/* get_params: sizes, default digest, the public key and its encoding */
OSSL_FUNC_keymgmt_gettable_params_fn hwe_keyparams_ec_gettable, hwe_keyparams_rsa_gettable;

/* has(): 1 if the key holds every part selection asks for: priv, the
 * private key on the device; pub, the public key; params, the domain
 * (and other) parameters. */
int hwe_keyparams_has(int selection, int priv, int pub, int params);

#endif
