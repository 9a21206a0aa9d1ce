#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# inert_zap_all: populate_zap_all with tdproot's work replaced by something
# inert, its control (see populate_zap_all.sh). A stall here is not tdproot's.
exec populate_zap_all.sh --inert
