#!/bin/bash
# Usage: ktap-check.sh LOG
# Feeds LOG (suite.sh's KTAP output) to the kernel's own parser,
# tools/testing/kunit/kunit.py parse, and checks it counts the same passed,
# failed and skipped tests as tap-count.sh, which the summary prints. Prints
# "ktap ok: kunit.py counts P passed, F failed, S skipped" or why not.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"
(($# == 1)) || die "usage: ktap-check.sh LOG"
log=$1
need_pkgs python3
"$here/extract-src.sh"
read -r _ ours_p ours_f ours_s < <("$here/tap-count.sh" "$log")
parsed=$(tr -d '\r' <"$log" | python3 "$TDPROOT_CACHE/kunit/tools/testing/kunit/kunit.py" parse 2>&1 || true)
line=$(sed -n 's/.*Testing complete\. Ran \([0-9]*\) tests\?: *\(.*\)$/\1 \2/p' <<<"$parsed" | tail -n1)
[[ -n $line ]] || die "kunit.py parse did not complete: $(tail -n1 <<<"$parsed")"
count() { sed -n "s/.*$1: \\([0-9]*\\).*/\\1/p" <<<"$line" | grep . || echo 0; }
p=$(count passed) f=$(count failed) s=$(count skipped) e=$(count errors)
if [[ $p != "$ours_p" || $f != "$ours_f" || $s != "$ours_s" || $e != 0 ]]; then
	echo "ktap MISMATCH: kunit.py: ${line#* }; summary: passed $ours_p, failed $ours_f, skipped $ours_s"
	exit 1
fi
echo "ktap ok: kunit.py counts $p passed, $f failed, $s skipped"
