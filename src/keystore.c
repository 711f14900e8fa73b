/* SPDX-License-Identifier: BSD-3-Clause */
/* keystore.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_keystore_placeholder;
