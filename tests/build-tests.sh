#!/bin/bash
# Usage: build-tests.sh OUTDIR
# Builds the static test programs (kselftest harness from the cache) and puts
# them, with the in-guest scripts, in OUTDIR.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=host/lib.sh
. "$here/host/lib.sh"
out=$1
need_pkgs gcc libc6-dev
"$here/host/extract-src.sh"
mkdir -p "$out" "$out/.gen"
# splats.txt as C string literals, one per line.
sed 's/[\\"]/\\&/g; s/.*/"&",/' "$here/splats.txt" >"$out/.gen/splats.h"
# README.md's error table, as rows for reliability_test; fails if the module
# has a refusal message the table lacks.
perl "$here/error-table.pl" "$here/../README.md" "$here/../src/debugfs.c" "$here/../src/vm.c" \
	>"$out/.gen/tdp_errors.h"
# -Wno-clobbered: the 6.12 harness keeps locals across its own setjmp.
cflags=(-static -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-clobbered -Werror -D_GNU_SOURCE
	-I"$TDPROOT_CACHE/selftests" -I"$here" -I"$out/.gen")
gcc "${cflags[@]}" -o "$out/tdproot_test" "$here/tdproot_test.c" -lpthread
for prog in "$here"/*.c; do
	[[ $prog == */tdproot_test.c ]] && continue
	gcc "${cflags[@]}" -o "$out/$(basename "$prog" .c)" "$prog" -lpthread
done
cp "$here/suite.sh" "$out/"
