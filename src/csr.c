/* SPDX-License-Identifier: BSD-3-Clause */
/* csr.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_csr_placeholder;
