// SPDX-License-Identifier: GPL-2.0
/* Instantiates the tdproot trace events. */

#define CREATE_TRACE_POINTS
#include "tdproot_trace.h"
