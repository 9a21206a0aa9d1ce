#!/bin/bash
# Usage: lint.sh [KERNEL]   (default 6.12)
# checkpatch.pl --strict on every C source and header, sparse (C=2) and a W=1
# build against KERNEL's headers. Any finding fails.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=host/lib.sh
. "$here/host/lib.sh"

need_pkgs sparse perl
"$here/host/extract-src.sh"
kver=$("$here/host/kernel.sh" "${1:-6.12}")
fail=0

info "README lists every statistics key NAME/stats prints, and no other"
# tdp_stat_names[] in src/stats.c, the derived gauges of tdp_stats_show()
# and the per-VM lines of tdp_stats_file_show() in src/debugfs.c.
code_keys=$(cd "$top" && {
	sed -nE 's/^\s*\[TDP_STAT_[a-z_]+\] = "([a-z_]+)",.*/\1/p' src/stats.c
	grep -ohE '"([a-z_]+ %(ll?)?[du]\\n)+' src/stats.c src/debugfs.c |
		sed 's/\\n/ /g' | grep -oE '[a-z_]+ %' | sed 's/ %//'
} | grep -vx vms | sort -u)	# vms: the module-wide stats file only
readme_keys=$(cd "$top" && sed -n '/^Statistics (`NAME\/stats`): `/,/`\./p' README.md |
	sed -E 's/^Statistics \(`NAME\/stats`\): `//; s/`\..*//' | tr ' ' '\n' | grep -v '^$' | sort -u)
if [[ -z $code_keys || $code_keys != "$readme_keys" ]]; then
	echo "README.md statistics keys differ from the code (< code, > README):"
	diff <(echo "$code_keys") <(echo "$readme_keys") || true
	fail=1
fi

info "checkpatch --strict"
mapfile -t files < <(cd "$top" && git ls-files --cached --others --exclude-standard '*.c' '*.h')
# The tracepoint header follows the TRACE_EVENT macro layout, not C's.
trace_ok='OPEN_ENDED_LINE|MACRO_ARG|SPACING|OPEN_BRACE|COMPLEX_MACRO|PARENTHESIS_ALIGNMENT|LINE_SPACING'
findings=$(cd "$top" && perl "$TDPROOT_CACHE/checkpatch/checkpatch.pl" --strict --no-tree \
	--terse --show-types --no-summary --ignore FILE_PATH_CHANGES \
	-f "${files[@]}" | grep -Ev "^src/tdproot_trace.h:[0-9]+: [A-Z]+:($trace_ok)" || true)
if [[ -n $findings ]]; then
	echo "$findings"
	fail=1
fi

info "sparse (C=2) and W=1 against $kver"
log=$top/.build/lint-$kver.log
if ! TDPROOT_BUILD_TAG=lint "$here/build-module.sh" "$kver" C=2 CHECK="sparse -Wno-unknown-attribute" >/dev/null; then
	fail=1
fi
# build-module.sh fails on "warning:"; sparse also reports as "error:".
cp "$top/.build/mod-$kver-lint/build.log" "$log"
# The bench flavour compiles code the normal build leaves out.
if ! TDPROOT_BUILD_TAG=lint-bench "$here/build-module.sh" "$kver" C=2 \
	CHECK="sparse -Wno-unknown-attribute" TDPROOT_BENCH=1 >/dev/null; then
	fail=1
fi

if ((fail)); then
	info "lint FAILED"
	exit 1
fi
info "lint clean: checkpatch --strict, sparse, W=1"
