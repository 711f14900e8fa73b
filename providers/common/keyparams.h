/* SPDX-License-Identifier: BSD-3-Clause */
/* keyparams.h - what the keymgmt of both providers (hwenroll-pkcs11,
 * hwe-tpm2) says about an EC or RSA key the same way: the public-key
 * parameter tables and the rule of has().  Written once so that a key
 * advertises the same names whichever device holds its private half. */
#ifndef HWE_KEYPARAMS_H
#define HWE_KEYPARAMS_H

#include <openssl/core_dispatch.h>

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
