/* SPDX-License-Identifier: BSD-3-Clause */
/* est.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_est_placeholder;
