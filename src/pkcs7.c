/* SPDX-License-Identifier: BSD-3-Clause */
/* pkcs7.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_pkcs7_placeholder;
