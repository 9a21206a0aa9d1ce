#!/bin/bash
# Usage: tap-count.sh LOG  -> prints "PLANNED PASSED FAILED SKIPPED" over the
# leaf tests of the KTAP run in LOG (suite.sh's output: one level of
# subtests, indented four spaces). A "# SKIP" result counts as skipped, not
# passed. PLANNED sums the subtests' plans.
set -euo pipefail
tr -d '\r' <"$1" | awk '
	/^    1\.\.[0-9]+/             { split($1, a, "\\.\\."); plan += a[2] }
	/^    ok .*# [Ss][Kk][Ii][Pp]/ { skip++; next }
	/^    ok /                     { ok++ }
	/^    not ok /                 { notok++ }
	END { printf "%d %d %d %d\n", plan, ok, notok, skip }'
