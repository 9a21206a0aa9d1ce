#!/bin/bash
# Usage: build-tests.sh OUTDIR
# Builds what the test host runs into OUTDIR: the kselftests
# (tests/selftests, with the kselftest harness from the cache) and their
# runner suite.sh, and the tools (tools/: tdproot-stress, tdproot-bench).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"
out=$1
need_pkgs gcc libc6-dev make
"$here/extract-src.sh"
mkdir -p "$out"
out=$(cd "$out" && pwd)
make -s -C "$top/tests/selftests" KSFT_DIR="$TDPROOT_CACHE/selftests" OUTPUT="$out"
make -s -C "$top/tools" OUTPUT="$out"
