/* SPDX-License-Identifier: BSD-3-Clause */
/* key-tpm2.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_key_tpm2_placeholder;
