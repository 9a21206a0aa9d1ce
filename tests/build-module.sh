#!/bin/bash
# Usage: build-module.sh KVER [make args...]
# Builds tdproot.ko against KVER's headers in a private copy of the tree
# (.build/KVER), W=1, and fails on any compiler or modpost warning.
# Prints the path of the module.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=host/lib.sh
. "$here/host/lib.sh"
kver=$1
shift
kdir=/lib/modules/$kver/build
[[ -f $kdir/Makefile ]] || die "no headers for $kver at $kdir"
dir=$top/.build/mod-$kver${TDPROOT_BUILD_TAG:+-$TDPROOT_BUILD_TAG}
mkdir -p "$dir"
# Copy only what changed so rebuilds stay incremental.
cp -Ru "$top"/{Kbuild,Makefile,dkms.conf,src,include} "$dir/"
log=$dir/build.log
if ! make -C "$kdir" M="$dir" W=1 "$@" modules >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "module build failed for $kver"
fi
if grep -E 'warning:|error:' "$log" >&2; then
	die "module build for $kver has warnings"
fi
echo "$dir/tdproot.ko"
