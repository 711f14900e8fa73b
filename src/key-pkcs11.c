/* SPDX-License-Identifier: BSD-3-Clause */
/* key-pkcs11.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_key_pkcs11_placeholder;
