/* SPDX-License-Identifier: BSD-3-Clause */
/* certcheck.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_certcheck_placeholder;
