#!/bin/bash
# Usage: build-module.sh NAME KDIR [make args...]
# Builds tdproot.ko against the kernel build tree KDIR (from host/kernel.sh)
# in a private copy of the tree, .build/mod-NAME[-$TDPROOT_BUILD_TAG], W=1,
# and fails on any compiler or modpost warning. Prints the module's path.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=host/lib.sh
. "$here/host/lib.sh"
(($# >= 2)) || die "usage: build-module.sh NAME KDIR [make args...]"
name=$1 kdir=$2
shift 2
[[ -f $kdir/Makefile ]] || die "no kernel build tree at $kdir"
dir=$top/.build/mod-$name${TDPROOT_BUILD_TAG:+-$TDPROOT_BUILD_TAG}
mkdir -p "$dir"
# Copy only what changed so rebuilds stay incremental.
cp -Ru "$top"/{Kbuild,Makefile,dkms.conf,src,include} "$dir/"
log=$dir/build.log
if ! nice make -C "$kdir" M="$dir" W=1 "$@" modules >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "module build failed for $name"
fi
if grep -E 'warning:|error:' "$log" >&2; then
	die "module build for $name has warnings"
fi
echo "$dir/tdproot.ko"
