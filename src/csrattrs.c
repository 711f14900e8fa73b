/* SPDX-License-Identifier: BSD-3-Clause */
/* csrattrs.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_csrattrs_placeholder;
