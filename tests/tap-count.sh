#!/bin/bash
# Usage: tap-count.sh LOG  -> prints "PLANNED OK NOT_OK" summed over every TAP
# stream in LOG (top-level lines only; "# " lines are diagnostics).
set -euo pipefail
tr -d '\r' <"$1" | awk '
	/^1\.\.[0-9]+/ { split($1, a, "\\.\\."); plan += a[2] }
	/^ok /         { ok++ }
	/^not ok /     { notok++ }
	END            { printf "%d %d %d\n", plan, ok, notok }'
